"""The build context: the directory `docker build PATH` sends, minus .dockerignore'd files.

COPY and ADD find their sources here (with Go's glob syntax), and the
classic builder's cache key for them is a hash of the sources' content and
metadata, computed here too.
"""
from __future__ import annotations

import fnmatch
import hashlib
import os
import stat
from pathlib import Path

from ..errors import InvalidArgument
from .ignore import Matcher


class SourceNotFound(InvalidArgument):
    pass


class BuildContext:
    """The files of a context directory the builder may use ('/'-separated relative paths)."""

    def __init__(self, root: Path, dockerfile_rel: str | None = "Dockerfile"):
        self.root = Path(root).resolve()
        if not self.root.is_dir():
            raise InvalidArgument(f'unable to prepare context: path "{root}" not found')
        self.matcher = Matcher.for_context(self.root, dockerfile_rel)
        self.entries: dict[str, os.stat_result] = {}
        self._walk("", self.root)

    def _walk(self, prefix: str, folder: Path) -> None:
        with os.scandir(folder) as it:
            for entry in sorted(it, key=lambda e: e.name):
                rel = prefix + entry.name
                st = entry.stat(follow_symlinks=False)
                if stat.S_ISDIR(st.st_mode):
                    self._walk(rel + "/", Path(entry.path))
                    if not self.matcher.excluded(rel) or any(k.startswith(rel + "/") for k in self.entries):
                        self.entries[rel] = st
                elif not self.matcher.excluded(rel):
                    self.entries[rel] = st

    def size(self) -> int:
        """Bytes of the context as a tar (what "Sending build context" reports)."""
        total = 1024
        for st in self.entries.values():
            total += 512 + (-(-st.st_size // 512) * 512 if stat.S_ISREG(st.st_mode) else 0)
        return total

    def path(self, rel: str) -> Path:
        return self.root / rel if rel else self.root

    def is_dir(self, rel: str) -> bool:
        return rel == "" or (rel in self.entries and stat.S_ISDIR(self.entries[rel].st_mode))

    def under(self, rel: str) -> list[str]:
        """Entries below directory `rel` (not itself), sorted."""
        prefix = rel + "/" if rel else ""
        return sorted(k for k in self.entries if k.startswith(prefix) and k != rel)

    def resolve(self, source: str, instruction: str = "COPY") -> list[str]:
        """Context paths a COPY/ADD source names (a path or a glob); raises SourceNotFound."""
        clean = os.path.normpath("/" + source).lstrip("/")
        if clean in ("", "."):
            return [""]
        if any(ch in clean for ch in "*?["):
            matches = [k for k in self.entries if fnmatch.fnmatchcase(k, clean)
                       and k.count("/") == clean.count("/")]
            if matches:
                return sorted(matches)
            raise SourceNotFound(f"{instruction} failed: no source files were specified")
        if clean in self.entries:
            return [clean]
        raise SourceNotFound(f"{instruction} failed: file not found in build context or excluded "
                             f"by .dockerignore: stat {clean}: file does not exist")

    def checksum(self, rels: list[str]) -> str:
        """`file:<hex>`, `dir:<hex>` or `multi:<hex>` as the classic builder's history shows."""
        outer = hashlib.sha256()
        for rel in rels:
            for sub in ([rel] if not self.is_dir(rel) else [rel, *self.under(rel)]):
                outer.update(self._entry_hash(sub).encode())
        kind = "multi" if len(rels) > 1 else ("dir" if self.is_dir(rels[0]) else "file")
        return f"{kind}:{outer.hexdigest()}"

    def _entry_hash(self, rel: str) -> str:
        st = self.entries.get(rel) or os.lstat(self.path(rel))
        h = hashlib.sha256(f"{rel}\0{stat.S_IMODE(st.st_mode)}\0{st.st_mode >> 12}\0"
                           f"{st.st_uid}\0{st.st_gid}\0".encode())
        p = self.path(rel)
        if stat.S_ISREG(st.st_mode):
            with open(p, "rb") as f:
                while chunk := f.read(1 << 20):
                    h.update(chunk)
        elif stat.S_ISLNK(st.st_mode):
            h.update(os.readlink(p).encode())
        return h.hexdigest()
