"""Recognise and undo the compression of a layer blob.

Layers arrive as plain tars, gzip (the classic), zstd (newer BuildKit
exports), and now and then bzip2 or xz (old `docker import` tarballs). The
compression is read from the first bytes, like Docker does, never from a file
name. zstd has no decompressor in Python's standard library before 3.14, so we
use whichever is installed: `compression.zstd`, the `zstandard` module, or the
`zstd` program; with none of them the error says what to install.
"""
from __future__ import annotations

import bz2
import contextlib
import gzip
import lzma
import shutil
import subprocess
from pathlib import Path
from typing import BinaryIO, Iterator

from ..errors import InvalidArgument

PLAIN, GZIP, ZSTD, BZIP2, XZ = "none", "gzip", "zstd", "bzip2", "xz"

_MAGIC = (
    (b"\x1f\x8b", GZIP),
    (b"\x28\xb5\x2f\xfd", ZSTD),
    (b"BZh", BZIP2),
    (b"\xfd7zXZ\x00", XZ),
)

MEDIA_TYPES = {
    PLAIN: "application/vnd.oci.image.layer.v1.tar",
    GZIP: "application/vnd.oci.image.layer.v1.tar+gzip",
    ZSTD: "application/vnd.oci.image.layer.v1.tar+zstd",
    # OCI has no media type for these two (Docker converts them on import): these
    # descriptive ones tell `save` the blob must be decompressed before export
    BZIP2: "application/vnd.oci.image.layer.v1.tar+bzip2",
    XZ: "application/vnd.oci.image.layer.v1.tar+xz",
}


class NoDecompressor(InvalidArgument):
    """The blob is compressed with an algorithm nothing on this machine can read."""


def detect(head: bytes) -> str:
    """Name of the compression whose magic number starts `head` (PLAIN if none)."""
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    return PLAIN


def detect_file(path: Path) -> str:
    with open(path, "rb") as f:
        return detect(f.read(8))


def _zstd_module():
    """An importable zstd decompressor module, or None."""
    try:
        from compression import zstd  # type: ignore[import-not-found]  # Python >= 3.14
        return zstd
    except ImportError:
        pass
    try:
        import zstandard  # type: ignore[import-not-found]
        return zstandard
    except ImportError:
        return None


def zstd_available() -> bool:
    return _zstd_module() is not None or shutil.which("zstd") is not None


@contextlib.contextmanager
def _zstd_stream(path: Path) -> Iterator[BinaryIO]:
    module = _zstd_module()
    if module is not None and hasattr(module, "ZstdFile"):       # compression.zstd
        with module.ZstdFile(path, "rb") as f:
            yield f
        return
    if module is not None:                                          # zstandard
        with open(path, "rb") as raw, module.ZstdDecompressor().stream_reader(raw) as f:
            yield f
        return
    program = shutil.which("zstd")
    if program is None:
        raise NoDecompressor(
            "this layer is compressed with zstd and no zstd decompressor is installed: "
            "run `apt-get install zstd` (or `pip install zstandard`) and try again")
    proc = subprocess.Popen([program, "-d", "-c", "-q", str(path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    finished = False
    try:
        yield proc.stdout
        finished = True
    finally:
        if not finished:            # the reader gave up: do not wait for the rest
            proc.kill()
        proc.stdout.close()
        err = proc.stderr.read().decode(errors="replace").strip()
        proc.stderr.close()
        code = proc.wait()
    if code != 0:
        reason = err or f"exit status {code}"
        raise InvalidArgument(f"zstd could not decompress the layer: {reason}")


@contextlib.contextmanager
def open_decompressed(path: Path) -> Iterator[tuple[BinaryIO, str]]:
    """Open the blob at `path`, yielding (uncompressed stream, compression name)."""
    kind = detect_file(path)
    if kind == ZSTD:
        with _zstd_stream(path) as f:
            yield f, kind
        return
    opener = {GZIP: gzip.open, BZIP2: bz2.open, XZ: lzma.open}.get(kind, open)
    with opener(path, "rb") as f:
        yield f, kind
