"""Reading an image archive (`docker save` output) without unpacking it to disk.

The archive is opened with random access (a stream that cannot seek, such as
stdin, or a compressed archive is first spooled, decompressed, into a private
temporary file of the store). Members are looked up by name; symbolic links
inside the archive (old `docker save` shared `layer.tar` files that way) are
followed by hand and must stay inside it. A name that is absolute or climbs
with `..` makes the whole archive refused before anything is stored.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import posixpath
import shutil
import stat
import tarfile
from pathlib import Path
from typing import BinaryIO, Iterator

from ..errors import InvalidArgument
from . import compression

MAX_JSON = 32 << 20          # manifest.json, index.json, configs: never larger than this
MAX_LINK_HOPS = 40
_CHUNK = 1 << 20


class ArchiveError(InvalidArgument):
    """The image archive is damaged, incomplete or hostile."""


def _escapes(name: str) -> bool:
    if name.startswith("/"):
        return True
    depth = 0
    for part in name.split("/"):
        if part == "..":
            depth -= 1
            if depth < 0:
                return True
        elif part not in ("", "."):
            depth += 1
    return False


def clean_name(name: str) -> str:
    """`./blobs//sha256/x` -> `blobs/sha256/x`; refuses names leaving the archive."""
    if _escapes(name):
        raise ArchiveError(f"invalid archive entry {json.dumps(name)}: it points outside "
                           "of the archive (absolute path or '..'); nothing was loaded")
    cleaned = posixpath.normpath(name)
    return "" if cleaned == "." else cleaned


class Archive:
    """An image archive opened for random access: members by name."""

    def __init__(self, tar: tarfile.TarFile):
        self.tar = tar
        self.members: dict[str, tarfile.TarInfo] = {}
        try:
            for member in tar.getmembers():
                self.members[clean_name(member.name)] = member
        except (tarfile.TarError, EOFError, OSError) as e:
            raise ArchiveError(f"invalid image archive: {e}") from None
        for name, member in self.members.items():
            if member.issym() or member.islnk():
                self._check_link(name, member)
            elif not (member.isreg() or member.isdir()):
                raise ArchiveError(f"invalid archive entry {json.dumps(member.name)}: "
                                   "an image archive holds only files, directories and links")

    def _check_link(self, name: str, member: tarfile.TarInfo) -> None:
        target = member.linkname
        if member.issym():
            target = posixpath.join(posixpath.dirname(name), target)
        if _escapes(target):
            raise ArchiveError(f"invalid archive entry {json.dumps(member.name)}: its link "
                               f"target {json.dumps(member.linkname)} is outside of the "
                               "archive; nothing was loaded")

    def has(self, name: str) -> bool:
        try:
            self.resolve(name)
            return True
        except ArchiveError:
            return False

    def resolve(self, name: str) -> tarfile.TarInfo:
        """The regular file member `name` names, following links inside the archive."""
        path = clean_name(name)
        for _ in range(MAX_LINK_HOPS):
            member = self.members.get(path)
            if member is None:
                raise ArchiveError(f"invalid image archive: {json.dumps(name)} is missing")
            if member.isreg():
                return member
            if member.islnk():
                path = clean_name(member.linkname)
            elif member.issym():
                path = clean_name(posixpath.join(posixpath.dirname(path), member.linkname))
            else:
                raise ArchiveError(f"invalid image archive: {json.dumps(name)} is not a file")
        raise ArchiveError(f"invalid image archive: too many links for {json.dumps(name)}")

    def open(self, name: str) -> BinaryIO:
        member = self.resolve(name)
        fd = _fileno(self.tar.fileobj)
        if fd is not None and member.sparse is None:
            return _MemberReader(fd, member.offset_data, member.size)  # type: ignore[return-value]
        f = self.tar.extractfile(member)
        if f is None:
            raise ArchiveError(f"invalid image archive: cannot read {json.dumps(name)}")
        return f  # type: ignore[return-value]

    def read_bytes(self, name: str, limit: int = MAX_JSON) -> bytes:
        member = self.resolve(name)
        if member.size > limit:
            raise ArchiveError(f"invalid image archive: {json.dumps(name)} is too large")
        with self.open(name) as f:
            return f.read()

    def read_json(self, name: str):
        try:
            return json.loads(self.read_bytes(name))
        except ValueError as e:
            raise ArchiveError(f"invalid image archive: {name}: {e}") from None


def _fileno(stream) -> int | None:
    try:
        fd = stream.fileno()
        return fd if stat.S_ISREG(os.fstat(fd).st_mode) else None
    except (AttributeError, OSError, ValueError):
        return None


class _MemberReader(io.RawIOBase):
    """A member of an archive file, read with pread straight into the caller's buffer.

    tarfile's reader copies every byte once more through its own buffer:
    for a layer of hundreds of MB that copy is a visible part of `load`.
    """

    def __init__(self, fd: int, start: int, size: int):
        self.fd, self.start, self.size, self.pos = fd, start, size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self.pos, os.SEEK_END: self.size}[whence]
        self.pos = max(0, base + offset)
        return self.pos

    def readinto(self, buf) -> int:
        view = memoryview(buf).cast("B")
        want = max(0, min(len(view), self.size - self.pos))
        got = os.preadv(self.fd, [view[:want]], self.start + self.pos) if want else 0
        if want and not got:
            raise ArchiveError("invalid image archive: a member is cut short")
        self.pos += got
        return got


def _seekable_file(stream: BinaryIO) -> bool:
    try:
        if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
            return False
        stream.seek(0, os.SEEK_CUR)
        return True
    except (OSError, AttributeError, ValueError):
        return hasattr(stream, "seekable") and stream.seekable()


def _spool(stream: BinaryIO, path: Path) -> None:
    with open(path, "wb") as out:
        shutil.copyfileobj(stream, out, _CHUNK)


@contextlib.contextmanager
def open_archive(stream: BinaryIO, tmp_dir: Path) -> Iterator[Archive]:
    """An Archive over `stream` (plain or compressed tar, seekable or not)."""
    tmp_dir.mkdir(parents=True, exist_ok=True)
    temps: list[Path] = []

    def temp() -> Path:
        path = tmp_dir / f".tmp-{os.getpid()}-{os.urandom(16).hex()}"
        temps.append(path)
        return path

    try:
        if _seekable_file(stream):
            start = stream.tell()
            kind = compression.detect(stream.read(8))
            stream.seek(start)
            source = stream
        else:
            raw = temp()
            _spool(stream, raw)
            kind = compression.detect_file(raw)
            source = open(raw, "rb")
        if kind != compression.PLAIN:
            plain = temp()
            packed = source if source is not stream else None
            if packed is None:
                packed_path = temp()
                _spool(stream, packed_path)
            else:
                packed_path = Path(packed.name)
                packed.close()
            with compression.open_decompressed(packed_path) as (f, _):
                _spool(f, plain)
            source = open(plain, "rb")
        try:
            tar = tarfile.open(fileobj=source, mode="r:")
        except tarfile.TarError as e:
            raise ArchiveError(f"invalid image archive: {e}") from None
        with tar:
            yield Archive(tar)
        if source is not stream:
            source.close()
    finally:
        for path in temps:
            path.unlink(missing_ok=True)
