"""The image store: content-addressed images, their layers and their tags.

Layout under `settings.images_dir`:

    blobs/sha256/<hex>        layer blobs as given, image configs, manifests
    layers/<chain-hex>/       diff/ (unpacked, overlay format) + meta.json
    images/<id-hex>.json      local facts about an image: parent, manifest, last tag time
    repositories.json         familiar reference ("alpine:latest") -> image id

An image's id is the sha256 of its config JSON, as in Docker. Every file is
written atomically, and every change is made under one flock, so two
dockerlab processes (the guided shell and the API daemon) can share a store.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, ContextManager, Iterable, NamedTuple, Sequence

from ..errors import InvalidArgument, NotFound
from ..fsutil import atomic_write_json, locked, read_json
from ..settings import Settings
from . import oci
from .inspect import image_history, image_inspect
from .layerstore import Layer, LayerSource, LayerStore, digest_hex
from .reference import is_full_id, is_id_prefix, parse
from .removal import Removal

NO_TAG_TIME = "0001-01-01T00:00:00Z"


@dataclass
class Image:
    """An image as the rest of the engine sees it."""

    id: str                    # sha256:<hex of the config JSON>
    config: dict               # the full OCI image config
    repo_tags: list[str]       # familiar, sorted: ["alpine:3", "alpine:latest"]
    created: str               # RFC 3339, from the config
    size: int                  # bytes, all layers
    repo_digests: list[str] = field(default_factory=list)
    parent: str = ""           # local parent image (set by build/commit), "" if none
    last_tag_time: str = ""

    @property
    def short_id(self) -> str:
        """The 12 hex digits `docker images` shows."""
        return self.id.partition(":")[2][:12]

    @property
    def diff_ids(self) -> list[str]:
        return list((self.config.get("rootfs") or {}).get("diff_ids") or [])

    @property
    def container_config(self) -> dict:
        """What a container inherits: Cmd, Entrypoint, Env, WorkingDir, User..."""
        return self.config.get("config") or {}

    @property
    def labels(self) -> dict:
        return self.container_config.get("Labels") or {}


class ImageUser(NamedTuple):
    """A container that uses an image, as `remove` needs to know it."""

    id: str
    running: bool


# image id -> the containers made from it: ImageUser, (id, running), a container
# record {"Id", "State": {"Running"}}, or a bare id (taken as a stopped container)
ContainersUsing = Callable[[str], Iterable["ImageUser | tuple[str, bool] | dict | str"]]


def tag_key(text: str) -> str:
    """The familiar form a new tag is stored under; refuses digest references."""
    ref = parse(text)
    if ref.digest:
        raise InvalidArgument("refusing to create a tag with a digest reference")
    return ref.with_default_tag().familiar()


class ImageStore:
    """Images, layers and tags of one state root."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.root = Path(settings.images_dir)
        self.root.mkdir(parents=True, exist_ok=True)
        self.images_dir = self.root / "images"
        self.repos_path = self.root / "repositories.json"
        self.layers = LayerStore(self.root, self.lock)

    def lock(self) -> ContextManager[None]:
        """The store-wide write lock (an flock, so other processes wait too)."""
        return locked(self.root / ".lock")

    # -- layers ------------------------------------------------------------
    def add_layer(self, src: LayerSource, parent: Layer | str | None = None,
                  allow_devices: bool = True) -> Layer:
        """Store a layer tar (path or file object; plain, gzip or zstd) on top of `parent`."""
        return self.layers.add(src, parent, allow_devices)

    def layers_of(self, image: Image) -> list[Layer]:
        """The image's layers, lowest first."""
        return self.layers.chain(image.diff_ids)

    def layer_dirs(self, image: Image) -> list[Path]:
        """Unpacked layer directories, lowest first (reverse them for `lowerdir`)."""
        return [layer.diff_dir for layer in self.layers_of(image)]

    def size(self, image: Image) -> int:
        return sum(layer.size for layer in self.layers_of(image))

    def blob_path(self, digest: str) -> Path:
        return self.layers.blob_path(digest)

    # -- creating and tagging ----------------------------------------------
    def create_image(self, config: dict, layers: Sequence[Layer] | Sequence[str],
                     tags: Iterable[str] = (), parent: str = "") -> Image:
        """Record an image made of `layers` (Layer objects or diff ids), and tag it.

        `config` is an OCI image config; missing architecture/os/created/
        history are filled in, rootfs is built from the layers.
        """
        chain = self._as_chain(layers)
        data = oci.canonical_json(oci.build_config(config, [l.diff_id for l in chain]))
        image_id = oci.digest_of(data)
        keys = [tag_key(t) for t in tags]
        with self.lock():
            self.layers.chain([l.diff_id for l in chain])       # all still there
            if parent and self._meta(parent) is None:
                raise NotFound(f"No such image: {parent}")
            self.layers.put_blob(data)
            manifest = oci.build_manifest(image_id, len(data), [l.descriptor() for l in chain])
            meta = self._meta(image_id) or {"parent": parent, "last_tag_time": ""}
            meta["manifest"] = self.layers.put_blob(oci.canonical_json(manifest))
            meta["parent"] = parent or meta.get("parent", "")
            self._write_meta(image_id, meta)
            if keys:
                self._set_tags(image_id, keys)
        return self.get(image_id)

    def add_image(self, config: bytes, chain: Sequence[Layer], tags: Iterable[str] = (),
                  digests: Iterable[str] = (), manifest: bytes | None = None) -> tuple[Image, dict]:
        """Record an image from its exact config bytes (load, pull): the id stays Docker's.

        `chain` are the image's layers, already stored; `digests` are
        `repo@sha256:...` references (RepoDigests); `manifest` is the manifest
        as the registry served it (else one is made from the layers).
        Returns the image and {tag: id of the image that had it before}.
        """
        image_id = oci.digest_of(config)
        try:
            doc = json.loads(config)
        except ValueError as e:
            raise InvalidArgument(f"invalid image config: {e}") from None
        diff_ids = list(((doc.get("rootfs") or {}).get("diff_ids")) or [])
        if diff_ids != [l.diff_id for l in chain]:
            raise InvalidArgument("the config's rootfs.diff_ids do not match the image's layers")
        keys = [tag_key(t) for t in tags]
        with self.lock():
            self.layers.chain(diff_ids)
            self.layers.put_blob(config)
            if manifest is None:
                manifest = oci.canonical_json(oci.build_manifest(
                    image_id, len(config), [l.descriptor() for l in chain]))
            meta = self._meta(image_id) or {"parent": "", "last_tag_time": ""}
            meta["manifest"] = self.layers.put_blob(manifest)
            self._write_meta(image_id, meta)
            repos = self.read_repositories()
            moved = {k: repos[k] for k in keys if repos.get(k) not in (None, image_id)}
            for ref in digests:
                repos[parse(ref).familiar()] = image_id
            self.write_repositories(repos)
            if keys:
                self._set_tags(image_id, keys)
        return self.get(image_id), moved

    def _as_chain(self, layers: Sequence[Layer] | Sequence[str]) -> list[Layer]:
        if all(isinstance(l, str) for l in layers):
            return self.layers.chain(layers)  # type: ignore[arg-type]
        chain = list(layers)
        for below, above in zip([None, *chain], chain):
            expected = below.chain_id if below is not None else None  # type: ignore[union-attr]
            if above.parent != expected:  # type: ignore[union-attr]
                raise InvalidArgument("the layers do not form a chain: each layer must be "
                                      "added on top of the one before it")
        return chain  # type: ignore[return-value]

    def tag(self, src: str, target: str) -> None:
        """`docker tag SRC TARGET`: point TARGET at the image SRC names (moving it if needed)."""
        image = self.get(src)
        key = tag_key(target)
        with self.lock():
            if self._meta(image.id) is None:
                raise NotFound(f"No such image: {src}")
            self._set_tags(image.id, [key])

    def _set_tags(self, image_id: str, keys: list[str]) -> None:
        repos = self.read_repositories()
        for key in keys:
            repos[key] = image_id
        self.write_repositories(repos)
        meta = self._meta(image_id) or {}
        meta["last_tag_time"] = oci.rfc3339()
        self._write_meta(image_id, meta)

    def untag(self, ref: str) -> str:
        """Remove one tag (never the image); returns it in familiar form."""
        key = parse(ref).with_default_tag().familiar()
        with self.lock():
            repos = self.read_repositories()
            if key not in repos:
                raise NotFound(f"No such image: {key}")
            del repos[key]
            self.write_repositories(repos)
        return key

    def remove(self, ref: str, force: bool = False,
               containers_using: ContainersUsing | None = None, prune: bool = True) -> list[str]:
        """`docker rmi`: Docker's lines (`Untagged: ...`, `Deleted: sha256:...`).

        `containers_using(image_id)` lists the containers made from an image
        (see ContainersUsing); it decides Docker's conflicts.
        """
        with self.lock():
            return Removal(self, containers_using, prune).run(ref, force)

    def prune_layers(self, in_use: Iterable[str] = ()) -> list[str]:
        """Delete layers no image uses and not in `in_use` (chain ids, with their parents).

        For the engine to call after a container is removed whose image was
        force-removed while the container still needed its layers.
        """
        with self.lock():
            keep = self._used_chain_ids()
            for cid in in_use:
                while cid and cid not in keep and self.layers.exists(cid):
                    keep.add(cid)
                    cid = self.layers.get(cid).parent or ""
            removed = []
            for layer in sorted(self.layers.all(), key=lambda l: -len(self._ancestors(l))):
                if layer.chain_id not in keep:
                    self.layers.delete(layer.chain_id)
                    removed.append(layer.chain_id)
            return removed

    def _ancestors(self, layer: Layer) -> list[str]:
        out, cid = [], layer.parent
        while cid and self.layers.exists(cid):
            out.append(cid)
            cid = self.layers.get(cid).parent
        return out

    def _used_chain_ids(self) -> set[str]:
        used: set[str] = set()
        for image_id in self.image_ids():
            config = json.loads(self.blob_path(image_id).read_bytes())
            diff_ids = (config.get("rootfs") or {}).get("diff_ids") or []
            used.update(l.chain_id for l in self.layers.chain(diff_ids))
        return used

    # -- finding -----------------------------------------------------------
    def get(self, ref: str) -> Image:
        """The image `ref` names: a tag, a digest reference, a full id or an id prefix.

        Raises NotFound("No such image: alpine:latest") or InvalidArgument for
        a malformed reference, with Docker's messages.
        """
        repos = self.read_repositories()
        return self._load(self.resolve(ref, repos), repos)

    def lookup(self, ref: str) -> Image | None:
        """Like `get`, but None when there is no such image."""
        try:
            return self.get(ref)
        except NotFound:
            return None

    def resolve(self, ref: str, repos: dict[str, str]) -> str:
        """Image id for `ref`, in Docker's order: full id, tag/digest, id prefix."""
        if is_full_id(ref):
            image_id = "sha256:" + ref.rpartition(":")[2]
            if self._meta(image_id) is not None:
                return image_id
            raise NotFound(f"No such image: {image_id}")
        named = parse(ref)
        key = named.with_default_tag().familiar()
        image_id = repos.get(key)
        if image_id and self._meta(image_id) is not None:
            return image_id
        if named.digest and self._meta(named.digest) is not None:
            return named.digest
        matches = [i for i in self.image_ids() if is_id_prefix(i, ref)]
        if len(matches) == 1:
            return matches[0]
        raise NotFound(f"No such image: {key}")

    def list(self) -> list[Image]:
        """Every image, newest first (what `docker images -a` lists)."""
        repos = self.read_repositories()
        images = [self._load(i, repos) for i in self.image_ids()]
        return sorted(images, key=lambda im: (oci.parse_time(im.created), im.id), reverse=True)

    def has(self, image_id: str) -> bool:
        """True when the full id `image_id` is in the store (the build cache checks its entries)."""
        return self._meta(image_id) is not None

    def image_ids(self) -> list[str]:
        if not self.images_dir.is_dir():
            return []
        return sorted("sha256:" + p.stem for p in self.images_dir.glob("*.json"))

    def children(self, image_id: str) -> list[str]:
        """Images whose local parent is `image_id` (made by build or commit from it)."""
        return [i for i in self.image_ids() if (self._meta(i) or {}).get("parent") == image_id]

    def references(self, image_id: str, repos: dict[str, str] | None = None) -> list[str]:
        """Familiar tags and digest references of an image, sorted like Docker's."""
        repos = self.read_repositories() if repos is None else repos
        return sorted(k for k, v in repos.items() if v == image_id)

    def _load(self, image_id: str, repos: dict[str, str]) -> Image:
        meta = self._meta(image_id)
        if meta is None:
            raise NotFound(f"No such image: {image_id}")
        config = json.loads(self.blob_path(image_id).read_bytes())
        refs = self.references(image_id, repos)
        diff_ids = (config.get("rootfs") or {}).get("diff_ids") or []
        size = sum(l.size for l in self.layers.chain(diff_ids))
        return Image(id=image_id, config=config, created=config.get("created", ""),
                     repo_tags=[r for r in refs if "@" not in r],
                     repo_digests=[r for r in refs if "@" in r], size=size,
                     parent=meta.get("parent", ""),
                     last_tag_time=meta.get("last_tag_time") or NO_TAG_TIME)

    # -- documents -----------------------------------------------------------
    def manifest(self, image: Image) -> dict:
        """The image's OCI manifest (for `save`)."""
        meta = self._meta(image.id) or {}
        return json.loads(self.blob_path(meta["manifest"]).read_bytes())

    def config_bytes(self, image: Image) -> bytes:
        """The exact config JSON bytes whose sha256 is the image id."""
        return self.blob_path(image.id).read_bytes()

    def inspect(self, image: Image) -> dict:
        """`docker image inspect` JSON for one image."""
        return image_inspect(self, image)

    def history(self, image: Image) -> list[dict]:
        """`docker history` as the Engine API returns it, newest first."""
        return image_history(self, image)

    # -- files -----------------------------------------------------------------
    def _meta_path(self, image_id: str) -> Path:
        return self.images_dir / f"{digest_hex(image_id)}.json"

    def _meta(self, image_id: str) -> dict | None:
        try:
            return read_json(self._meta_path(image_id))
        except InvalidArgument:
            return None

    def _write_meta(self, image_id: str, meta: dict) -> None:
        self.images_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_json(self._meta_path(image_id), meta)

    def _delete_files(self, image_id: str) -> None:
        """Forget an image: its metadata, config and manifest (caller holds the lock)."""
        meta = self._meta(image_id) or {}
        self._meta_path(image_id).unlink(missing_ok=True)
        self.blob_path(image_id).unlink(missing_ok=True)
        if meta.get("manifest"):
            self.blob_path(meta["manifest"]).unlink(missing_ok=True)

    def read_repositories(self) -> dict[str, str]:
        return dict(read_json(self.repos_path, {}) or {})

    def write_repositories(self, repos: dict[str, str]) -> None:
        """Replace repositories.json (callers hold `lock()`)."""
        atomic_write_json(self.repos_path, repos)


__all__ = ["Image", "ImageStore", "ImageUser", "Layer", "tag_key"]
