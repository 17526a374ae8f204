"""`TarFile.extractall(filter=...)` on every Python 3.11.

Extraction filters came with Python 3.11.4; Debian 12 ships 3.11.2, where
`filter=` is a TypeError. There, the same checks are done here, member by
member as the members are extracted (so a symlink made by an earlier member
is followed when a later one is checked, as Python's own filters do):
names and links must stay inside the destination, `data` also refuses
absolute links and device nodes, and both drop setuid/setgid/sticky bits and
group/other write permission as Python's `tar` filter does.
"""
from __future__ import annotations

import copy
import os
import stat
import tarfile
from typing import Callable, Union

HAS_FILTERS = hasattr(tarfile, "data_filter")

if not hasattr(tarfile.TarInfo, "replace"):      # also new in 3.11.4; filters written for
    def _replace(self, *, deep=True, **changes):  # it (containerfs) use it on 3.11.2 too
        new = copy.deepcopy(self) if deep else copy.copy(self)
        for key, value in changes.items():
            setattr(new, key, value)
        return new
    tarfile.TarInfo.replace = _replace

Filter = Union[str, Callable[[tarfile.TarInfo, str], "tarfile.TarInfo | None"]]


class UnsafeMember(tarfile.TarError):
    """A member that would land (or point) outside the destination."""


def extractall(tar: tarfile.TarFile, dest: str | os.PathLike, filter: Filter) -> None:
    if HAS_FILTERS:
        tar.extractall(dest, filter=filter)
        return
    dest = os.path.realpath(dest)
    check = {"data": _data, "tar": _tar}.get(filter, filter) if isinstance(filter, str) else filter
    if not callable(check):
        raise ValueError(f"unknown tar filter {filter!r}")
    for member in tar:
        kept = check(member, dest)
        if kept is not None:
            tar.extract(kept, dest, set_attrs=not kept.isdir())


def _inside(dest: str, path: str) -> bool:
    return os.path.commonpath([dest, path]) == dest


def _tar(member: tarfile.TarInfo, dest: str) -> tarfile.TarInfo:
    name = member.name.lstrip("/")
    target = os.path.realpath(os.path.join(dest, name))
    if not _inside(dest, target):
        raise UnsafeMember(f"{member.name!r} would be extracted outside the destination")
    if member.islnk():
        linked = os.path.realpath(os.path.join(dest, member.linkname.lstrip("/")))
        if not _inside(dest, linked):
            raise UnsafeMember(f"{member.name!r} links outside the destination")
    mode = member.mode & ~(stat.S_ISUID | stat.S_ISGID | stat.S_ISVTX | stat.S_IWGRP | stat.S_IWOTH)
    return member.replace(name=name, mode=mode, deep=False)


def _data(member: tarfile.TarInfo, dest: str) -> tarfile.TarInfo:
    member = _tar(member, dest)
    if member.ischr() or member.isblk():
        raise UnsafeMember(f"{member.name!r} is a device node")
    if member.issym():
        if os.path.isabs(member.linkname):
            raise UnsafeMember(f"{member.name!r} is a link to an absolute path")
        where = os.path.dirname(os.path.join(dest, member.name))
        if not _inside(dest, os.path.realpath(os.path.join(where, member.linkname))):
            raise UnsafeMember(f"{member.name!r} links outside the destination")
    return member.replace(uid=0, gid=0, uname="", gname="", deep=False)   # owned by root
