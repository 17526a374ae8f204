"""Byte streams for layers: a deterministic tar writer and a hashing reader.

A layer's identity is the sha256 of its uncompressed tar (its "diff id"), so
the same files must always give the same bytes: entries in a fixed order,
numeric owners only, whole-second mtimes, no access/change times, and the
archive closed like Go's archive/tar does (two zero blocks, no padding to a
10 KiB record), which also makes an empty layer hash to the well-known
sha256:5f70bf18...c3c6ef Docker uses.
"""
from __future__ import annotations

import hashlib
import io
import tarfile
from typing import BinaryIO

BLOCK = tarfile.BLOCKSIZE
CHUNK = 1 << 20


class TarWriter:
    """Writes tar entries one by one to a binary stream, deterministically."""

    def __init__(self, out: BinaryIO):
        self.out = out
        self.closed = False

    def add(self, info: tarfile.TarInfo, data: BinaryIO | None = None) -> None:
        """Write one entry; `data` supplies `info.size` bytes for regular files."""
        info.uname = info.gname = ""
        info.mtime = int(info.mtime)
        self.out.write(info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape"))
        if info.isreg() and info.size:
            self._copy(data, info.size)
            pad = -info.size % BLOCK
            if pad:
                self.out.write(b"\0" * pad)

    def add_bytes(self, info: tarfile.TarInfo, payload: bytes) -> None:
        info.size = len(payload)
        self.add(info, io.BytesIO(payload))

    def _copy(self, data: BinaryIO | None, size: int) -> None:
        if data is None:
            raise ValueError("a regular file entry needs its data")
        left = size
        while left:
            chunk = data.read(min(CHUNK, left))
            if not chunk:
                raise OSError(f"file shrank while being archived ({left} bytes missing)")
            self.out.write(chunk)
            left -= len(chunk)

    def close(self) -> None:
        if not self.closed:
            self.out.write(b"\0" * (2 * BLOCK))
            self.closed = True


class HashingReader(io.RawIOBase):
    """Passes reads through and hashes every byte read (sha256)."""

    def __init__(self, raw: BinaryIO):
        self.raw = raw
        self.hasher = hashlib.sha256()
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:
        data = self.raw.read(len(buf))
        n = len(data)
        buf[:n] = data
        self.hasher.update(data)
        self.count += n
        return n

    def drain(self) -> None:
        """Read (and hash) what is left, e.g. the padding after the tar's end."""
        while self.raw_read(CHUNK):
            pass

    def raw_read(self, n: int) -> bytes:
        data = self.raw.read(n)
        self.hasher.update(data)
        self.count += len(data)
        return data

    def digest(self) -> str:
        return "sha256:" + self.hasher.hexdigest()


def empty_layer_tar() -> bytes:
    """The bytes of a layer with no change (what an empty diff produces)."""
    out = io.BytesIO()
    TarWriter(out).close()
    return out.getvalue()
