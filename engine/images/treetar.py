"""A small file tree described in memory, written out as a deterministic layer tar.

Recipes for offline base images describe their files here (a binary copied
from the host, a few /etc files, applet symlinks) and get the same tar bytes,
hence the same layer digest, every time they run on the same host.
"""
from __future__ import annotations

import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .tarstream import TarWriter


@dataclass(frozen=True)
class _Entry:
    kind: bytes
    mode: int
    data: bytes | Path | None = None
    target: str = ""
    uid: int = 0
    gid: int = 0


class TreeTar:
    """Files, directories and symlinks to put in one layer, all with one mtime."""

    def __init__(self, mtime: int):
        self.mtime = int(mtime)
        self.entries: dict[str, _Entry] = {}

    def _parents(self, path: str) -> None:
        parts = path.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            self.entries.setdefault("/".join(parts[:i]), _Entry(tarfile.DIRTYPE, 0o755))

    def dir(self, path: str, mode: int = 0o755, uid: int = 0, gid: int = 0) -> None:
        path = path.strip("/")
        self._parents(path)
        self.entries[path] = _Entry(tarfile.DIRTYPE, mode, uid=uid, gid=gid)

    def file(self, path: str, data: bytes | str | Path, mode: int = 0o644) -> None:
        """A regular file; `data` is its content, or a host file to copy."""
        path = path.strip("/")
        self._parents(path)
        content = data.encode() if isinstance(data, str) else data
        self.entries[path] = _Entry(tarfile.REGTYPE, mode, data=content)

    def symlink(self, path: str, target: str) -> None:
        path = path.strip("/")
        self._parents(path)
        self.entries[path] = _Entry(tarfile.SYMTYPE, 0o777, target=target)

    def write(self, out: BinaryIO) -> None:
        """Write the tree as a tar to `out`, parents before children, sorted."""
        tar = TarWriter(out)
        for path in sorted(self.entries):
            entry = self.entries[path]
            info = tarfile.TarInfo(path)
            info.type, info.mode, info.mtime = entry.kind, entry.mode, self.mtime
            info.uid, info.gid = entry.uid, entry.gid
            info.linkname = entry.target
            if isinstance(entry.data, Path):
                info.size = entry.data.stat().st_size
                with open(entry.data, "rb") as f:
                    tar.add(info, f)
            elif entry.data is not None:
                tar.add_bytes(info, entry.data)
            else:
                tar.add(info)
        tar.close()
