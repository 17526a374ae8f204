"""Tar-split: keep a layer unpacked only, and still give back its exact tar bytes.

A layer's id is the sha256 of its tar, and `save` and `push` must send
exactly those bytes. Keeping the tar beside the unpacked files would write
every layer twice. Like Docker (its tar-split metadata), we keep instead,
while the layer is unpacked, every byte of the tar that is not the content
of a regular file (headers, PAX records, padding, the end blocks and what
follows them) and, for each regular file, its path in the layer and its
size. `RebuiltTar` reads that record and the unpacked files back into the
original stream, hashing as it goes: a layer changed on disk since it was
stored is refused with LayerAltered instead of being sent under a digest it
no longer has.

The record is a zlib stream of:

    R <u32 length> <bytes>               bytes of the tar taken as they are
    F <u64 size> <u16 length> <path>     the content of the file `path` (size bytes)
    E <u64 total size>                   the end

Only the caller decides which files may be referenced: a file whose content
does not stay in the tree as it was (a whiteout, an opaque marker) must be
left out of `files`, so its bytes are kept in the record.
"""
from __future__ import annotations

import hashlib
import os
import stat
import struct
import zlib
from pathlib import Path
from typing import BinaryIO, Sequence

from ..errors import EngineError

MAGIC = b"dockerlab-tar-split 1\n"
_RAW, _FILE, _END = b"R", b"F", b"E"
_U32, _U64, _FILE_HEAD = struct.Struct("<I"), struct.Struct("<Q"), struct.Struct("<QH")
_FLUSH = 1 << 20
_CHUNK = 1 << 20
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC

# (offset of the content in the tar, size, path in the layer), in stream order
FileExtent = tuple[int, int, str]


class LayerAltered(EngineError):
    """An unpacked layer no longer matches the tar it was stored from."""


class SplitWriter:
    """Records a tar stream as it flows by: bytes outside `files`, and file references.

    `files` may grow while the stream is fed (the header scanner appends a
    file's extent when it reads its header, before its content arrives).
    """

    def __init__(self, files: Sequence[FileExtent]):
        self.files = files
        self.next = 0                # index of the next extent in `files`
        self.pos = 0                 # offset of the next byte fed
        self.left = 0                # content bytes of the current file still to come
        self.raw = bytearray()
        self.out = bytearray(MAGIC)
        self.zip = zlib.compressobj(1)
        self.packed: list[bytes] = []

    def feed(self, data: bytes | memoryview) -> None:
        view, i, n = memoryview(data), 0, len(data)
        while i < n:
            if self.left:
                take = min(self.left, n - i)
                self.left -= take
                i += take
                continue
            start = self.files[self.next][0] if self.next < len(self.files) else -1
            here = self.pos + i
            if start < 0 or start > here:
                take = n - i if start < 0 else min(start - here, n - i)
                self.raw += view[i:i + take]
                i += take
                continue
            if start < here:
                raise ValueError("tar-split: file extents out of order")
            _, size, path = self.files[self.next]
            self.next += 1
            self._file(size, path)
        self.pos += n

    def _file(self, size: int, path: str) -> None:
        self._flush_raw()
        name = os.fsencode(path)
        self.out += _FILE + _FILE_HEAD.pack(size, len(name)) + name
        self.left = size

    def _flush_raw(self) -> None:
        if self.raw:
            self.out += _RAW + _U32.pack(len(self.raw)) + self.raw
            self.raw = bytearray()
        if len(self.out) >= _FLUSH:
            self.packed.append(self.zip.compress(self.out))
            self.out = bytearray()

    def finish(self, path: Path) -> int:
        """Write the record to `path`; returns the size of the tar."""
        if self.left or self.next != len(self.files):
            raise ValueError("tar-split: the stream ended inside a file")
        self._flush_raw()
        self.out += _END + _U64.pack(self.pos)
        self.packed += [self.zip.compress(self.out), self.zip.flush()]
        with open(path, "wb") as f:
            f.writelines(self.packed)
        return self.pos


def _records(data: memoryview):
    """(kind, size, payload) of each record of a decompressed tar-split."""
    if data[:len(MAGIC)] != MAGIC:
        raise ValueError("not a tar-split record")
    pos = len(MAGIC)
    while pos < len(data):
        kind = bytes(data[pos:pos + 1])
        pos += 1
        if kind == _RAW:
            (size,) = _U32.unpack_from(data, pos)
            pos += _U32.size
            yield kind, size, data[pos:pos + size]
            pos += size
        elif kind == _FILE:
            size, length = _FILE_HEAD.unpack_from(data, pos)
            pos += _FILE_HEAD.size
            yield kind, size, bytes(data[pos:pos + length])
            pos += length
        elif kind == _END:
            yield kind, _U64.unpack_from(data, pos)[0], b""
            return
        else:
            raise ValueError(f"tar-split: unknown record {kind!r}")
    raise ValueError("tar-split: record cut short")


