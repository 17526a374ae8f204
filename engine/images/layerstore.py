"""Layers on disk: the unpacked directory, and the blob or a tar-split record.

A compressed layer keeps its blob as it was given (its digest is the one a
registry knows); a plain one unpacked by GNU tar keeps only a tar-split
record beside its files (tarsplit.py), from which `open_tar` rebuilds the
exact tar: a layer is never stored twice.

A layer is known by its chain id (its diff id folded with its parents'), so
the same tar on top of different parents gives different directories, and the
same tar on the same parent is unpacked only once. Unpacking happens in a
private temporary directory that is renamed into place at the end: a crash
never leaves a half-unpacked layer under a real name.
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Callable, ContextManager, Iterable, Iterator

from ..errors import InvalidArgument, NotFound
from ..fsutil import atomic_write_bytes, atomic_write_json, read_json
from .oci import digest_of

if TYPE_CHECKING:
    from .fastunpack import Ingested

# The unpackers (fastunpack, layers, compression: tarfile, subprocess, threads)
# are imported by the methods that add a layer: `docker run` of a stored image
# only reads layers, and every CLI call would otherwise pay for them.

LayerSource = str | os.PathLike | BinaryIO
TAR_SPLIT = "tar-split"      # layers/<chain>/tar-split: how to rebuild the tar (tarsplit.py)


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


def _tmp_name() -> str:
    """A private name for work in progress; `_sweep_stale` reads the pid back."""
    return f".tmp-{os.getpid()}-{os.urandom(16).hex()}"


def _tell(f: BinaryIO) -> int:
    """Where `f` is (0 for a stream that cannot say: it will not be read twice)."""
    try:
        return f.tell()
    except (AttributeError, OSError, ValueError):
        return 0


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

    # -- layers ------------------------------------------------------------
    def add(self, src: LayerSource, parent: "Layer | str | None" = None,
            allow_devices: bool = True) -> Layer:
        """Store and unpack the layer tar `src` on top of `parent` (idempotent).

        The source is read once (fastunpack.ingest: hashes, header scan and
        GNU tar fed together). A plain layer tar unpacked is kept as its files
        plus a tar-split record (no blob); layers only layers.py reads right
        are stored as a blob, then unpacked from it.
        """
        from .fastunpack import ingest
        parent_id = parent.chain_id if isinstance(parent, Layer) else parent
        if parent_id:
            self.get(parent_id)
        self._sweep_stale()
        self.blobs_dir.mkdir(parents=True, exist_ok=True)
        self.layers_dir.mkdir(parents=True, exist_ok=True)
        tag = _tmp_name()
        tmp_blob, work = self.blobs_dir / tag, self.layers_dir / tag
        (work / "diff").mkdir(parents=True, mode=0o755)
        try:
            is_path = isinstance(src, (str, os.PathLike))
            ctx = open(src, "rb") if is_path else contextlib.nullcontext(src)
            with ctx as f:
                start = _tell(f)
                got = ingest(f, tmp_blob, work / "diff", allow_devices, work / TAR_SPLIT)
                if not got.unpacked and not got.stored:   # tar gave up, no blob kept: again
                    f.seek(start)
                    got = ingest(f, tmp_blob, None, allow_devices)
            known = self._find_by_blob(got.blob, parent_id)
            if known is not None:
                return known
            if not got.unpacked:
                (work / TAR_SPLIT).unlink(missing_ok=True)
                shutil.rmtree(work / "diff")
                (work / "diff").mkdir(mode=0o755)
                got = self._unpack(tmp_blob, got, work, allow_devices)
            return self._install(work, tmp_blob, got, parent_id)
        finally:
            tmp_blob.unlink(missing_ok=True)
            if work.exists():
                shutil.rmtree(work, ignore_errors=True)

    def _unpack(self, tmp_blob: Path, got: Ingested, work: Path, allow_devices: bool) -> Ingested:
        """Unpack the stored blob with layers.py (the careful, reference unpacker)."""
        from . import compression
        from .fastunpack import Ingested
        from .layers import apply_layer, diff_size
        from .tarstream import HashingReader
        with compression.open_decompressed(tmp_blob) as (stream, kind):
            reader = HashingReader(stream)
            apply_layer(reader, work / "diff", allow_devices=allow_devices)
            reader.drain()
        return Ingested(got.blob, got.blob_size, reader.digest(), kind, unpacked=True,
                        size=diff_size(work / "diff"))

    def _install(self, work: Path, tmp_blob: Path, got: Ingested, parent_id: str | None) -> Layer:
        """Rename the unpacked `work` dir into place and keep its blob (if it needs one), under the lock."""
        from . import compression
        cid = chain_id(parent_id, got.diff_id)
        layer = Layer(chain_id=cid, diff_id=got.diff_id, parent=parent_id, size=got.size,
                      blob=got.blob, blob_size=got.blob_size,
                      media_type=compression.MEDIA_TYPES[got.kind],
                      path=self.layers_dir / digest_hex(cid))
        atomic_write_json(work / "meta.json", layer.to_meta())
        with self._lock():
            if parent_id:
                self.get(parent_id)       # still there (not removed meanwhile)
            if layer.path.exists():
                return self.get(cid)      # someone unpacked it first: reuse theirs
            if not got.split and not self.blob_path(got.blob).exists():
                os.link(tmp_blob, self.blob_path(got.blob))
            os.rename(work, layer.path)
        return layer

    @contextlib.contextmanager
    def open_tar(self, layer: Layer) -> Iterator[BinaryIO]:
        """The layer's uncompressed tar, for `save` and `push`.

        From its blob when it has one, else rebuilt from its files and
        tar-split record, checked against the diff id as it is read
        (tarsplit.LayerAltered if the files changed since).
        """
        from .compression import open_decompressed
        from .tarsplit import LayerAltered, RebuiltTar
        blob = self.blob_path(layer.blob)
        if blob.exists():
            with open_decompressed(blob) as (stream, _):
                yield stream
            return
        split = layer.path / TAR_SPLIT
        if not split.exists():
            raise LayerAltered(f"layer {layer.diff_id} has lost its blob: remove the images "
                               "that use it and load or pull them again")
        with RebuiltTar(split, layer.diff_dir, layer.diff_id) as tar:
            yield tar       # type: ignore[misc]

    @staticmethod
    def tar_size(layer: Layer) -> int | None:
        """Bytes of the layer's uncompressed tar, when known without reading it."""
        from .compression import MEDIA_TYPES, PLAIN
        return layer.blob_size if layer.media_type == MEDIA_TYPES[PLAIN] else None

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
        trash = self.layers_dir / _tmp_name()
        os.rename(layer.path, trash)
        shutil.rmtree(trash, ignore_errors=True)
        if not any(other.blob == layer.blob for other in self.all()):
            self.blob_path(layer.blob).unlink(missing_ok=True)
