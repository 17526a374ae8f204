"""/images/...: list, inspect, history, tag, rmi, prune, pull, push, save, load."""
from __future__ import annotations

from .. import events
from ..errors import EngineError, InvalidArgument, NotFound
from . import shapes
from .progress import Progress, run_streamed


def list_(req) -> None:
    store = req.engine.images
    filters = req.filters()
    out = []
    show_all = req.qbool("all")
    for image in store.list():
        if not show_all and not image.repo_tags and store.children(image.id):
            continue                 # an intermediate image of a build: `docker images -a` shows it
        if "dangling" in filters and (filters["dangling"][0] in ("true", "1")) != (not image.repo_tags):
            continue
        if "reference" in filters and not any(_ref_match(t, filters["reference"]) for t in image.repo_tags):
            continue
        if "label" in filters and not shapes._label_match(image.labels or {}, filters["label"]):
            continue
        out.append(shapes.image_summary(store, image))
    req.send_json(200, out)


def _ref_match(tag: str, patterns: list[str]) -> bool:
    import fnmatch
    repo = tag.rpartition(":")[0]
    return any(fnmatch.fnmatch(tag, p) or fnmatch.fnmatch(repo, p) for p in patterns)


def inspect(req) -> None:
    req.send_json(200, req.engine.inspect_image(req.params["name"]))


def history(req) -> None:
    store = req.engine.images
    req.send_json(200, store.history(store.get(req.params["name"])))


def tag(req) -> None:
    repo = req.q("repo") or ""
    if not repo:
        raise InvalidArgument("repository name must have at least one component")
    target = f"{repo}:{req.q('tag')}" if req.q("tag") else repo
    store = req.engine.images
    image = store.get(req.params["name"])
    store.tag(req.params["name"], target)
    events.emit(req.engine.settings, "image", "tag", image.id, {"name": target})
    req.send(201)


def remove(req) -> None:
    eng = req.engine
    containers = eng.list_containers(all=True)
    lines = eng.images.remove(req.params["name"], force=req.qbool("force"),
                              containers_using=lambda iid: [c for c in containers if c["Image"] == iid],
                              prune=not req.qbool("noprune"))
    out = []
    for line in lines:
        kind, _, value = line.partition(": ")
        out.append({kind: value})
        events.emit(eng.settings, "image", "untag" if kind == "Untagged" else "delete", value, {"name": value})
    req.send_json(200, out)


def prune(req) -> None:
    eng = req.engine
    filters = req.filters()
    dangling_only = (filters.get("dangling") or ["true"])[0] in ("true", "1")
    used = {c["Image"] for c in eng.list_containers(all=True)}
    deleted, reclaimed = [], 0
    for image in eng.images.list():
        if image.id in used or (dangling_only and image.repo_tags) or eng.images.children(image.id):
            continue
        try:
            for ref in image.repo_tags or [image.id]:
                for line in eng.images.remove(ref, force=False, containers_using=lambda _i: []):
                    kind, _, value = line.partition(": ")
                    deleted.append({kind: value})
        except EngineError:
            continue
        reclaimed += image.size
    events.emit(eng.settings, "image", "prune", "", {"reclaimed": reclaimed})
    req.send_json(200, {"ImagesDeleted": deleted or None, "SpaceReclaimed": reclaimed})


def pull(req) -> None:
    """POST /images/create?fromImage=...&tag=...: the offline catalog, or a registry when given one."""
    from ..images import reference
    name = req.q("fromImage") or ""
    if not name:
        if req.q("fromSrc"):
            from .extras import import_image
            import_image(req, req.q("repo") or "", req.q("tag") or "")
            return
        raise InvalidArgument("no image name given (fromImage)")
    tag = req.q("tag") or ""
    text = name if not tag else (f"{name}@{tag}" if ":" in tag and tag.startswith("sha") else f"{name}:{tag}")
    ref = reference.parse(text)
    req.drain()
    run_streamed(req, lambda progress: _pull(req.engine, ref, progress))


