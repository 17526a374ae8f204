"""A container's files from the host: `docker cp` (both ways) and `docker diff`.

cp works inside a forked helper that chroots into the container's root, so
`..` and absolute symlinks resolve inside the container and never reach the
host. A running container's root is /proc/<pid>/root (its own mounts,
volumes included; what lies under /proc, /sys, /dev and tmpfs mounts is
left out, as dockerd's view of a container has none of it); a stopped
one's overlay, with its volumes and binds, is mounted in a private mount
namespace that vanishes with the helper (read-only unless files go in).
Tar streams pass over a pipe; the helper reports its outcome as one JSON line.

diff reads the writable layer (upper dir) directly: whiteouts (char device
0/0) are deletions, `trusted.overlay.opaque` marks a directory replaced.
"""
from __future__ import annotations

import json
import os
import re
import stat
import tarfile
import tempfile
import threading
from pathlib import Path, PurePosixPath
from typing import Callable

from . import tarcompat
from .errors import Conflict, EngineError, InvalidArgument, NotFound
from .lifecycle import current_state
from .overlaymarks import is_opaque, is_whiteout

# Files the runtime makes in every container (Docker keeps them in its
# "-init" layer, below the container's own): not changes made by the user.
INIT_PATHS = frozenset({"/.dockerenv", "/dev", "/dev/console", "/dev/pts", "/dev/shm",
                        "/etc/hostname", "/etc/hosts", "/etc/resolv.conf", "/etc/mtab",
                        "/proc", "/sys", "/sbin/docker-init"})


class CopyError(EngineError):
    """A cp failure the docker client reports itself (no "Error response from daemon")."""


# ---------------------------------------------------------------------------
# Running code inside the container's root
# ---------------------------------------------------------------------------

def _lowers(record: dict) -> list[str]:
    return [p for p in record["GraphDriver"]["Data"]["LowerDir"].split(":") if p]


def _mount_dir(engine, pid: int) -> Path:
    """Where a helper mounts a stopped container (private to its namespace, removed after)."""
    return Path(engine.settings.run_dir) / f"cp-{pid}"


def _enter_root(engine, record: dict, writable: bool) -> None:
    """In the helper: chroot into the container's filesystem (mounting it if stopped)."""
    from .runtime import libc
    global _RUNTIME_MOUNTS
    # No user/group name lookups past the chroot: NSS would read (and could load
    # libraries from) the container's files. Entries carry numeric owners, as dockerd's.
    tarfile.pwd = tarfile.grp = None
    state = current_state(engine, record["Id"])
    if state["Running"] and state.get("Pid"):
        root = f"/proc/{state['Pid']}/root"
        _RUNTIME_MOUNTS = _runtime_mounts(state["Pid"], record)
    else:
        data = record["GraphDriver"]["Data"]
        libc.unshare(libc.CLONE_NEWNS)
        libc.mount(None, "/", None, libc.MS_REC | libc.MS_PRIVATE)
        root = str(_mount_dir(engine, os.getpid()))
        os.makedirs(root, exist_ok=True)
        lowers = ":".join(_lowers(record))
        if writable:
            opts = f"lowerdir={lowers},upperdir={data['UpperDir']},workdir={data['WorkDir']}"
        else:
            opts = f"lowerdir={data['UpperDir']}:{lowers}"
        libc.mount("overlay", root, "overlay", 0 if writable else libc.MS_RDONLY, opts)
        _mount_volumes(engine, record, root)
    os.chroot(root)
    os.chdir("/")


# Set in a helper entering a running container: its mount points that dockerd's
# view of a container does not have (proc, sysfs, /dev, tmpfs...).
_RUNTIME_MOUNTS: frozenset[str] = frozenset()
_SHARED_FILES = ("/etc/hostname", "/etc/hosts", "/etc/resolv.conf")


def _runtime_mounts(pid: int, record: dict) -> frozenset[str]:
    """Mount points of the running container other than its root, volumes, binds and /etc files."""
    keep = {"/", *_SHARED_FILES}
    keep |= {os.path.normpath(m["Destination"]) for m in record.get("Mounts") or []
             if m.get("Type") in ("bind", "volume")}
    found = set()
    with open(f"/proc/{pid}/mountinfo") as info:
        for line in info:
            fields = line.split()
            point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), fields[4])
            if point not in keep:
                found.add(point)
    return frozenset(found)


def runtime_only(path: str) -> bool:
    """True under /proc, /sys, /dev... of a running container: dockerd's view has them empty."""
    return any(path.startswith(m.rstrip("/") + "/") for m in _RUNTIME_MOUNTS)


