"""`docker export`: a container's filesystem as one flat tar stream.

Like dockerd, this exports the container's own layers (the writable layer
over the image's), not what is mounted into it: no /proc, no volumes, no
bind-mounted /etc/hosts content (the empty files under them are there).
The layers are merged here, by overlayfs's rules as the engine mounts them
(no redirect_dir, no metacopy): the top-most layer that has a name wins, a
0/0 character device hides it, a directory marked `trusted.overlay.opaque`
hides what lower layers hold under it. Reading the layer directories, rather
than mounting an overlay over them, works the same while the container runs:
the kernel warns that an upper directory in use as another mount's lower one
gives undefined results.
"""
from __future__ import annotations

import os
import stat
import tarfile
from typing import BinaryIO, Callable

from .overlaymarks import is_opaque, is_whiteout

_CHUNK = 1 << 16


class _Sink:
    """A file-like object over `write`, for tarfile's stream mode."""

    def __init__(self, write: Callable[[bytes], None]):
        self.write = write


def export(engine, ref: str, write: Callable[[bytes], None]) -> str:
    """Stream the tar of container `ref`'s filesystem into `write`; returns the container id.

    Raises NotFound before any byte is written when `ref` names no container.
    """
    record = engine.record(ref)
    data = record["GraphDriver"]["Data"]
    lowers = [p for p in (data.get("LowerDir") or "").split(":") if p]
    write_layers([data["UpperDir"], *lowers], _Sink(write))
    _event(engine, record)
    return record["Id"]


def _event(engine, record: dict) -> None:
    from . import events
    events.emit(engine.settings, "container", "export", record["Id"],
                events.container_attributes(record))


def write_layers(layers: list[str], out: BinaryIO) -> None:
    """Write the merged view of `layers` (top first) as a tar, in lexical walk order.

    Names are relative (`bin/`, `bin/sh`), owners numeric without names, times
    in whole seconds, hard links kept as links: what Go's archive/tar writes
    for dockerd. Sockets are left out, as Go's archive/tar cannot store them.
    """
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT,
                      bufsize=_CHUNK) as tar:
        _walk(tar, _dir_layers(layers, ""), "", {})


def _lstat(path: str) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None


def _dir_layers(candidates: list[str], rel: str) -> list[str]:
    """The layers whose `rel` merges into the directory seen there, top first.

    Starts at the top-most layer that has `rel`; stops below a file or a
    whiteout (they hide the rest) and after an opaque directory.
    """
    found: list[str] = []
    for layer in candidates:
        path = os.path.join(layer, rel)
        st = _lstat(path)
        if st is None:
            continue
        if not stat.S_ISDIR(st.st_mode):
            break
        found.append(layer)
        if is_opaque(path):
            break
    return found


def _walk(tar: tarfile.TarFile, layers: list[str], rel: str,
          links: dict[tuple[int, int], str]) -> None:
    """Add the merged children of directory `rel`, whose layers are `layers` (top first)."""
    names: set[str] = set()
    for layer in layers:
        names.update(os.listdir(os.path.join(layer, rel)))
    for name in sorted(names):
        child = f"{rel}/{name}" if rel else name
        top = next((lay for lay in layers if _lstat(os.path.join(lay, child)) is not None), None)
        path = os.path.join(top or "", child)
        st = _lstat(path) if top else None
        if st is None or is_whiteout(st) or stat.S_ISSOCK(st.st_mode):
            continue                  # gone since the listing (a running container), or hidden
        info = _tarinfo(path, child, st, links)
        if info.isreg():
            with open(path, "rb") as f:
                tar.addfile(info, f)
        else:
            tar.addfile(info)
        if stat.S_ISDIR(st.st_mode):
            _walk(tar, _dir_layers(layers[layers.index(top):], child), child, links)


def _tarinfo(path: str, arcname: str, st: os.stat_result,
             links: dict[tuple[int, int], str]) -> tarfile.TarInfo:
    info = tarfile.TarInfo(arcname)
    info.mode = stat.S_IMODE(st.st_mode)
    info.uid, info.gid = st.st_uid, st.st_gid
    info.uname = info.gname = ""
    info.mtime = int(st.st_mtime)
    mode = st.st_mode
    if stat.S_ISREG(mode):
        key = (st.st_dev, st.st_ino)
        if key in links:
            info.type, info.linkname = tarfile.LNKTYPE, links[key]
        else:
            if st.st_nlink > 1:
                links[key] = arcname
            info.size = st.st_size
    elif stat.S_ISDIR(mode):
        info.type = tarfile.DIRTYPE
    elif stat.S_ISLNK(mode):
        info.type, info.linkname = tarfile.SYMTYPE, os.readlink(path)
    elif stat.S_ISFIFO(mode):
        info.type = tarfile.FIFOTYPE
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        info.type = tarfile.CHRTYPE if stat.S_ISCHR(mode) else tarfile.BLKTYPE
        info.devmajor, info.devminor = os.major(st.st_rdev), os.minor(st.st_rdev)
    return info
