"""dockerd's archive endpoints on a container: stat, get and put a path (HEAD/GET/PUT .../archive).

The real `docker cp` and docker-py speak these; the work is done by
containerfs's helper, chrooted into the container's root (running or
stopped), so paths and symlinks resolve inside it as dockerd resolves them
in its view of the container. The rules are dockerd's, not the CLI's cp
(which does its own placement on the client side):

- stat: lstat of the path, mode as Go's os.FileMode, `linkTarget` the
  symlink followed to the end inside the root;
- get: a tar of the path named by its base name (`dir/.` gives `./...`);
- put: the path (symlinks followed) must be a directory; entries keep the
  archive's numeric owners, or all become the container's user with
  copyUIDGID; an existing entry is replaced unless both are directories
  (with noOverwriteDirNonDir, replacing a directory by a non-directory or the
  reverse is an error). A read-only rootfs or volume refuses it.
"""
from __future__ import annotations

import bz2
import json
import lzma
import os
import posixpath
import shutil
import stat
import tarfile
import zlib
from datetime import datetime, timezone
from typing import BinaryIO, Callable

from . import events
from .containerfs import extract_tar, run_inside, runtime_only, write_tar
from .errors import EngineError, InvalidArgument, NotFound
from .runtime.process import ExecError, resolve_user

_CHUNK = 1 << 16

# Go's os.FileMode bits for a Unix file type (os.fillFileStatFromSys).
_GO_TYPE = {stat.S_IFDIR: 1 << 31, stat.S_IFLNK: 1 << 27, stat.S_IFBLK: 1 << 26,
            stat.S_IFCHR: 1 << 26 | 1 << 21, stat.S_IFIFO: 1 << 25, stat.S_IFSOCK: 1 << 24}
_GO_SETUID, _GO_SETGID, _GO_STICKY = 1 << 23, 1 << 22, 1 << 20


def go_file_mode(st_mode: int) -> int:
    """A Unix st_mode as Go's os.FileMode: the docker client tests its bits (IsDir, ModeSymlink)."""
    mode = (st_mode & 0o777) | _GO_TYPE.get(stat.S_IFMT(st_mode), 0)
    if st_mode & stat.S_ISUID:
        mode |= _GO_SETUID
    if st_mode & stat.S_ISGID:
        mode |= _GO_SETGID
    if st_mode & stat.S_ISVTX:
        mode |= _GO_STICKY
    return mode