def _pull(engine, ref, progress: Progress):
    from ..images import catalog
    familiar = ref.with_default_tag().familiar()
    short_name = ref.familiar_name
    host = ref.name.split("/")[0] if "/" in ref.name else "docker.io"
    if host == "docker.io" and catalog.known(short_name.split("/")[-1] if short_name.startswith("library/") else short_name):
        tag = ref.tag or "latest"
        progress.status(f"Pulling from {ref.path}", tag)
        image = catalog.prepare(engine.images, short_name, lambda line: progress.status(line))
        if familiar != f"{short_name}:latest":
            engine.images.tag(image.id, familiar)
        progress.status(f"Digest: {image.id}")
        progress.status(f"Status: Downloaded newer image for {familiar}")
        events.emit(engine.settings, "image", "pull", familiar, {"name": familiar})
        return
    registry_pull = _registry_puller()
    if registry_pull is None or host == "docker.io":
        raise NotFound(f"pull access denied for {short_name}, repository does not exist or may require "
                       "'docker login': denied: requested access to the resource is denied")
    registry_pull(engine, ref, progress.status)
    events.emit(engine.settings, "image", "pull", familiar, {"name": familiar})


def _registry_puller():
    """The registry client's pull, for references naming a registry (localhost:5000/...)."""
    try:
        from ..registry.client import RegistryClient
        from ..registry.pull import pull as registry_pull
    except ImportError:
        return None

    def run(engine, ref, out) -> None:
        host, _, path = ref.name.partition("/")
        registry_pull(engine.images, ref, RegistryClient(host, path), out)
    return run


def push(req) -> None:
    try:
        from ..registry import push as registry_push   # type: ignore[attr-defined]
    except ImportError:
        registry_push = None
    name = req.params["name"] + (f":{req.q('tag')}" if req.q("tag") else "")
    req.drain()
    if registry_push is None or not hasattr(registry_push, "push_image"):
        raise EngineError("dockerlab cannot push images yet")
    run_streamed(req, lambda progress: registry_push.push_image(req.engine, name, progress.status,
                                                                req.header("X-Registry-Auth")),
                 first_error_is_http=True)


def save(req) -> None:
    from ..images.archive_save import select, save as save_archive
    names = req.qlist("names") or ([req.params["name"]] if "name" in req.params else [])
    if not names:
        raise InvalidArgument("no image names given")
    select(req.engine.images, names)                # NotFound before the stream starts
    w = req.stream(200, "application/x-tar")
    try:
        save_archive(req.engine.images, names, w)
    finally:
        w.close()


def load(req) -> None:
    from ..images.archive import load as load_archive
    quiet = req.qbool("quiet")
    body = req.body()

    def work(progress: Progress) -> None:
        def out(line: str) -> None:
            progress.stream(line + "\n")
        for image in load_archive(req.engine.images, body, out):
            for t in image.repo_tags or [image.id]:
                events.emit(req.engine.settings, "image", "load", image.id, {"name": t})
    progress = Progress(req, quiet)
    progress.begin()                   # dockerd answers 200 and puts a damaged archive's error in the stream
    try:
        work(progress)
    except Exception as e:  # noqa: BLE001 - shown in the stream
        progress.error(str(e) or type(e).__name__)
    progress.close()
    req.drain()


ROUTES = [
    ("GET", "/images/json", list_),
    ("POST", "/images/create", pull),
    ("POST", "/images/prune", prune),
    ("POST", "/images/load", load),
    ("GET", "/images/get", save),
    ("GET", "/images/{name*}/json", inspect),
    ("GET", "/images/{name*}/history", history),
    ("GET", "/images/{name*}/get", save),
    ("POST", "/images/{name*}/tag", tag),
    ("POST", "/images/{name*}/push", push),
    ("DELETE", "/images/{name*}", remove),
]
