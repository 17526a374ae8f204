"""Layers on disk: the blob as it was given, and its unpacked directory.

A layer is known by its chain id (its diff id folded with its parents'), so
the same tar on top of different parents gives different directories, and the
same tar on the same parent is unpacked only once. Unpacking happens in a
private temporary directory that is renamed into place at the end: a crash
never leaves a half-unpacked layer under a real name.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, ContextManager, Iterable

from ..errors import InvalidArgument, NotFound
from ..fsutil import atomic_write_bytes, atomic_write_json, read_json
from . import compression
from .layers import apply_layer, diff_size
from .oci import digest_of
from .tarstream import CHUNK, HashingReader

LayerSource = str | os.PathLike | BinaryIO


@dataclass(frozen=True)
class Layer:
    """One unpacked layer. `path / "diff"` is what overlayfs gets as a lowerdir."""

    chain_id: str
    diff_id: str
    parent: str | None
    size: int
    blob: str
    blob_size: int
    media_type: str
    path: Path

    @property
    def diff_dir(self) -> Path:
        return self.path / "diff"

    def to_meta(self) -> dict:
        return {"chain_id": self.chain_id, "diff_id": self.diff_id, "parent": self.parent,
                "size": self.size, "blob": self.blob, "blob_size": self.blob_size,
                "media_type": self.media_type}

    def descriptor(self) -> dict:
        """The OCI descriptor of the layer's blob, for a manifest."""
        return {"mediaType": self.media_type, "digest": self.blob, "size": self.blob_size}


def chain_id(parent: str | None, diff_id: str) -> str:
    """Chain id of `diff_id` on top of the layer `parent` (OCI image spec)."""
    return diff_id if not parent else digest_of(f"{parent} {diff_id}".encode())


