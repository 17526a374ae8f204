"""What the image tests share: a private store, and tars made by Python's tarfile
(as a foreign tool would make them, not by our writer)."""
from __future__ import annotations

import io
import shutil
import tarfile
import tempfile
from pathlib import Path

import pytest

from dockerlab.engine.images.store import ImageStore
from dockerlab.engine.reset import mounts_under, unmount_all
from dockerlab.engine.settings import Settings

MTIME = 1_600_000_000


def entry(name: str, kind: bytes = tarfile.REGTYPE, data: bytes = b"", mode: int = 0o644,
          linkname: str = "", uid: int = 0, gid: int = 0, mtime: int = MTIME,
          xattrs: dict[str, bytes] | None = None, dev: tuple[int, int] = (0, 0)):
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.linkname = kind, mode, linkname
    info.uid, info.gid, info.mtime = uid, gid, mtime
    info.devmajor, info.devminor = dev
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    for key, value in (xattrs or {}).items():
        info.pax_headers["SCHILY.xattr." + key] = value.decode("utf-8", "surrogateescape")
    return info, data


def tar_bytes(*entries) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in entries:
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return out.getvalue()


@pytest.fixture
def base() -> Path:
    """A private directory holding the state root, outside dirs and mounts."""
    path = Path(tempfile.mkdtemp(prefix="dlt-images-"))
    try:
        yield path
    finally:
        unmount_all(path)
        assert not mounts_under(path)
        shutil.rmtree(path)


@pytest.fixture
def store(base: Path) -> ImageStore:
    return ImageStore(Settings.load(base / "state"))
