"""`docker push` to a registry, with Docker's progress lines.

Layers go up gzip-compressed, as Docker sends them (a layer stored plain is
rebuilt from its files and tar-split record, checked, and compressed into a
temporary file, deterministically: no name, mtime 0); the
config bytes go up unchanged, so a pull gives back the same image id. The
manifest is Docker's schema 2 (indented with three spaces, as Docker writes
it), or OCI when a layer is zstd. Blobs the registry already has are skipped.
"""
from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Callable, Iterator

from ..errors import NotFound
from ..images import compression
from ..images.layerstore import Layer
from ..images.oci import CONFIG_MEDIA_TYPE, MANIFEST_MEDIA_TYPE, digest_of
from ..images.reference import Reference
from ..images.store import Image, ImageStore
from .client import RegistryClient

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_GZIP_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
Output = Callable[[str], None]


def push(store: ImageStore, ref: Reference, client: RegistryClient, out: Output) -> str:
    """Push the image tagged `ref`; returns the manifest digest."""
    named = ref.with_default_tag()
    image = store.lookup(named.familiar())
    if image is None:
        raise NotFound(f"An image does not exist locally with the tag: {ref.familiar_name}")
    out(f"The push refers to repository [{ref.name}]")
    layers = list(reversed(store.layers_of(image)))           # Docker lists the top first
    for layer in layers:
        out(f"{_short(layer.diff_id)}: Preparing")
    descriptors: dict[str, dict] = {}
    with contextlib.ExitStack() as stack:
        for layer in layers:
            path, desc = stack.enter_context(_upload_form(store, layer))
            if client.has_blob(desc["digest"]):
                out(f"{_short(layer.diff_id)}: Layer already exists")
            else:
                client.upload_blob(desc["digest"], path)
                out(f"{_short(layer.diff_id)}: Pushed")
            descriptors[layer.chain_id] = desc
    config = store.config_bytes(image)
    if not client.has_blob(image.id):
        _upload_bytes(store, client, image.id, config)
    ordered = [descriptors[l.chain_id] for l in reversed(layers)]
    data, media_type = _manifest(config, image, ordered)
    client.put_manifest(named.tag or "latest", data, media_type)
    digest = digest_of(data)
    _record_digest(store, image, f"{ref.familiar_name}@{digest}")
    out(f"{named.tag}: digest: {digest} size: {len(data)}")
    return digest


def _short(digest: str) -> str:
    return digest.rpartition(":")[2][:12]


@contextlib.contextmanager
def _upload_form(store: ImageStore, layer: Layer) -> Iterator[tuple[Path, dict]]:
    """(file to send, its descriptor): the stored blob, or a gzip of the tar when it is plain.

    A plain layer kept as files and tar-split is rebuilt (and checked
    against its diff id) into the gzip file, before anything is sent.
    """
    blob = store.blob_path(layer.blob)
    kind = compression.detect_file(blob) if blob.exists() else compression.PLAIN
    if kind in (compression.GZIP, compression.ZSTD):
        media = DOCKER_GZIP_LAYER if kind == compression.GZIP else compression.MEDIA_TYPES[kind]
        yield blob, {"mediaType": media, "size": layer.blob_size, "digest": layer.blob}
        return
    tmp_dir = store.root / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    path = tmp_dir / f".tmp-{os.getpid()}-{uuid.uuid4().hex}"
    try:
        hasher = hashlib.sha256()
        with open(path, "wb") as raw:
            with store.layers.open_tar(layer) as src, \
                    gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
                shutil.copyfileobj(src, gz, 1 << 20)
        with open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                hasher.update(chunk)
        yield path, {"mediaType": DOCKER_GZIP_LAYER, "size": path.stat().st_size,
                     "digest": "sha256:" + hasher.hexdigest()}
    finally:
        path.unlink(missing_ok=True)


def _upload_bytes(store: ImageStore, client: RegistryClient, digest: str, data: bytes) -> None:
    tmp_dir = store.root / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    path = tmp_dir / f".tmp-{os.getpid()}-{uuid.uuid4().hex}"
    try:
        path.write_bytes(data)
        client.upload_blob(digest, path)
    finally:
        path.unlink(missing_ok=True)


def _manifest(config: bytes, image: Image, layers: list[dict]) -> tuple[bytes, str]:
    docker = all(l["mediaType"] == DOCKER_GZIP_LAYER for l in layers)
    doc = {"schemaVersion": 2,
           "mediaType": DOCKER_MANIFEST if docker else MANIFEST_MEDIA_TYPE,
           "config": {"mediaType": DOCKER_CONFIG if docker else CONFIG_MEDIA_TYPE,
                      "size": len(config), "digest": image.id},
           "layers": layers}
    return json.dumps(doc, indent=3).encode(), doc["mediaType"]


def _record_digest(store: ImageStore, image: Image, reference: str) -> None:
    """Remember `repo@sha256:...` as a RepoDigest of the image, as Docker does after a push."""
    with store.lock():
        repos = store.read_repositories()
        repos[reference] = image.id
        store.write_repositories(repos)