_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def digest_hex(digest: str) -> str:
    algorithm, _, hexpart = digest.partition(":")
    if algorithm != "sha256" or not _HEX64.match(hexpart):
        raise InvalidArgument(f"invalid digest {digest!r}: only sha256 digests are supported")
    return hexpart


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class LayerStore:
    """blobs/sha256/<hex> and layers/<chain-hex>/{diff/,meta.json} under `root`."""

    def __init__(self, root: Path, lock: Callable[[], ContextManager[None]]):
        self.root = root
        self.blobs_dir = root / "blobs" / "sha256"
        self.layers_dir = root / "layers"
        self._lock = lock

    # -- blobs -------------------------------------------------------------
    def blob_path(self, digest: str) -> Path:
        return self.blobs_dir / digest_hex(digest)

    def put_blob(self, data: bytes) -> str:
        """Store `data` as a blob (idempotent); returns its digest."""
        digest = digest_of(data)
        path = self.blob_path(digest)
        if not path.exists():
            self.blobs_dir.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(path, data)
        return digest

    def _ingest(self, src: LayerSource) -> tuple[Path, str, int]:
        """Copy the layer as given into a temporary blob file, hashing it."""
        self.blobs_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.blobs_dir / f".tmp-{os.getpid()}-{uuid.uuid4().hex}"
        hasher, size = hashlib.sha256(), 0
        is_path = isinstance(src, (str, os.PathLike))
        ctx = open(src, "rb") if is_path else contextlib.nullcontext(src)
        try:
            with ctx as f, open(tmp, "wb") as out:
                while chunk := f.read(CHUNK):
                    hasher.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return tmp, "sha256:" + hasher.hexdigest(), size

    # -- layers ------------------------------------------------------------
    def add(self, src: LayerSource, parent: "Layer | str | None" = None,
            allow_devices: bool = True) -> Layer:
        """Store and unpack the layer tar `src` on top of `parent` (idempotent)."""
        parent_id = parent.chain_id if isinstance(parent, Layer) else parent
        if parent_id:
            self.get(parent_id)
        self._sweep_stale()
        tmp_blob, blob, blob_size = self._ingest(src)
        try:
            known = self._find_by_blob(blob, parent_id)
            if known is not None:
                return known
            return self._unpack(tmp_blob, blob, blob_size, parent_id, allow_devices)
        finally:
            tmp_blob.unlink(missing_ok=True)

    def _unpack(self, tmp_blob: Path, blob: str, blob_size: int, parent_id: str | None,
                allow_devices: bool) -> Layer:
        self.layers_dir.mkdir(parents=True, exist_ok=True)
        work = self.layers_dir / f".tmp-{os.getpid()}-{uuid.uuid4().hex}"
        (work / "diff").mkdir(parents=True, mode=0o755)
        try:
            with compression.open_decompressed(tmp_blob) as (stream, kind):
                reader = HashingReader(stream)
                apply_layer(reader, work / "diff", allow_devices=allow_devices)
                reader.drain()
            diff_id = reader.digest()
            cid = chain_id(parent_id, diff_id)
            layer = Layer(chain_id=cid, diff_id=diff_id, parent=parent_id,
                          size=diff_size(work / "diff"), blob=blob, blob_size=blob_size,
                          media_type=compression.MEDIA_TYPES[kind],
                          path=self.layers_dir / digest_hex(cid))
            atomic_write_json(work / "meta.json", layer.to_meta())
            with self._lock():
                if parent_id:
                    self.get(parent_id)       # still there (not removed meanwhile)
                if layer.path.exists():
                    return self.get(cid)      # someone unpacked it first: reuse theirs
                if not self.blob_path(blob).exists():
                    os.link(tmp_blob, self.blob_path(blob))
                os.rename(work, layer.path)
            return layer
        finally:
            if work.exists():
                shutil.rmtree(work, ignore_errors=True)

    def _find_by_blob(self, blob: str, parent_id: str | None) -> Layer | None:
        """An existing layer made from the very same blob on the same parent."""
        for layer in self.all():
            if layer.blob == blob and layer.parent == parent_id:
                return layer
        return None

    def _sweep_stale(self) -> None:
        """Remove temporary dirs and blobs left by processes that died mid-way."""
        for folder in (self.layers_dir, self.blobs_dir):
            if not folder.is_dir():
                continue
            for entry in folder.glob(".tmp-*"):
                try:
                    pid = int(entry.name.split("-")[1])
                except (IndexError, ValueError):
                    continue
                if not _pid_alive(pid):
                    if entry.is_dir():
                        shutil.rmtree(entry, ignore_errors=True)
                    else:
                        entry.unlink(missing_ok=True)

    def get(self, cid: str) -> Layer:
        path = self.layers_dir / digest_hex(cid)
        meta = read_json(path / "meta.json")
        if meta is None:
            raise NotFound("layer does not exist")
        return Layer(path=path, **meta)

    def exists(self, cid: str) -> bool:
        return (self.layers_dir / digest_hex(cid) / "meta.json").exists()

    def all(self) -> list[Layer]:
        if not self.layers_dir.is_dir():
            return []
        found = []
        for entry in sorted(self.layers_dir.iterdir()):
            if not entry.name.startswith(".") and (entry / "meta.json").exists():
                found.append(self.get("sha256:" + entry.name))
        return found

    def chain(self, diff_ids: Iterable[str]) -> list[Layer]:
        """The stored layers for `diff_ids` stacked in that order (NotFound if one is missing)."""
        layers: list[Layer] = []
        parent = None
        for diff_id in diff_ids:
            layer = self.get(chain_id(parent, diff_id))
            layers.append(layer)
            parent = layer.chain_id
        return layers

    def delete(self, cid: str) -> None:
        """Remove a layer (the caller holds the lock and checked nobody uses it)."""
        layer = self.get(cid)
        trash = self.layers_dir / f".tmp-{os.getpid()}-{uuid.uuid4().hex}"
        os.rename(layer.path, trash)
        shutil.rmtree(trash, ignore_errors=True)
        if not any(other.blob == layer.blob for other in self.all()):
            self.blob_path(layer.blob).unlink(missing_ok=True)
