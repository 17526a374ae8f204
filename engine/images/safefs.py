"""Open directories inside a root without ever letting the kernel follow a symlink.

A layer tar is untrusted input: an entry may be `../../etc/cron.d/x`, or a
symlink `evil -> ../../..` followed by `evil/x`. Every directory on the way to
an entry is opened relative to its parent's file descriptor with O_NOFOLLOW;
symlinks met on the way are resolved here, by hand, inside the root (an
absolute target means "from the root", as in a chroot), and one that climbs
above the root is refused. Nothing is ever written outside the root.
"""
from __future__ import annotations

import errno
import json
import os
import stat

from ..errors import InvalidArgument

MAX_SYMLINK_HOPS = 40
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class UnsafePath(InvalidArgument):
    """A layer entry points outside the directory it is extracted into."""


def breakout(name: str, why: str = "") -> UnsafePath:
    """The refusal for `name` (Docker says: "<name>" is outside of "<root>")."""
    detail = f" ({why})" if why else ""
    return UnsafePath(f"invalid layer entry {json.dumps(name)}: it is outside of the "
                      f"image root{detail}; nothing was written outside")


def split_member(name: str) -> list[str]:
    """Cleaned components of a tar member name; refuses absolute and `..` paths.

    `./a//b/` -> ["a", "b"]; `.` -> [] (the root itself).
    """
    if name.startswith("/"):
        raise breakout(name, "absolute path")
    parts: list[str] = []
    for part in name.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                raise breakout(name, "'..' climbs above the root")
            parts.pop()
            continue
        parts.append(part)
    return parts


class InRoot:
    """Resolves paths inside a root directory held open as a file descriptor."""

    def __init__(self, root_fd: int, label: str = ""):
        self.root_fd = root_fd
        self.label = label

    def _reopen(self, stack: list[str]) -> int:
        """Open the real directory path `stack` (no symlinks in it) from the root."""
        fd = os.dup(self.root_fd)
        for part in stack:
            nxt = os.open(part, _DIR_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = nxt
        return fd

    def open_dir(self, parts: list[str], create: bool, entry: str) -> int:
        """File descriptor of the directory `parts`, resolved inside the root.

        Missing directories are made (mode 0755) when `create`; symlinks are
        followed by hand and must stay inside the root. The caller closes the fd.
        """
        todo = list(parts)
        stack: list[str] = []
        fd = os.dup(self.root_fd)
        hops = 0
        try:
            while todo:
                part = todo.pop(0)
                if part in ("", "."):
                    continue
                if part == "..":
                    if not stack:
                        raise breakout(entry, "a symlink on its path climbs above the root")
                    stack.pop()
                    os.close(fd)
                    fd = -1
                    fd = self._reopen(stack)
                    continue
                target = self._step(fd, part, create, entry)
                if isinstance(target, int):
                    os.close(fd)
                    fd = target
                    stack.append(part)
                    continue
                hops += 1
                if hops > MAX_SYMLINK_HOPS:
                    raise InvalidArgument(f"invalid layer entry {json.dumps(entry)}: "
                                          "too many levels of symbolic links")
                todo = [p for p in target.split("/") if p] + todo
                if target.startswith("/"):
                    stack = []
                    os.close(fd)
                    fd = -1
                    fd = os.dup(self.root_fd)
            result, fd = fd, -1
            return result
        finally:
            if fd >= 0:
                os.close(fd)

    def _step(self, fd: int, part: str, create: bool, entry: str) -> int | str:
        """Open child directory `part` of `fd`, or return the symlink target to follow."""
        try:
            return os.open(part, _DIR_FLAGS, dir_fd=fd)
        except FileNotFoundError:
            if not create:
                raise
            os.mkdir(part, 0o755, dir_fd=fd)
            return os.open(part, _DIR_FLAGS, dir_fd=fd)
        except OSError as e:
            if e.errno not in (errno.ELOOP, errno.ENOTDIR):
                raise
        st = os.lstat(part, dir_fd=fd)
        if stat.S_ISLNK(st.st_mode):
            return os.readlink(part, dir_fd=fd)
        raise InvalidArgument(f"invalid layer entry {json.dumps(entry)}: "
                              f"{json.dumps(part)} on its path is not a directory")

    def open_parent(self, parts: list[str], entry: str, create: bool = True) -> tuple[int, str]:
        """(fd of the parent directory, last component) for the entry `parts`."""
        if not parts:
            raise InvalidArgument(f"invalid layer entry {json.dumps(entry)}: no file name")
        return self.open_dir(parts[:-1], create, entry), parts[-1]