class _Dirs:
    """Directory fds along the current path (tar order keeps neighbours together)."""

    def __init__(self, root: Path):
        self.names: list[bytes] = []
        self.fds = [os.open(root, _DIR_FLAGS)]

    def open_file(self, path: bytes) -> int:
        *dirs, name = path.split(b"/")
        keep = 0
        while keep < min(len(dirs), len(self.names)) and dirs[keep] == self.names[keep]:
            keep += 1
        while len(self.names) > keep:
            self.names.pop()
            os.close(self.fds.pop())
        for part in dirs[keep:]:            # never through a symlink: O_NOFOLLOW on each step
            self.fds.append(os.open(part, _DIR_FLAGS, dir_fd=self.fds[-1]))
            self.names.append(part)
        return os.open(name, _FILE_FLAGS, dir_fd=self.fds[-1])

    def close(self) -> None:
        for fd in self.fds:
            os.close(fd)
        self.fds, self.names = [], []


class RebuiltTar:
    """The layer's tar, read back from its tar-split record and unpacked files.

    A file-like object (`read`); the bytes are checked against `diff_id` as
    they are read, and LayerAltered is raised as soon as something differs
    (at the latest when the end is read, before the last bytes are returned).
    """

    def __init__(self, split: Path, diff_dir: Path, diff_id: str):
        self.diff_id = diff_id
        try:
            self.data = memoryview(zlib.decompress(split.read_bytes()))
            self.size = self._total()
        except (OSError, ValueError, zlib.error, struct.error) as e:
            raise self._altered(f"its tar-split record is unreadable ({e})") from None
        self.dir = diff_dir
        self.hasher = hashlib.sha256()
        self.pending: list[bytes | memoryview] = []
        self.chunks = self._chunks()

    def _total(self) -> int:
        for kind, size, _ in _records(self.data):
            if kind == _END:
                return size
        raise ValueError("no end record")

    def _altered(self, why: str) -> LayerAltered:
        return LayerAltered(f"layer {self.diff_id} was changed on disk after it was stored: "
                            f"{why}; its content no longer matches its digest. Remove the "
                            "images that use it and load or pull them again")

    def _chunks(self):
        """The tar's pieces, hashed; the last one only once the digest is checked."""
        held = None
        for chunk in self._pieces():
            if not chunk:
                continue
            self.hasher.update(chunk)
            if held is not None:
                yield held
            held = chunk
        if "sha256:" + self.hasher.hexdigest() != self.diff_id:
            raise self._altered("a file's content differs")
        if held is not None:
            yield held

    def _pieces(self):
        dirs = _Dirs(self.dir)
        try:
            total = 0
            for kind, size, payload in _records(self.data):
                if kind == _RAW:
                    total += size
                    yield payload
                elif kind == _FILE:
                    total += size
                    yield from self._file(dirs, payload, size)
                elif total != size:
                    raise self._altered("its tar-split record is inconsistent")
        except OSError as e:
            raise self._altered(f"{e.filename or ''} {e.strerror}".strip()) from None
        finally:
            dirs.close()

    def _file(self, dirs: _Dirs, path: bytes, size: int):
        shown = os.fsdecode(path)
        try:
            fd = dirs.open_file(path)
        except OSError as e:
            raise self._altered(f"{shown}: {e.strerror}") from None
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or st.st_size != size:
                raise self._altered(f"{shown} is not the {size}-byte file it was")
            left = size
            while left:
                data = os.read(fd, min(_CHUNK, left))
                if not data:
                    raise self._altered(f"{shown} is shorter than it was")
                left -= len(data)
                yield data
        finally:
            os.close(fd)

    def read(self, n: int = -1) -> bytes:
        """Up to `n` bytes (all the rest when n < 0); b"" at the end."""
        out: list[bytes | memoryview] = []
        got = 0
        while n < 0 or got < n:
            if not self.pending:
                chunk = next(self.chunks, None)
                if chunk is None:
                    break
                self.pending.append(chunk)
            chunk = self.pending.pop()
            take = len(chunk) if n < 0 else min(len(chunk), n - got)
            out.append(chunk[:take])
            if take < len(chunk):
                self.pending.append(chunk[take:])
            got += take
        return b"".join(out)

    def close(self) -> None:
        self.chunks.close()

    def __enter__(self) -> "RebuiltTar":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def rebuild_to(split: Path, diff_dir: Path, diff_id: str, out: BinaryIO) -> int:
    """Write the layer's tar to `out` (checked); returns its size."""
    with RebuiltTar(split, diff_dir, diff_id) as tar:
        size = 0
        while chunk := tar.read(_CHUNK):
            out.write(chunk)
            size += len(chunk)
        return size