def go_time(ns: int) -> str:
    """RFC 3339 with nanoseconds, trailing zeros cut: Go's time.Time in JSON (UTC here)."""
    sec, frac = divmod(ns, 1_000_000_000)
    text = datetime.fromtimestamp(sec, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    digits = f"{frac:09d}".rstrip("0")
    return text + (f".{digits}" if digits else "") + "Z"


def container_path(path: str) -> str:
    """Go's PreserveTrailingDotOrSeparator(filepath.Join("/", path), path): `dir/.` and `dir/` kept."""
    clean = posixpath.normpath("/" + path.lstrip("/"))     # never POSIX's special "//"
    if _go_base(clean) != "." and _go_base(path) == ".":
        clean = clean.rstrip("/") + "/."
    if path.endswith("/") and not clean.endswith("/"):
        clean += "/"
    return clean


def _go_base(path: str) -> str:
    """Go's filepath.Base: trailing slashes dropped, "/" for the root."""
    stripped = path.rstrip("/")
    return posixpath.basename(stripped) if stripped else "/"


def _file_missing(path: str, ref: str) -> NotFound:
    return NotFound(f"Could not find the file {path} in container {ref}")


def _lstat(path: str, asked: str, ref: str) -> dict:
    """In the helper: the raw stat of `path` (times and modes converted by the caller)."""
    try:
        if runtime_only(posixpath.normpath(path)):
            raise FileNotFoundError(path)
        st = os.lstat(path)
    except FileNotFoundError:
        raise _file_missing(asked, ref) from None
    except OSError as e:
        raise EngineError(f"lstat {path}: {(e.strerror or str(e)).lower()}") from None
    target = os.path.realpath(path) if stat.S_ISLNK(st.st_mode) else ""
    return {"name": _go_base(path), "size": st.st_size, "st_mode": st.st_mode,
            "mtime_ns": st.st_mtime_ns, "linkTarget": target}


def _path_stat(raw: dict) -> dict:
    """dockerd's ContainerPathStat, in its JSON field order."""
    return {"name": raw["name"], "size": raw["size"], "mode": go_file_mode(raw["st_mode"]),
            "mtime": go_time(raw["mtime_ns"]), "linkTarget": raw["linkTarget"]}


def stat_path(engine, ref: str, path: str) -> dict:
    """HEAD /containers/{id}/archive: the path's stat (404 when it is missing)."""
    where = container_path(path)
    return _path_stat(run_inside(engine, ref, lambda _fd: _lstat(where, path, ref), writable=False,
                                 drain=_discard))


def _discard(fd: int) -> None:
    while os.read(fd, _CHUNK):
        pass


def archive_path(engine, ref: str, path: str, begin: Callable[[dict], None],
                 write: Callable[[bytes], None]) -> None:
    """GET /containers/{id}/archive: `begin(stat)` once the path is found, then the tar to `write`.

    The helper sends the stat as a first line on the data pipe, so a missing
    path raises NotFound before anything is answered.
    """
    where = container_path(path)

    def job(fd: int) -> dict:
        raw = _lstat(where, path, ref)
        _write_all(fd, json_line(raw))
        name = _go_base(where)
        write_tar(fd, where, name, absolute=name == "/")
        return {}

    def drain(fd: int) -> None:
        with os.fdopen(os.dup(fd), "rb") as data:
            head = data.readline()
            if not head:
                return
            begin(_path_stat(json.loads(head)))
            while chunk := data.read1(_CHUNK):
                write(chunk)

    record = engine.record(ref)
    run_inside(engine, ref, job, writable=False, drain=drain)
    events.container(engine.settings, record["Id"], "archive-path")


def json_line(obj: dict) -> bytes:
    return json.dumps(obj).encode() + b"\n"


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


# ---------------------------------------------------------------------------
# PUT: extract into a directory
# ---------------------------------------------------------------------------

def _decompressor(head: bytes):
    """What dockerd's DecompressStream accepts besides a plain tar: gzip, bzip2, xz."""
    if head.startswith(b"\x1f\x8b"):
        return zlib.decompressobj(wbits=47)
    if head.startswith(b"BZh"):
        return bz2.BZ2Decompressor()
    if head.startswith(b"\xfd7zXZ\x00"):
        return lzma.LZMADecompressor()
    return None


def plain_tar_feeder(body: BinaryIO) -> Callable[[int], None]:
    """Copy the request body into the helper's pipe, decompressed here.

    Decompression stays in the daemon, outside the container's root: the
    helper never runs code the image could have planted.
    """
    def feed(fd: int) -> None:
        with os.fdopen(os.dup(fd), "wb") as out:
            head = body.read(_CHUNK)
            inflate = _decompressor(head)
            chunk = head
            while chunk:
                out.write(inflate.decompress(chunk) if inflate else chunk)
                chunk = body.read(_CHUNK)
    return feed


def _writable_check(record: dict, real: str) -> None:
    """dockerd's checkWritablePath: the innermost mount holding `real` decides, else the rootfs."""
    best = None
    for m in record.get("Mounts") or []:
        dest = m["Destination"].rstrip("/") or "/"
        if (real == dest or real.startswith(dest.rstrip("/") + "/")) and \
                (best is None or len(dest) > len(best["Destination"].rstrip("/"))):
            best = m
    if best is not None:
        if not best.get("RW", True):
            raise InvalidArgument("mounted volume is marked read-only")
        return
    if (record.get("HostConfig") or {}).get("ReadonlyRootfs"):
        raise InvalidArgument("container rootfs is marked read-only")


def _replacer(no_overwrite: bool, dest: str) -> Callable[[tarfile.TarInfo, str], None]:
    """Go archive's Untar rule for what exists at an entry's path."""
    def prepare(member: tarfile.TarInfo, path: str) -> None:
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return
        is_dir = stat.S_ISDIR(st.st_mode)
        if no_overwrite and is_dir and not member.isdir():
            raise EngineError(f'cannot overwrite directory "{path}" with non-directory "{dest}"')
        if no_overwrite and not is_dir and member.isdir():
            raise EngineError(f'cannot overwrite non-directory "{path}" with directory "{dest}"')
        if is_dir and member.isdir():
            return                   # merged: only the entry's metadata is applied
        if is_dir:
            shutil.rmtree(path)
        else:
            os.unlink(path)          # else tarfile writes through a symlink left there, or fails
    return prepare


def extract_to_dir(engine, ref: str, path: str, feed: Callable[[int], None],
                   copy_uidgid: bool = False, no_overwrite: bool = False) -> None:
    """PUT /containers/{id}/archive: extract the tar that `feed(fd)` writes into directory `path`."""
    record = engine.record(ref)
    user = (record.get("Config") or {}).get("User") or ""

    def job(fd: int) -> dict:
        try:
            real = os.path.realpath(posixpath.normpath("/" + path.lstrip("/")), strict=True)
        except FileNotFoundError:
            raise _file_missing(path, ref) from None
        except OSError as e:
            raise EngineError(f"lstat {path}: {(e.strerror or str(e)).lower()}") from None
        if not os.path.isdir(real):
            raise InvalidArgument("extraction point is not a directory")
        _writable_check(record, real)
        owner = None
        if copy_uidgid and user:
            try:
                found = resolve_user(user)
            except ExecError as e:
                raise EngineError(str(e)) from None
            owner = (found.uid, found.gid)
        extract_tar(fd, real, keep_owner=True, owner=owner, prepare=_replacer(no_overwrite, real))
        return {}

    run_inside(engine, ref, job, writable=True, feed=feed)
    events.container(engine.settings, record["Id"], "extract-to-dir")