def _mount_volumes(engine, record: dict, root: str) -> None:
    """A stopped container's volumes, binds and /etc files, where it will see them.

    dockerd's view of a stopped container has them too: a file copied into
    a volume's path must land in the volume, not under it in the writable
    layer. A tmpfs is a fresh private one, as in dockerd's view. On the
    read-only view a mount point missing from the image is left out.
    """
    from .runtime import rootfs
    from .runtime.spec import MountSpec
    mounts = sorted(record.get("Mounts") or [], key=lambda m: m["Destination"].rstrip("/").count("/"))
    for m in mounts:
        spec = MountSpec("tmpfs", "tmpfs", m["Destination"], False) if m["Type"] == "tmpfs" else \
            MountSpec(m["Type"], m["Source"], m["Destination"], not m.get("RW", True))
        try:
            rootfs.mount_user(Path(root), spec)
        except OSError:
            continue
    try:
        rootfs.mount_etc_files(Path(root), engine.containers.path(record["Id"]))
    except OSError:
        pass


def run_inside(engine, ref: str, job: Callable[[int], dict], writable: bool,
               feed: Callable[[int], None] | None = None,
               drain: Callable[[int], None] | None = None) -> dict:
    """Fork a helper that enters the container's root and runs `job(data_fd)`.

    `feed(fd)` writes what the job reads (a tar going in), `drain(fd)` reads
    what it writes (a tar coming out); both run in the caller, beside the
    helper. Returns the job's dict, or raises the error it reported.
    """
    record = engine.record(ref)
    data_r, data_w = os.pipe()
    status_r, status_w = os.pipe()
    pid = os.fork()
    if pid == 0:   # the helper
        code = 0
        try:
            os.close(status_r)
            mine = data_r if feed else data_w
            os.close(data_w if feed else data_r)
            _enter_root(engine, record, writable)
            result = job(mine)
            os.close(mine)
        except CopyError as e:
            result, code = {"error": str(e), "client": True}, 1
        except EngineError as e:
            result, code = {"error": str(e), "status": e.status}, 1
        except BaseException as e:  # noqa: BLE001 - everything goes back to the parent
            result, code = {"error": str(e) or type(e).__name__}, 1
        try:
            os.write(status_w, json.dumps(result).encode())
        finally:
            os._exit(code)
    os.close(status_w)
    theirs = data_w if feed else data_r
    os.close(data_r if feed else data_w)
    pump = threading.Thread(target=_pump, args=(feed or drain, theirs), daemon=True)
    pump.start()
    chunks = []
    while chunk := os.read(status_r, 65536):
        chunks.append(chunk)
    os.close(status_r)
    os.waitpid(pid, 0)
    pump.join()
    try:
        _mount_dir(engine, pid).rmdir()
    except OSError:
        pass
    result = json.loads(b"".join(chunks) or b'{"error": "copy helper died"}')
    if "error" in result:
        if result.get("client"):
            raise CopyError(result["error"])
        raise _ERRORS.get(result.get("status"), EngineError)(result["error"])
    return result


_ERRORS = {400: InvalidArgument, 404: NotFound, 409: Conflict}


def _pump(fn: Callable[[int], None], fd: int) -> None:
    try:
        fn(fd)
    except (BrokenPipeError, tarfile.TarError, OSError):
        pass
    finally:
        try:
            os.close(fd)
        except OSError:
            pass


# ---------------------------------------------------------------------------
# Tar streams and docker cp's placement rules (archive.CopyTo)
# ---------------------------------------------------------------------------

class _Writer(tarfile.TarFile):
    """Leaves out what lies under a runtime-only mount (/proc, /sys, /dev...): not the container's files."""

    def add(self, name, arcname=None, recursive=True, *, filter=None):  # noqa: A002, D102
        if runtime_only(os.path.normpath(name)):
            return
        super().add(name, arcname, recursive, filter=filter)


def write_tar(fd: int, path: str, arcname: str, follow_top: bool = False,
              absolute: bool = False) -> None:
    """Write `path` as a tar stream named `arcname` (symlinks kept, except the top one with -L).

    `absolute`: names start with "/", as in dockerd's archive of the root
    ("/", "/bin/"...), which the docker client renames by that prefix.
    """
    with os.fdopen(os.dup(fd), "wb") as out, _Writer.open(fileobj=out, mode="w|",
                                                          format=tarfile.PAX_FORMAT) as tar:
        if follow_top and os.path.islink(path):
            path = os.path.realpath(path)
        tar.add(path, arcname=arcname, recursive=True, filter=_absolute if absolute else None)


