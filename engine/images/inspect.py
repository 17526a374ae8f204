"""`docker image inspect` and `docker history` documents, in the Engine API's shape.

Students read these with `--format '{{...}}'` templates written for Docker,
so field names, order and empty values (null vs "" vs []) follow Docker's
JSON (API 1.45 and later: no Container/ContainerConfig/VirtualSize).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import oci

if TYPE_CHECKING:
    from .store import Image, ImageStore


def docker_container_config(cfg: dict) -> dict[str, Any]:
    """The image's config in Docker's `container.Config` JSON layout."""
    out: dict[str, Any] = {
        "Hostname": "", "Domainname": "", "User": cfg.get("User", ""),
        "AttachStdin": False, "AttachStdout": False, "AttachStderr": False,
    }
    if cfg.get("ExposedPorts"):
        out["ExposedPorts"] = cfg["ExposedPorts"]
    out.update({"Tty": False, "OpenStdin": False, "StdinOnce": False,
                "Env": cfg.get("Env"), "Cmd": cfg.get("Cmd")})
    if cfg.get("Healthcheck"):
        out["Healthcheck"] = cfg["Healthcheck"]
    if cfg.get("ArgsEscaped"):
        out["ArgsEscaped"] = True
    out.update({"Image": "", "Volumes": cfg.get("Volumes"),
                "WorkingDir": cfg.get("WorkingDir", ""), "Entrypoint": cfg.get("Entrypoint"),
                "OnBuild": cfg.get("OnBuild"), "Labels": cfg.get("Labels")})
    for key in ("StopSignal", "StopTimeout", "Shell"):
        if cfg.get(key) not in (None, "", []):
            out[key] = cfg[key]
    return out


def _graph_driver(store: "ImageStore", image: "Image") -> dict:
    dirs = [str(d) for d in reversed(store.layer_dirs(image))]     # top first
    if not dirs:
        return {"Data": None, "Name": "overlay2"}
    top = dirs[0].rsplit("/", 1)[0]
    data = {"MergedDir": f"{top}/merged", "UpperDir": dirs[0], "WorkDir": f"{top}/work"}
    if len(dirs) > 1:
        data = {"LowerDir": ":".join(dirs[1:]), **data}
    return {"Data": data, "Name": "overlay2"}


def image_inspect(store: "ImageStore", image: "Image") -> dict[str, Any]:
    """One element of `docker image inspect`'s JSON array."""
    cfg = image.config
    out: dict[str, Any] = {
        "Id": image.id,
        "RepoTags": list(image.repo_tags),
        "RepoDigests": list(image.repo_digests),
        "Parent": image.parent,
        "Comment": cfg.get("comment", ""),
        "Created": cfg.get("created", ""),
        "DockerVersion": cfg.get("docker_version", ""),   # what wrote the image (Docker's builder)
        "Author": cfg.get("author", ""),
        "Config": docker_container_config(image.container_config),
        "Architecture": cfg.get("architecture", ""),
    }
    if cfg.get("variant"):
        out["Variant"] = cfg["variant"]
    out["Os"] = cfg.get("os", "")
    if cfg.get("os.version"):
        out["OsVersion"] = cfg["os.version"]
    out.update({
        "Size": image.size,
        "GraphDriver": _graph_driver(store, image),
        "RootFS": {"Type": "layers", "Layers": image.diff_ids},
        "Metadata": {"LastTagTime": image.last_tag_time},
    })
    return out


def image_history(store: "ImageStore", image: "Image") -> list[dict[str, Any]]:
    """`GET /images/{name}/history`: newest first, `<missing>` where no local image is."""
    layers = store.layers_of(image)
    items: list[dict[str, Any]] = []
    counter = 0
    for h in image.config.get("history") or []:
        size = 0
        if not h.get("empty_layer"):
            size = layers[counter].size
            counter += 1
        items.insert(0, {"Id": "<missing>", "Created": int(oci.parse_time(h.get("created", ""))),
                         "CreatedBy": h.get("created_by", ""), "Tags": None, "Size": size,
                         "Comment": h.get("comment", "")})
    current: "Image | None" = image
    for item in items:                  # walk the local parent chain, as Docker does
        if current is None:
            break
        item["Id"] = current.id
        item["Tags"] = list(current.repo_tags) or None
        current = store.lookup(current.parent) if current.parent else None
    return items
