"""`docker pull` from a registry: manifest, config, layers, with Docker's progress lines.

Every blob is checked against its digest, every unpacked layer against the
config's diff id, and the config bytes are stored as they are, so the image
keeps the id it had where it was pushed from.
"""
from __future__ import annotations

import json
import os
import uuid
from typing import Callable

from ..errors import NotFound
from ..images.layerstore import Layer, chain_id
from ..images.oci import host_architecture
from ..images.reference import Reference
from ..images.store import Image, ImageStore
from .client import RegistryClient, RegistryError

INDEX_TYPES = ("application/vnd.oci.image.index.v1+json",
               "application/vnd.docker.distribution.manifest.list.v2+json")
DENIED_CODES = ("NAME_UNKNOWN", "DENIED", "UNAUTHORIZED")
Output = Callable[[str], None]
_CHUNK = 1 << 20


def translate(err: RegistryError, ref: Reference) -> RegistryError:
    """Docker's wording for a failed pull (`pull access denied for ...`)."""
    named = ref.with_default_tag()
    if err.code == "MANIFEST_UNKNOWN":
        return RegistryError(f"manifest for {named.familiar()} not found: {err}", err.code, 404)
    if err.code in DENIED_CODES:
        return RegistryError(f"pull access denied for {ref.familiar_name}, repository does not "
                             f"exist or may require 'docker login': {err}", err.code, err.http_status)
    return err


def pull(store: ImageStore, ref: Reference, client: RegistryClient, out: Output) -> Image:
    """Pull `ref` (tag or digest) into `store`; `out` gets Docker's progress lines."""
    target = ref.digest or ref.tag or "latest"
    try:
        data, digest = _manifest(client, target)
        out(f"{target}: Pulling from {ref.path}")
        doc = json.loads(data)
        if doc.get("mediaType") in INDEX_TYPES or "manifests" in doc:
            data, digest = _manifest(client, _platform_digest(doc, ref))
            doc = json.loads(data)
        config = _blob_bytes(client, doc["config"]["digest"])
        diff_ids = json.loads(config)["rootfs"]["diff_ids"]
        if len(diff_ids) != len(doc["layers"]):
            raise RegistryError("the manifest and the image config list different layers")
        chain = _layers(store, client, doc["layers"], diff_ids, out)
    except RegistryError as e:
        raise translate(e, ref) from None
    shown = ref.familiar() if ref.digest else ref.with_default_tag().familiar()
    before = store.lookup(shown) if not ref.digest else None
    tags = [] if ref.digest else [shown]
    image, _ = store.add_image(config, chain, tags, [f"{ref.familiar_name}@{digest}"], data)
    out(f"Digest: {digest}")
    if before is not None and before.id == image.id:
        out(f"Status: Image is up to date for {shown}")
    else:
        out(f"Status: Downloaded newer image for {shown}")
    return image


def _manifest(client: RegistryClient, reference: str) -> tuple[bytes, str]:
    data, _, digest = client.get_manifest(reference)
    if reference.startswith("sha256:") and digest != reference:
        raise RegistryError(f"manifest verification failed for digest {reference}")
    return data, digest


def _platform_digest(index: dict, ref: Reference) -> str:
    for desc in index.get("manifests") or []:
        platform = desc.get("platform") or {}
        if platform.get("os") == "linux" and platform.get("architecture") == host_architecture():
            return desc["digest"]
    raise NotFound(f"no matching manifest for linux/{host_architecture()} in the manifest "
                   "list entries")


def _blob_bytes(client: RegistryClient, digest: str) -> bytes:
    from ..images.oci import digest_of
    resp = client.get_blob(digest)
    data = resp.content
    if digest_of(data) != digest:
        raise RegistryError(f"digest mismatch for blob {digest}")
    return data


def _layers(store: ImageStore, client: RegistryClient, descs: list[dict],
            diff_ids: list[str], out: Output) -> list[Layer]:
    chain: list[Layer] = []
    parent: str | None = None
    todo = []
    for desc, diff_id in zip(descs, diff_ids):
        cid = chain_id(parent, diff_id)
        short = desc["digest"].rpartition(":")[2][:12]
        if store.layers.exists(cid):
            out(f"{short}: Already exists")
        else:
            out(f"{short}: Pulling fs layer")
            todo.append(cid)
        parent = cid
    parent = None
    for desc, diff_id in zip(descs, diff_ids):
        cid = chain_id(parent, diff_id)
        if cid in todo:
            layer = _download_layer(store, client, desc, parent, out)
            if layer.diff_id != diff_id:
                raise RegistryError(f"layer {desc['digest']} unpacks to {layer.diff_id}, "
                                    f"the image config says {diff_id}")
        else:
            layer = store.layers.get(cid)
        chain.append(layer)
        parent = layer.chain_id
    return chain


def _download_layer(store: ImageStore, client: RegistryClient, desc: dict,
                    parent: str | None, out: Output) -> Layer:
    import hashlib
    short = desc["digest"].rpartition(":")[2][:12]
    tmp_dir = store.root / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    path = tmp_dir / f".tmp-{os.getpid()}-{uuid.uuid4().hex}"
    try:
        hasher = hashlib.sha256()
        with client.get_blob(desc["digest"]) as resp, open(path, "wb") as f:
            for chunk in resp.iter_content(_CHUNK):
                hasher.update(chunk)
                f.write(chunk)
        out(f"{short}: Verifying Checksum")
        if "sha256:" + hasher.hexdigest() != desc["digest"]:
            raise RegistryError(f"filesystem layer verification failed for digest {desc['digest']}")
        out(f"{short}: Download complete")
        layer = store.add_layer(path, parent)
        out(f"{short}: Pull complete")
        return layer
    except OSError as e:
        raise RegistryError(f"failed to download layer {desc['digest']}: {e}") from None
    finally:
        path.unlink(missing_ok=True)

