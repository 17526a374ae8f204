"""The classic (pre-BuildKit) builder: one image per instruction, with its cache and output.

Every instruction after FROM makes an image whose parent is the previous
one; the cache maps (parent, instruction, config) to that image, so an
unchanged step prints ` ---> Using cache` and a changed one invalidates the
steps after it. The builder writes the lines `docker build` prints
(`Step 2/5 : RUN ...`, ` ---> Running in ...`, `Successfully built ...`)
through `out`; the engine itself never prints.
"""
from __future__ import annotations

import copy
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ..errors import EngineError, InvalidArgument, NotFound
from ..images import oci
from .cache import BuildCache, step_key
from .configops import CONFIG_OPS, StageState, command_form
from .context import BuildContext
from .dockerfile import Dockerfile, DockerfileError, Instruction, Stage, parse, parse_trigger
from .shellwords import expand

if TYPE_CHECKING:
    from ..images.layerstore import Layer
    from ..images.store import Image
    from .copystep import CopyPlan

# What only a cache miss needs (commit: tarfile; runstep: a container; copystep) is imported where the miss is handled: a rebuild that hits the cache
# at every step, the common case, never loads it.


class BuildFailed(EngineError):
    """A step failed; `message` is Docker's line, `exit_code` what `docker build` exits with."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class BuildOptions:
    context_dir: Path
    dockerfile: Path | None = None          # default: context/Dockerfile
    tags: list[str] = field(default_factory=list)
    build_args: dict[str, str | None] = field(default_factory=dict)
    target: str = ""
    no_cache: bool = False
    labels: dict[str, str] = field(default_factory=dict)
    rm: bool = True
    force_rm: bool = False


@dataclass
class _Current:
    """The image a stage has built so far."""

    image_id: str
    layers: list[Layer]
    history: list[dict]
    author: str = ""


def short(image_id: str) -> str:
    return image_id.partition(":")[2][:12]


class Builder:
    def __init__(self, engine, options: BuildOptions, out: Callable[[str], None],
                 raw: Callable[[bytes], None] | None = None):
        self.engine = engine
        self.store = engine.images
        self.opts = options
        self.out = out
        self.raw = raw or (lambda b: out(b.decode(errors="replace").rstrip("\n")))
        self.cache = BuildCache(self.store)
        self.stage_images: dict[str, str] = {}     # stage name or index -> final image id
        self.used_args: set[str] = set()
        self.meta_args: dict[str, str | None] = {}

    # -- entry ---------------------------------------------------------------
    def load(self) -> tuple[Dockerfile, BuildContext]:
        path = self.opts.dockerfile or (self.opts.context_dir / "Dockerfile")
        context = BuildContext(self.opts.context_dir, _relative(path, self.opts.context_dir))
        return parse(Path(path).read_text()), context

    def build(self, dockerfile: Dockerfile, context: BuildContext) -> str:
        """Run every stage up to the target; tag and return the final image id."""
        self.context = context
        last = self._target_index(dockerfile)
        if self.opts.labels:
            text = " ".join(f'"{k}"="{v}"' for k, v in self.opts.labels.items())
            stage = dockerfile.stages[last]
            stage.instructions.append(Instruction("LABEL", text, stage.from_instruction.line,
                                                  "LABEL " + text))
        total = dockerfile.total_steps(last)
        self.step, self.total = 0, total
        for ins in dockerfile.meta_args:
            self._announce(ins)
            self._meta_arg(ins, dockerfile.escape)
        image_id = ""
        for stage in dockerfile.stages[:last + 1]:
            image_id = self._stage(stage, dockerfile.escape)
            self.stage_images[str(stage.index)] = image_id
            if stage.name:
                self.stage_images[stage.name] = image_id
        unused = sorted(set(self.opts.build_args) - self.used_args)
        if unused:
            self.out(f"[Warning] One or more build-args [{' '.join(unused)}] were not consumed")
        if not image_id:
            raise BuildFailed("No image was generated. Is your Dockerfile empty?")
        self.out(f"Successfully built {short(image_id)}")
        for tag in self.opts.tags:
            self.store.tag(image_id, tag)
            self.out(f"Successfully tagged {oci_familiar(tag)}")
        return image_id

    def _target_index(self, dockerfile: Dockerfile) -> int:
        if not self.opts.target:
            return len(dockerfile.stages) - 1
        for stage in dockerfile.stages:
            if stage.name == self.opts.target.lower():
                return stage.index
        raise InvalidArgument(f"failed to reach build target {self.opts.target} in Dockerfile")

    def _announce(self, ins: Instruction) -> None:
        self.step += 1
        self.out(f"Step {self.step}/{self.total} : {ins.original}")

    def _meta_arg(self, ins: Instruction, escape: str) -> None:
        name, eq, default = ins.value.strip().partition("=")
        value = expand(default, self._meta_env(), escape) if eq else None
        if name in self.opts.build_args:
            value = self._build_arg(name)
        self.meta_args[name] = value

    def _meta_env(self) -> dict[str, str]:
        return {k: v for k, v in self.meta_args.items() if v is not None}

    def _build_arg(self, name: str) -> str | None:
        self.used_args.add(name)
        value = self.opts.build_args[name]
        return os.environ.get(name) if value is None else value

    # -- stages ----------------------------------------------------------------
    def _stage(self, stage: Stage, escape: str) -> str:
        self._announce(stage.from_instruction)
        current, state = self._from(stage, escape)
        current = self._triggers(state, current)
        self.out(f" ---> {short(current.image_id)}")
        for ins in stage.instructions:
            self._announce(ins)
            current = self._dispatch(ins, state, current)
            self.out(f" ---> {short(current.image_id)}")
        return current.image_id

    def _dispatch(self, ins: Instruction, state: StageState, cur: _Current) -> _Current:
        try:
            return self._instruction(ins, state, cur)
        except BuildFailed:
            raise
        except EngineError as e:
            raise BuildFailed(str(e), 1) from None

    def _triggers(self, state: StageState, cur: _Current) -> _Current:
        """The base image's ONBUILD triggers, run as part of FROM (dockerd's order and output).

        They leave the config before the first one runs, so the images they
        make, and the stage's result, do not pass them on.
        """
        triggers = list(state.config.get("OnBuild") or [])
        if not triggers:
            return cur
        state.config["OnBuild"] = None
        self.out(f"# Executing {len(triggers)} build trigger{'s' if len(triggers) > 1 else ''}")
        for text in triggers:
            try:
                ins = parse_trigger(text)
            except DockerfileError as e:
                raise BuildFailed(e.detail, 1) from None
            cur = self._dispatch(ins, state, cur)
        return cur

    def _from(self, stage: Stage, escape: str) -> tuple[_Current, StageState]:
        base = expand(stage.base, self._meta_env(), escape)
        if base.lower() == "scratch":
            return _Current("", [], []), StageState(config={}, escape=escape)
        image = self._base_image(base)
        config = copy.deepcopy(image.container_config)
        cur = _Current(image.id, self.store.layers_of(image), list(image.config.get("history") or []),
                       image.config.get("author", ""))
        return cur, StageState(config=config, escape=escape)

    def _base_image(self, ref: str) -> Image:
        if ref in self.stage_images:
            return self.store.get(self.stage_images[ref])
        found = self.store.lookup(ref)
        if found is not None:
            return found
        from ..images import catalog
        name = ref.split("@")[0].rsplit(":", 1)[0] if ":" in ref.split("/")[-1] else ref
        if not catalog.known(ref):
            raise BuildFailed(f"pull access denied for {name}, repository does not exist or may "
                              "require 'docker login': denied: requested access to the resource is denied")
        self.out(f"latest: Preparing {name} from dockerlab's offline catalog")
        image = catalog.prepare(self.store, ref)
        self.out(f"Digest: {image.id}")
        self.out(f"Status: Downloaded newer image for {name}:latest")
        return image

    # -- one instruction ---------------------------------------------------------
    def _instruction(self, ins: Instruction, state: StageState, cur: _Current) -> _Current:
        kw = ins.keyword
        if kw == "ARG":
            created_by = self._arg(ins, state)
            return self._metadata(created_by, state, cur)
        if kw in CONFIG_OPS:
            if kw == "MAINTAINER":
                cur.author = ins.value.strip()
            created_by = CONFIG_OPS[kw](ins, state)
            return self._metadata(created_by, state, cur, workdir=kw == "WORKDIR")
        if kw == "RUN":
            return self._run(ins, state, cur)
        if kw in ("COPY", "ADD"):
            return self._copy(ins, state, cur)
        raise InvalidArgument(f"{kw} is not supported by dockerlab's builder")

    def _arg(self, ins: Instruction, state: StageState) -> str:
        shown = []
        for word in ins.value.split():
            name, eq, default = word.partition("=")
            value = state.word(default) if eq else self.meta_args.get(name)
            if name in self.opts.build_args:
                value = self._build_arg(name)
            state.args[name] = value
            shown.append(f"{name}={value}" if value is not None else name)
        return "ARG " + " ".join(shown)

    def _nop(self, text: str, state: StageState) -> str:
        return " ".join(state.shell() + ["#(nop) "]) + " " + text

    def _cached(self, key: str, cur: _Current, state: StageState) -> _Current | None:
        if self.opts.no_cache:
            return None
        image_id = self.cache.get(key)
        if image_id is None:
            return None
        image = self.store.get(image_id)
        self.out(" ---> Using cache")
        state.config = copy.deepcopy(image.container_config)
        return _Current(image.id, self.store.layers_of(image),
                        list(image.config.get("history") or []), image.config.get("author", ""))

    def _metadata(self, text: str, state: StageState, cur: _Current, workdir: bool = False) -> _Current:
        created_by = self._nop(text, state) if not workdir else " ".join(state.shell()) + " #(nop) " + text
        key = step_key(cur.image_id, created_by, state.config)
        hit = self._cached(key, cur, state)
        if hit is not None:
            return hit
        cid = os.urandom(32).hex()
        self.out(f" ---> Running in {cid[:12]}")
        layer = self._workdir_layer(state, cur) if workdir else None
        self.out(f" ---> Removed intermediate container {cid[:12]}")
        return self._commit(key, created_by, state, cur, layer)

    def _workdir_layer(self, state: StageState, cur: _Current) -> Layer | None:
        """WORKDIR creates its directory when the image does not have it."""
        from .copystep import lookup
        path = state.config.get("WorkingDir") or "/"
        dirs = [l.diff_dir for l in cur.layers]
        if path == "/" or lookup(dirs, path) is not None:
            return None
        from ..images.commit import layer_from_dir
        with tempfile.TemporaryDirectory(prefix=".stage-", dir=self.store.root) as tmp:
            target = Path(tmp) / path.lstrip("/")
            target.mkdir(parents=True, mode=0o755)
            return layer_from_dir(self.store, Path(tmp), cur.layers[-1] if cur.layers else None)

    def _commit(self, key: str, created_by: str, state: StageState, cur: _Current,
                layer: Layer | None, comment: str = "") -> _Current:
        entry: dict = {"created": oci.rfc3339(), "created_by": created_by}
        if comment:
            entry["comment"] = comment
        if layer is None:
            entry["empty_layer"] = True
        layers = cur.layers + ([layer] if layer is not None else [])
        history = cur.history + [entry]
        config = {"config": _clean(state.config), "history": history, "created": entry["created"]}
        if cur.author:
            config["author"] = cur.author
        image = self.store.create_image(config, layers, parent=cur.image_id)
        self.cache.put(key, image.id)
        return _Current(image.id, layers, history, cur.author)

    # -- RUN ---------------------------------------------------------------------
    def _run_args(self, state: StageState) -> list[str]:
        env_keys = {e.partition("=")[0] for e in state.config.get("Env") or []}
        return sorted(f"{k}={v}" for k, v in state.args.items() if v is not None and k not in env_keys)

    def _run(self, ins: Instruction, state: StageState, cur: _Current) -> _Current:
        argv, _ = command_form(ins, state)
        args = self._run_args(state)
        created_by = " ".join(argv)
        if args:
            created_by = f"|{len(args)} {' '.join(args)} {created_by}"
        key = step_key(cur.image_id, created_by, state.config)
        hit = self._cached(key, cur, state)
        if hit is not None:
            return hit
        if not cur.image_id:
            raise BuildFailed("no such file or directory: a RUN needs a base image with a shell")
        from ..images.commit import layer_from_container
        from .runstep import create_run_container, run_attached
        cid = create_run_container(self.engine, cur.image_id, argv, state.config, args)
        self.out(f" ---> Running in {cid[:12]}")
        code = run_attached(self.engine, cid, self.raw)
        if code != 0:
            if self.opts.force_rm:
                self.engine.remove(cid, force=True)
            raise BuildFailed(f"The command '{' '.join(argv)}' returned a non-zero code: {code}", code)
        try:
            layer = layer_from_container(self.store, self.engine.record(cid))
        finally:
            if self.opts.rm or self.opts.force_rm:
                self.engine.remove(cid, force=True)
        self.out(f" ---> Removed intermediate container {cid[:12]}")
        return self._commit(key, created_by, state, cur, layer)

    # -- COPY / ADD ----------------------------------------------------------------
    def _copy(self, ins: Instruction, state: StageState, cur: _Current) -> _Current:
        words = ins.json_args if ins.json_args is not None else state.words(ins.value)
        if ins.json_args is not None:
            words = [state.word(w) for w in words]
        sources, dest = words[:-1], words[-1]
        owner = self._owner(ins, state, cur)
        mode = int(ins.flags["chmod"], 8) if "chmod" in ins.flags else None
        src_from = ins.flags.get("from")
        if src_from:
            return self._copy_from(ins, src_from, sources, dest, owner, mode, state, cur)
        with tempfile.TemporaryDirectory(prefix=".download-", dir=self.store.root) as tmp:
            paths, digest, fetched = self._sources(ins, sources, dest, Path(tmp))
            created_by = self._nop_copy(ins, digest, dest, state)
            key = step_key(cur.image_id, created_by, {**state.config, "_copy": [owner, mode]})
            hit = self._cached(key, cur, state)
            if hit is not None:
                return hit
            from .copystep import CopyPlan
            plan = CopyPlan(paths, dest, owner, mode, extract_archives=ins.keyword == "ADD",
                            include=self._included, keep_archives=fetched)
            layer = self._stage_layer(plan, state, cur)
        return self._commit(key, created_by, state, cur, layer)

    def _owner(self, ins: Instruction, state: StageState, cur: _Current) -> tuple[int, int] | None:
        """--chown's uid and gid, read from the image's own /etc/passwd and /etc/group."""
        if "chown" not in ins.flags:
            return None
        from .copystep import resolve_owner
        return resolve_owner(state.word(ins.flags["chown"]), [l.diff_dir for l in cur.layers])

    def _sources(self, ins: Instruction, sources: list[str], dest: str,
                 folder: Path) -> tuple[list[Path], str, frozenset[Path]]:
        """Host paths of a COPY/ADD's sources, their digest, and which were downloaded.

        Context files keep the digest they always had; ADD's URLs are fetched
        into `folder` (one sub-folder each), and their content's hash stands
        for them, alone (as Docker shows it) or in a `multi:` hash.
        """
        from .remote import is_url
        if not any(is_url(s) for s in sources):
            rels = [r for s in sources for r in self.context.resolve(s, ins.keyword)]
            return [self.context.path(r) for r in rels], self.context.checksum(rels), frozenset()
        paths: list[Path] = []
        digests: list[str] = []
        fetched: set[Path] = set()
        for i, source in enumerate(sources):
            if not is_url(source):
                rels = self.context.resolve(source, ins.keyword)
                paths += [self.context.path(r) for r in rels]
                digests.append(self.context.checksum(rels))
                continue
            if ins.keyword != "ADD":
                raise BuildFailed(f"{ins.keyword} failed: source can't be a URL for {ins.keyword}")
            got = self._download(source, dest, folder / str(i))
            paths.append(got.path)
            digests.append(got.digest)
            fetched.add(got.path)
        if len(digests) == 1:
            return paths, digests[0], frozenset(fetched)
        import hashlib
        return paths, "multi:" + hashlib.sha256(",".join(digests).encode()).hexdigest(), \
            frozenset(fetched)

    def _download(self, url: str, dest: str, folder: Path):
        """Fetch one ADD URL; the blank line is the one dockerd prints after a download."""
        from .remote import DownloadError, download
        try:
            got = download(url, folder)
        except DownloadError as e:
            raise BuildFailed(f"ADD failed: {e}") from None
        self.out("")
        if not got.name and dest.endswith("/"):
            raise BuildFailed(f"ADD failed: cannot determine filename for source {url}")
        return got

    def _included(self, host_path: Path) -> bool:
        rel = host_path.relative_to(self.context.root).as_posix()
        return rel in self.context.entries

    def _nop_copy(self, ins: Instruction, digest: str, dest: str, state: StageState) -> str:
        """Docker's history text for COPY/ADD (performCopy), `--chown=` as written included."""
        chown = f"--chown={state.word(ins.flags['chown'])} " if ins.flags.get("chown") else ""
        return " ".join(state.shell()) + f" #(nop) {ins.keyword} {chown}{digest} in {dest} "

    def _stage_layer(self, plan: CopyPlan, state: StageState, cur: _Current) -> Layer | None:
        from ..images.commit import layer_from_dir
        from .copystep import stage_copy
        with tempfile.TemporaryDirectory(prefix=".stage-", dir=self.store.root) as tmp:
            stage_copy(Path(tmp), plan, state.config.get("WorkingDir") or "/",
                       [l.diff_dir for l in cur.layers])
            return layer_from_dir(self.store, Path(tmp), cur.layers[-1] if cur.layers else None)

    def _copy_from(self, ins, src_from, sources, dest, owner, mode, state, cur) -> _Current:
        from .copystep import CopyPlan
        from .rootview import image_root
        ref = self.stage_images.get(src_from.lower(), src_from)
        try:
            image = self.store.get(ref) if ref in self.stage_images.values() else self._base_image(ref)
        except NotFound:
            raise BuildFailed(f"invalid from flag value {src_from}: pull access denied for "
                              f"{src_from}, repository does not exist or may require 'docker login'")
        with image_root(self.store, image) as root:
            paths = [_in_root(root, s, ins.keyword) for s in sources]
            created_by = " ".join(state.shell()) + \
                f" #(nop) {ins.keyword} --from={src_from} {' '.join(sources)} in {dest} "
            key = step_key(cur.image_id, created_by, {**state.config, "_from": image.id,
                                                      "_copy": [owner, mode]})
            hit = self._cached(key, cur, state)
            if hit is not None:
                return hit
            layer = self._stage_layer(CopyPlan(paths, dest, owner, mode), state, cur)
        return self._commit(key, created_by, state, cur, layer)


def _in_root(root: Path, source: str, keyword: str) -> Path:
    import glob
    rel = os.path.normpath("/" + source).lstrip("/")
    if any(ch in rel for ch in "*?["):
        found = sorted(glob.glob(str(root / rel)))
        if not found:
            raise BuildFailed(f"{keyword} failed: no source files were specified")
        return Path(found[0])
    path = root / rel
    if not os.path.lexists(path):
        raise BuildFailed(f"{keyword} failed: stat {source}: file does not exist")
    return path


def _clean(config: dict) -> dict:
    return {k: v for k, v in config.items() if not k.startswith("_")}


def _relative(path: Path, context: Path) -> str | None:
    try:
        return Path(path).resolve().relative_to(Path(context).resolve()).as_posix()
    except ValueError:
        return None


def oci_familiar(tag: str) -> str:
    from ..images.store import tag_key
    return tag_key(tag)
