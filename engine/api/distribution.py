"""GET /distribution/{name}/json: an image's descriptor and platforms, as its registry has it.

The lab's "Docker Hub" is the offline catalog: a docker.io name is answered
from the local store, preparing the catalog's stand-in first if needed (what
a pull would fetch); a name on another registry (localhost:5000/...) is asked
of that registry, without pulling anything.
"""
from __future__ import annotations

import json

from ..errors import EngineError, NotFound


class Unauthorized(EngineError):
    status = 401


def _platform(config: dict) -> dict:
    out = {"architecture": config.get("architecture") or "", "os": config.get("os") or ""}
    if config.get("variant"):
        out["variant"] = config["variant"]
    return out


def _from_store(engine, ref) -> dict:
    from ..images import catalog
    familiar = ref.with_default_tag().familiar()
    try:
        image = engine.images.get(familiar)
    except NotFound:
        short = ref.familiar_name.removeprefix("library/")
        if not catalog.known(short):
            raise Unauthorized("errors:\ndenied: requested access to the resource is denied\n"
                               "unauthorized: authentication required\n") from None
        image = catalog.prepare(engine.images, ref.familiar_name)
    meta = engine.images._meta(image.id) or {}     # the manifest the store keeps with the image
    digest = meta.get("manifest") or image.id
    manifest = engine.images.blob_path(digest)
    media = json.loads(manifest.read_bytes()).get("mediaType") or "application/vnd.oci.image.manifest.v1+json"
    return {"Descriptor": {"mediaType": media, "digest": digest, "size": manifest.stat().st_size},
            "Platforms": [_platform(image.config)]}


def _from_registry(ref) -> dict:
    from ..registry.client import RegistryClient
    host, _, path = ref.name.partition("/")
    client = RegistryClient(host, path)
    data, media, digest = client.get_manifest(ref.digest or ref.tag or "latest")
    doc = json.loads(data)
    if doc.get("manifests") is not None:
        platforms = [d["platform"] for d in doc["manifests"] if d.get("platform")]
    else:
        platforms = [_platform(json.loads(client.get_blob(doc["config"]["digest"]).content))]
    return {"Descriptor": {"mediaType": media or doc.get("mediaType", ""), "digest": digest, "size": len(data)},
            "Platforms": platforms}


def inspect(req) -> None:
    from ..images import reference
    ref = reference.parse(req.params["name"])
    host = ref.name.split("/")[0] if "/" in ref.name else "docker.io"
    req.send_json(200, _from_store(req.engine, ref) if host == "docker.io" else _from_registry(ref))


ROUTES = [("GET", "/distribution/{name*}/json", inspect)]
