"""`docker save`: images to a tar in the layout Docker 25 and later write.

    blobs/sha256/<hex>   layers (uncompressed tars), configs, OCI manifests
    index.json           OCI index: one manifest per saved tag
    manifest.json        Docker's list: Config, RepoTags, Layers (paths in blobs/)
    oci-layout           {"imageLayoutVersion": "1.0.0"}
    repositories         {repo: {tag: top layer hex}} (what old `docker load` reads)

The tar is written as a stream (no temporary copy of the archive); a layer
kept as files and a tar-split record is rebuilt as it is written, checked
against its diff id; a layer stored compressed is decompressed into a
temporary file first, since a tar header needs the size. The config bytes
are copied unchanged, so `load` gives back the same image id.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable, ContextManager, Iterator

from . import compression, oci
from .layerstore import Layer, digest_hex
from .reference import is_full_id, is_id_prefix, parse
from .store import Image, ImageStore
from .tarstream import TarWriter

INDEX_MEDIA_TYPE = "application/vnd.oci.image.index.v1+json"
LAYER_MEDIA_TYPE = compression.MEDIA_TYPES[compression.PLAIN]
NAME_ANNOTATION = "io.containerd.image.name"
REF_ANNOTATION = "org.opencontainers.image.ref.name"


@dataclass
class Selected:
    """One image to save and the tags it is saved under."""

    image: Image
    tags: list[str] = field(default_factory=list)


def select(store: ImageStore, refs: list[str]) -> list[Selected]:
    """The images `refs` name, in order, each once; a bare repository means all its tags."""
    chosen: dict[str, Selected] = {}
    for ref in refs:
        image = store.get(ref)
        sel = chosen.setdefault(image.id, Selected(image))
        for tag in _tags_for(ref, image):
            if tag not in sel.tags:
                sel.tags.append(tag)
    return list(chosen.values())


def _tags_for(ref: str, image: Image) -> list[str]:
    if is_full_id(ref) or is_id_prefix(image.id, ref):
        return []
    named = parse(ref)
    if named.digest:
        return []
    if named.tag is None:          # `docker save busybox`: every busybox tag of this image
        return [t for t in image.repo_tags if parse(t).familiar_name == named.familiar_name]
    return [named.familiar()]


def save(store: ImageStore, refs: list[str], out: BinaryIO) -> None:
    """Write the images `refs` name as one archive to `out`."""
    selected = select(store, refs)
    tmp_dir = store.root / "tmp"
    with contextlib.ExitStack() as stack:
        layers = {}        # diff id -> (opener of its uncompressed tar, size)
        for sel in selected:
            for layer in store.layers_of(sel.image):
                if layer.diff_id not in layers:
                    layers[layer.diff_id] = stack.enter_context(_plain_layer(store, layer, tmp_dir))
        _write(store, selected, layers, out)


Opener = Callable[[], ContextManager[BinaryIO]]


@contextlib.contextmanager
def _plain_layer(store: ImageStore, layer: Layer, tmp_dir: Path) -> Iterator[tuple[Opener, int]]:
    """(opener of the layer's uncompressed tar, its size); opened only when written."""
    size = store.layers.tar_size(layer)
    if size is not None:
        yield (lambda: store.layers.open_tar(layer)), size
        return
    tmp_dir.mkdir(parents=True, exist_ok=True)
    path = tmp_dir / f".tmp-{os.getpid()}-{os.urandom(16).hex()}"
    try:
        with store.layers.open_tar(layer) as src, open(path, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        yield (lambda: open(path, "rb")), path.stat().st_size
    finally:
        path.unlink(missing_ok=True)


def _write(store: ImageStore, selected: list[Selected], layers: dict, out: BinaryIO) -> None:
    tar = TarWriter(out)
    mtime = int(max((oci.parse_time(s.image.created) for s in selected), default=0))
    blobs: dict[str, bytes | tuple[Opener, int]] = {}
    manifest_list, index, repositories = [], [], {}
    for sel in selected:
        image = sel.image
        config = store.config_bytes(image)
        blobs[image.id] = config
        diff_ids = image.diff_ids
        for d in diff_ids:
            blobs[d] = layers[d]
        manifest = oci.canonical_json(oci.build_manifest(image.id, len(config), [
            {"mediaType": LAYER_MEDIA_TYPE, "digest": d, "size": layers[d][1]} for d in diff_ids]))
        manifest_digest = oci.digest_of(manifest)
        blobs[manifest_digest] = manifest
        desc = {"mediaType": oci.MANIFEST_MEDIA_TYPE, "digest": manifest_digest,
                "size": len(manifest)}
        for tag in sel.tags:
            named = parse(tag)
            index.append({**desc, "annotations": {NAME_ANNOTATION: str(named),
                                                  REF_ANNOTATION: named.tag}})
            if diff_ids:
                repositories.setdefault(named.familiar_name, {})[named.tag] = \
                    digest_hex(diff_ids[-1])
        if not sel.tags:
            index.append(desc)
        manifest_list.append({"Config": _path(image.id), "RepoTags": sel.tags or None,
                              "Layers": [_path(d) for d in diff_ids]})
    _dir(tar, "blobs/", mtime)
    _dir(tar, "blobs/sha256/", mtime)
    for digest in sorted(blobs):
        _file(tar, _path(digest), blobs[digest], mtime)
    _file(tar, "index.json", _json({"schemaVersion": 2, "mediaType": INDEX_MEDIA_TYPE,
                                    "manifests": index}), mtime)
    _file(tar, "manifest.json", _json(manifest_list), mtime)
    _file(tar, "oci-layout", _json({"imageLayoutVersion": "1.0.0"}), mtime)
    if repositories:
        _file(tar, "repositories", _json(repositories), mtime)
    tar.close()
    out.flush()


def _path(digest: str) -> str:
    return f"blobs/sha256/{digest_hex(digest)}"


def _json(obj) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode() + b"\n"


def _dir(tar: TarWriter, name: str, mtime: int) -> None:
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, mtime
    tar.add(info)


def _file(tar: TarWriter, name: str, data: bytes | tuple[Opener, int], mtime: int) -> None:
    info = tarfile.TarInfo(name)
    info.mode, info.mtime = 0o644, mtime
    if isinstance(data, bytes):
        tar.add_bytes(info, data)
        return
    opener, size = data
    info.size = size
    with opener() as f:
        tar.add(info, f)
