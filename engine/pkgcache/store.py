"""The cache's files: a mirror-shaped tree of what was fetched, written whole or not at all.

Files under `pool/` and `by-hash/` never change once published, so a stored
copy is served without asking the mirror. Index files (InRelease, Release,
Packages...) do change: the mirror is asked first and the stored copy is the
answer only when the mirror cannot be reached (offline lab).
"""
from __future__ import annotations

import os
import posixpath
import shutil
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from ..errors import EngineError, InvalidArgument, NotFound
from .config import CacheConfig

CHUNK = 1 << 16
UPSTREAM_TIMEOUT = 20


class Offline(EngineError):
    """The mirror cannot be reached and the cache has no copy."""

    status = 502


def clean_path(rel: str) -> str:
    """`dists/bookworm/InRelease` from a request path; refuses anything leaving the tree."""
    rel = rel.split("?", 1)[0].split("#", 1)[0]
    norm = posixpath.normpath("/" + rel).lstrip("/")
    if not norm or norm == "." or ".." in norm.split("/") or "\0" in norm:
        raise InvalidArgument(f"not a path in the Debian archive: {rel!r}")
    return norm


def immutable(rel: str) -> bool:
    return rel.startswith("pool/") or "/by-hash/" in rel


@dataclass
class Answer:
    """A file to send: its size and chunks; `source` says where it came from (for logs)."""

    size: int | None
    chunks: Iterator[bytes]
    source: str


class PackageStore:
    """Files of the Debian archive as the cache has them, and fetching the missing ones."""

    def __init__(self, config: CacheConfig):
        self.config = config
        self.root = Path(config.store_dir)

    def path(self, rel: str) -> Path:
        return self.root / clean_path(rel)

    def has(self, rel: str) -> bool:
        return self.path(rel).is_file()

    def get(self, rel: str) -> Answer:
        """The file `rel` of the archive: stored, or fetched from the mirror (and stored)."""
        rel = clean_path(rel)
        local = self.root / rel
        if immutable(rel) and local.is_file():
            return self._local(local)
        try:
            return self._fetch(rel)
        except NotFound:
            if local.is_file():               # put there by hand (an offline lab's own suite)
                return self._local(local)
            raise
        except (OSError, urllib.error.URLError) as err:
            if local.is_file():
                return self._local(local, "cache (mirror unreachable)")
            raise Offline(f"the Debian mirror {self.config.upstream} cannot be reached ({err}) "
                          f"and the cache has no copy of {rel}") from err

    def read_bytes(self, rel: str) -> bytes:
        """The whole file (for index files the cache reads itself)."""
        return b"".join(self.get(rel).chunks)

    def _local(self, path: Path, source: str = "cache") -> Answer:
        def chunks() -> Iterator[bytes]:
            with open(path, "rb") as f:
                while data := f.read(CHUNK):
                    yield data
        return Answer(path.stat().st_size, chunks(), source)

    def _fetch(self, rel: str) -> Answer:
        url = f"{self.config.upstream}/{urllib.parse.quote(rel)}"
        try:
            resp = urllib.request.urlopen(url, timeout=UPSTREAM_TIMEOUT)  # noqa: S310 (http mirror)
        except urllib.error.HTTPError as err:
            if err.code in (403, 404, 410):
                raise NotFound(f"{rel}: not in the Debian archive ({err.code})") from err
            raise
        length = resp.headers.get("Content-Length")
        size = int(length) if length else None
        return Answer(size, self._tee(resp, rel, size), "mirror")

    def _tee(self, resp, rel: str, length: int | None = None) -> Iterator[bytes]:
        """Pass the mirror's bytes on while writing them; the file appears only when whole.

        It is put in place before the last bytes are sent, so a client that
        got the whole file finds it in the store.
        """
        target = self.root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.part")
        done = 0
        try:
            with resp, open(tmp, "wb") as out:
                while data := resp.read(CHUNK):
                    out.write(data)
                    done += len(data)
                    if length is not None and done >= length:
                        break
                    yield data
                else:
                    data = b""
                out.close()
                os.replace(tmp, target)
            if data:
                yield data
        finally:
            tmp.unlink(missing_ok=True)

    def store_file(self, rel: str, src: Path) -> None:
        """Put a file into the cache by hand (seeding an offline cache, tests)."""
        target = self.path(rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target)