def _absolute(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.name = "/" + info.name.lstrip("/")
    return info


class _Extractor(tarfile.TarFile):
    """Owners: the receiver's (cp), the archive's numeric ids (-a, the API), or one forced pair."""

    keep_owner = False
    owner: tuple[int, int] | None = None

    def chown(self, tarinfo, targetpath, numeric_owner):  # noqa: D102
        if self.owner is not None:
            os.lchown(targetpath, *self.owner)
        elif self.keep_owner:
            os.lchown(targetpath, tarinfo.uid, tarinfo.gid)


def _inside(base: str, path: str) -> bool:
    return path == base or path.startswith(base.rstrip("/") + "/")


Prepare = Callable[[tarfile.TarInfo, str], None]


def extract_tar(fd: int, dest_dir: str, rename: tuple[str, str] | None = None,
                keep_owner: bool = False, owner: tuple[int, int] | None = None,
                prepare: Prepare | None = None) -> None:
    """Extract a tar stream into `dest_dir`, renaming its top entry if asked.

    Names with `..` or a leading `/`, and entries whose parent resolves out of
    `dest_dir` through a symlink, are refused (a tar from a container is not trusted).
    `prepare(member, path)` runs just before each member lands at `path`
    (the API's overwrite rules).
    """
    real = os.path.realpath(dest_dir)

    def safe(member: tarfile.TarInfo, _path: str) -> tarfile.TarInfo:
        parts = PurePosixPath(member.name).parts
        if member.name.startswith("/") or ".." in parts:
            raise CopyError(f"invalid tar entry: {member.name}")
        if rename and parts and parts[0] == rename[0]:
            member = member.replace(name=str(PurePosixPath(rename[1], *parts[1:])))
        parent = os.path.realpath(os.path.join(real, os.path.dirname(member.name)))
        if not _inside(real, parent):
            raise CopyError(f"invalid tar entry: {member.name} leaves the destination")
        if prepare:
            prepare(member, os.path.normpath(os.path.join(real, member.name)))
        return member

    with os.fdopen(os.dup(fd), "rb") as src:
        tar = _Extractor.open(fileobj=src, mode="r|")
        tar.keep_owner, tar.owner = keep_owner, owner
        with tar:
            tarcompat.extractall(tar, real, safe)


def placement(dest: str, src_is_dir: bool, src_base: str, contents: bool) -> tuple[str, tuple[str, str] | None]:
    """(directory to extract into, (top entry, new name) or None) for copying into `dest`.

    Docker's rules: an existing directory receives the source by its name
    (or its contents for `SRC/.`); anything else is created or replaced at
    `dest` itself, whose parent must exist.
    """
    top = "." if contents else src_base
    if os.path.isdir(dest):
        return dest, None
    if os.path.lexists(dest):
        if src_is_dir:
            raise CopyError("cannot copy a directory to a file")
        return os.path.dirname(dest) or "/", (top, os.path.basename(dest))
    if dest.endswith("/"):
        raise CopyError("no such directory")
    parent = os.path.dirname(dest.rstrip("/")) or "/"
    if not os.path.isdir(parent):
        raise NotFound(parent)
    return parent, (top, os.path.basename(dest.rstrip("/")))


def _source(path: str) -> tuple[str, bool]:
    """(base name, contents-only) of a cp source: `dir/.` copies the contents."""
    contents = path.endswith("/.") or path == "."
    clean = os.path.normpath(path)
    return (os.path.basename(clean) or "/", contents)


# ---------------------------------------------------------------------------
# docker cp
# ---------------------------------------------------------------------------

def copy_out(engine, ref: str, src: str, sink: Callable[[int], None], follow: bool = False) -> dict:
    """Stream a tar of the container's `src` into `sink(fd)`; returns {"dir": bool}."""
    def job(fd: int) -> dict:
        path = "/" + src.lstrip("/")
        if not os.path.lexists(path) or (path.endswith("/") and not os.path.isdir(path)) or \
                runtime_only(os.path.normpath(path)):
            raise NotFound(f"Could not find the file {src} in container {ref}")
        base, contents = _source(path)
        is_dir = os.path.isdir(path) if (follow or not os.path.islink(path)) else False
        write_tar(fd, path, "." if contents else base, follow)
        return {"dir": is_dir}
    return run_inside(engine, ref, job, writable=False, drain=sink)


def copy_to_host(engine, ref: str, src: str, dest: str, follow: bool = False) -> int:
    """`docker cp CTR:SRC DEST`; returns the bytes of the tar stream (Docker's figure)."""
    dest = os.path.abspath(dest) + ("/" if dest.endswith("/") else "")
    parent = os.path.dirname(os.path.normpath(dest))
    if not os.path.isdir(parent):
        raise CopyError(f'invalid output path: directory "{parent}" does not exist')
    spool = tempfile.TemporaryFile()
    copied = copy_out(engine, ref, src, lambda fd: _spool(fd, spool), follow)
    size = spool.tell()
    spool.seek(0)
    base, contents = _source("/" + src.lstrip("/"))
    where, rename = placement(dest, copied["dir"], base, contents)
    with spool:
        extract_tar(spool.fileno(), where, rename, keep_owner=False)
    return size


def _spool(fd: int, spool) -> None:
    while chunk := os.read(fd, 1 << 16):
        spool.write(chunk)


def copy_into(engine, ref: str, source: Callable[[int], None], dest: str, src_is_dir: bool,
              src_base: str, contents: bool, keep_owner: bool, stream: bool = False) -> None:
    """Extract the tar that `source(fd)` writes at the container's `dest` (Docker's rules)."""
    def job(fd: int) -> dict:
        path = "/" + dest.lstrip("/")
        if stream:
            if not os.path.isdir(path):
                raise CopyError(f'destination "{ref}:{dest}" must be a directory')
            where, rename = path, None
        else:
            try:
                where, rename = placement(path, src_is_dir, src_base, contents)
            except NotFound as e:
                raise NotFound(f"Could not find the file {e} in container {ref}") from None
        extract_tar(fd, where, rename, keep_owner)
        return {}
    run_inside(engine, ref, job, writable=True, feed=source)


def copy_from_host(engine, ref: str, src: str, dest: str, follow: bool = False,
                   keep_owner: bool = False) -> int:
    """`docker cp SRC CTR:DEST`; returns the bytes sent."""
    path = os.path.abspath(src) + ("/." if src.endswith("/.") else "")
    real = path[:-2] if path.endswith("/.") else path
    try:
        st = os.stat(real) if follow else os.lstat(real)
    except FileNotFoundError:
        raise CopyError(f"lstat {real}: no such file or directory") from None
    base, contents = _source(path)
    counter = [0]

    def source(fd: int) -> None:
        with os.fdopen(os.dup(fd), "wb") as raw:
            counting = _Counting(raw, counter)
            with tarfile.open(fileobj=counting, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                tar.add(os.path.realpath(real) if follow else real,
                        arcname="." if contents else base, recursive=True)
    copy_into(engine, ref, source, dest, stat.S_ISDIR(st.st_mode), base, contents, keep_owner)
    return counter[0]


class _Counting:
    def __init__(self, raw, counter: list[int]):
        self.raw, self.counter = raw, counter

    def write(self, data: bytes) -> int:
        self.counter[0] += len(data)
        return self.raw.write(data)


# ---------------------------------------------------------------------------
# docker diff
# ---------------------------------------------------------------------------

def _in_lower(lowers: list[str], rel: str) -> os.stat_result | None:
    """The path as the image shows it (the first layer that has it), or None."""
    for layer in lowers:
        full = os.path.join(layer, rel.lstrip("/"))
        try:
            st = os.lstat(full)
        except OSError:
            continue
        return None if is_whiteout(st) else st
    return None


def changes(engine, ref: str) -> list[tuple[str, str]]:
    """Docker's container changes: [(kind, path)] with kind A, C or D, in walk order."""
    record = engine.record(ref)
    upper = record["GraphDriver"]["Data"]["UpperDir"]
    out: list[tuple[str, str]] = []
    _walk(upper, "/", _lowers(record), False, out)
    return out


def _walk(upper: str, rel: str, lowers: list[str], opaque_above: bool,
          out: list[tuple[str, str]]) -> bool:
    """Append the changes below `rel`; True if anything was reported."""
    here = os.path.join(upper, rel.lstrip("/"))
    reported = False
    for name in sorted(os.listdir(here)):
        path = os.path.join(rel, name)
        full = os.path.join(here, name)
        st = os.lstat(full)
        if path in INIT_PATHS:
            continue
        if is_whiteout(st):
            out.append(("D", path))
            reported = True
            continue
        below = None if opaque_above else _in_lower(lowers, path)
        mark = len(out)
        out.append(("C" if below is not None else "A", path))
        if stat.S_ISDIR(st.st_mode):
            opaque = opaque_above or is_opaque(full)
            inner = _walk(upper, path, lowers, opaque, out)
            same = below is not None and stat.S_ISDIR(below.st_mode) and not opaque and \
                (st.st_mode, st.st_uid, st.st_gid) == (below.st_mode, below.st_uid, below.st_gid)
            if same and not inner:
                del out[mark]   # copied up only for an init file: no change of its own
                continue
        reported = True
    return reported


def rw_size(engine, ref: str) -> int:
    """Bytes of the files the container added or changed (Docker's SizeRw)."""
    record = engine.record(ref)
    upper = record["GraphDriver"]["Data"]["UpperDir"]
    total = 0
    for kind, path in changes(engine, ref):
        if kind == "D":
            continue
        try:
            st = os.lstat(os.path.join(upper, path.lstrip("/")))
        except OSError:
            continue
        if not stat.S_ISDIR(st.st_mode):
            total += st.st_size
    return total
