"""Layer tars <-> directories in overlayfs format.

`apply_layer` unpacks an (uncompressed) OCI layer tar into a layer's own
directory the way overlayfs wants to see it as a lower layer: a whiteout
`.wh.NAME` becomes a 0/0 character device NAME, `.wh..wh..opq` becomes the
xattr `trusted.overlay.opaque=y` on its directory. Entries are written through
directory file descriptors (see safefs.py), so a hostile tar cannot write
outside the layer directory.

`diff_to_tar` does the reverse for a container's upper directory (`commit`,
`build`): 0/0 devices become `.wh.` files, opaque directories get the
`.wh..wh..opq` marker, and the tar is deterministic (sorted entries, mtimes
kept) so the same content gives the same diff id.
"""
from __future__ import annotations

import errno
import gzip
import hashlib
import json
import lzma
import os
import shutil
import stat
import tarfile
import zlib
from pathlib import Path
from typing import BinaryIO

from ..errors import InvalidArgument
from ..overlaymarks import is_whiteout
from .safefs import InRoot, UnsafePath, breakout, split_member
from .tarstream import TarWriter

WHITEOUT_PREFIX = ".wh."
WHITEOUT_META_PREFIX = ".wh..wh."
OPAQUE_MARKER = ".wh..wh..opq"
OPAQUE_XATTRS = ("trusted.overlay.opaque", "user.overlay.opaque")
PAX_XATTR = "SCHILY.xattr."

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_CHUNK = 1 << 20


class LayerError(InvalidArgument):
    """The layer tar is damaged or contains something that cannot be unpacked."""


__all__ = ["apply_layer", "diff_to_tar", "diff_size", "is_whiteout", "LayerError",
           "UnsafePath", "WHITEOUT_PREFIX", "OPAQUE_MARKER"]


def _kept_xattr(key: str) -> bool:
    """xattrs a layer may carry: file capabilities and user attributes.

    `trusted.*` (overlayfs' own metadata among them) and `security.selinux`
    never travel in a layer, as in Docker.
    """
    return key == "security.capability" or (
        key.startswith("user.") and not key.startswith("user.overlay."))


# ---------------------------------------------------------------------------
# tar -> directory
# ---------------------------------------------------------------------------

def apply_layer(stream: BinaryIO, target_dir: str | Path, allow_devices: bool = True) -> None:
    """Unpack the uncompressed layer tar `stream` into `target_dir` (overlay format).

    Device nodes are accepted only when `allow_devices` (image layers);
    raises LayerError / UnsafePath on a damaged or hostile tar.
    """
    root_fd = os.open(target_dir, _DIR_FLAGS)
    try:
        unpacker = _Unpacker(InRoot(root_fd), allow_devices)
        try:
            with tarfile.open(fileobj=stream, mode="r|") as tar:
                for member in tar:
                    unpacker.apply(tar, member)
        except (tarfile.TarError, EOFError, zlib.error, lzma.LZMAError,
                gzip.BadGzipFile) as e:
            raise LayerError(f"invalid layer tar: {e}") from e
        unpacker.finish()
    finally:
        os.close(root_fd)


class _Unpacker:
    """Applies tar members one at a time; remembers directory times for the end."""

    def __init__(self, tree: InRoot, allow_devices: bool):
        self.tree = tree
        self.allow_devices = allow_devices
        self.dir_times: list[tuple[list[str], int]] = []

    def apply(self, tar: tarfile.TarFile, member: tarfile.TarInfo) -> None:
        parts = split_member(member.name)
        if not parts:
            self._root_entry(member)
            return
        base = parts[-1]
        if base == OPAQUE_MARKER:
            fd = self.tree.open_dir(parts[:-1], True, member.name)
            try:
                os.setxattr(fd, OPAQUE_XATTRS[0], b"y")
            finally:
                os.close(fd)
            return
        if base.startswith(WHITEOUT_META_PREFIX):
            return      # other AUFS bookkeeping (.wh..wh.plnk...): nothing to do in overlayfs
        parent_fd, name = self.tree.open_parent(parts, member.name)
        try:
            if base.startswith(WHITEOUT_PREFIX):
                self._whiteout(parent_fd, base[len(WHITEOUT_PREFIX):], member)
            else:
                self._entry(tar, member, parent_fd, name, parts)
        finally:
            os.close(parent_fd)

    def _root_entry(self, member: tarfile.TarInfo) -> None:
        if not member.isdir():
            raise LayerError(f"invalid layer entry {json.dumps(member.name)}: "
                             "the layer root must be a directory")
        _set_owner_mode(self.tree.root_fd, member)
        _set_xattrs(self.tree.root_fd, member)
        self.dir_times.append(([], int(member.mtime)))

    def _whiteout(self, parent_fd: int, hidden: str, member: tarfile.TarInfo) -> None:
        if hidden in ("", ".", ".."):
            raise breakout(member.name, "whiteout of a parent directory")
        _remove_existing(parent_fd, hidden)
        os.mknod(hidden, stat.S_IFCHR, os.makedev(0, 0), dir_fd=parent_fd)
        os.chown(hidden, member.uid, member.gid, dir_fd=parent_fd, follow_symlinks=False)

    def _entry(self, tar: tarfile.TarFile, member: tarfile.TarInfo, parent_fd: int,
               name: str, parts: list[str]) -> None:
        if member.isdir():
            self._directory(member, parent_fd, name)
            self.dir_times.append((parts, int(member.mtime)))
            return
        if member.islnk():
            self._hardlink(member, parent_fd, name)
            return
        _remove_existing(parent_fd, name)
        if member.isreg():
            _write_file(tar, member, parent_fd, name)
        elif member.issym():
            if not member.linkname:   # Linux refuses an empty target (ENOENT)
                raise LayerError(f"invalid layer entry {json.dumps(member.name)}: symlink with an empty target")
            os.symlink(member.linkname, name, dir_fd=parent_fd)
            os.chown(name, member.uid, member.gid, dir_fd=parent_fd, follow_symlinks=False)
            _set_times(parent_fd, name, member)
        elif member.ischr() or member.isblk() or member.isfifo():
            self._node(member, parent_fd, name)
        else:
            raise LayerError(f"invalid layer entry {json.dumps(member.name)}: "
                             f"unhandled tar header type {member.type!r}")

    def _directory(self, member: tarfile.TarInfo, parent_fd: int, name: str) -> None:
        if _remove_existing(parent_fd, name, keep_dir=True) != "dir":
            os.mkdir(name, 0o700, dir_fd=parent_fd)
        fd = os.open(name, _DIR_FLAGS, dir_fd=parent_fd)
        try:
            _set_owner_mode(fd, member)
            _set_xattrs(fd, member)
        finally:
            os.close(fd)

    def _hardlink(self, member: tarfile.TarInfo, parent_fd: int, name: str) -> None:
        src_parts = split_member(member.linkname)
        try:
            src_fd, src_name = self.tree.open_parent(src_parts, member.name, create=False)
        except FileNotFoundError:
            raise LayerError(f"invalid layer entry {json.dumps(member.name)}: its hard link "
                             f"target {json.dumps(member.linkname)} is not in the layer") from None
        try:
            if os.path.samestat(os.stat(src_name, dir_fd=src_fd, follow_symlinks=False),
                                os.stat(name, dir_fd=parent_fd, follow_symlinks=False)):
                return      # already the same file
        except FileNotFoundError:
            pass
        try:
            if stat.S_ISDIR(os.lstat(src_name, dir_fd=src_fd).st_mode):   # link(2): EPERM
                raise LayerError(f"invalid layer entry {json.dumps(member.name)}: its hard "
                                 f"link target {json.dumps(member.linkname)} is a directory")
            _remove_existing(parent_fd, name)
            os.link(src_name, name, src_dir_fd=src_fd, dst_dir_fd=parent_fd,
                    follow_symlinks=False)
        except FileNotFoundError:
            raise LayerError(f"invalid layer entry {json.dumps(member.name)}: its hard link "
                             f"target {json.dumps(member.linkname)} is not in the layer") from None
        finally:
            os.close(src_fd)

    def _node(self, member: tarfile.TarInfo, parent_fd: int, name: str) -> None:
        if member.isfifo():
            kind, dev = stat.S_IFIFO, 0
        elif not self.allow_devices:
            raise LayerError(f"invalid entry {json.dumps(member.name)}: device nodes are "
                             "only allowed in image layers")
        else:
            kind = stat.S_IFCHR if member.ischr() else stat.S_IFBLK
            dev = os.makedev(member.devmajor, member.devminor)
        os.mknod(name, kind | 0o600, dev, dir_fd=parent_fd)
        os.chown(name, member.uid, member.gid, dir_fd=parent_fd, follow_symlinks=False)
        # the node was just made here and is not a symlink: following is safe
        os.chmod(name, member.mode & 0o7777, dir_fd=parent_fd)
        _set_times(parent_fd, name, member)

    def finish(self) -> None:
        """Set directory mtimes last: writing their children changed them."""
        for parts, mtime in self.dir_times:
            if not parts:
                os.utime(self.tree.root_fd, (mtime, mtime))
                continue
            try:
                fd, name = self.tree.open_parent(parts, "/".join(parts), create=False)
            except (OSError, InvalidArgument):
                continue            # replaced or removed by a later entry
            try:
                if stat.S_ISDIR(os.lstat(name, dir_fd=fd).st_mode):
                    os.utime(name, (mtime, mtime), dir_fd=fd, follow_symlinks=False)
            except FileNotFoundError:
                pass
            finally:
                os.close(fd)


def _remove_existing(parent_fd: int, name: str, keep_dir: bool = False) -> str:
    """Clear `name` for a new entry; returns "dir" when a kept directory is there."""
    try:
        st = os.lstat(name, dir_fd=parent_fd)
    except FileNotFoundError:
        return ""
    if stat.S_ISDIR(st.st_mode):
        if keep_dir:
            return "dir"
        shutil.rmtree(name, dir_fd=parent_fd)
    else:
        os.unlink(name, dir_fd=parent_fd)
    return ""


def _write_file(tar: tarfile.TarFile, member: tarfile.TarInfo, parent_fd: int, name: str) -> None:
    fd = os.open(name, _FILE_FLAGS, 0o600, dir_fd=parent_fd)
    try:
        src = tar.extractfile(member)
        if src is not None:
            with open(fd, "wb", closefd=False) as dst:
                shutil.copyfileobj(src, dst, _CHUNK)
        _set_owner_mode(fd, member)
        _set_xattrs(fd, member)
        os.utime(fd, (member.mtime, member.mtime))
    finally:
        os.close(fd)


def _set_owner_mode(fd: int, member: tarfile.TarInfo) -> None:
    os.fchown(fd, member.uid, member.gid)     # before chmod: chown clears set-id bits
    os.fchmod(fd, member.mode & 0o7777)


def _set_xattrs(fd: int, member: tarfile.TarInfo) -> None:
    for key, value in member.pax_headers.items():
        if not key.startswith(PAX_XATTR):
            continue
        attr = key[len(PAX_XATTR):]
        if _kept_xattr(attr):
            os.setxattr(fd, attr, value.encode("utf-8", "surrogateescape"))


def _set_times(parent_fd: int, name: str, member: tarfile.TarInfo) -> None:
    try:
        os.utime(name, (member.mtime, member.mtime), dir_fd=parent_fd, follow_symlinks=False)
    except OSError as e:            # some filesystems refuse times on special files
        if e.errno not in (errno.EPERM, errno.EOPNOTSUPP):
            raise


# ---------------------------------------------------------------------------
# directory -> tar
# ---------------------------------------------------------------------------

class _HashingWriter:
    def __init__(self, out: BinaryIO):
        self.out = out
        self.hasher = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.hasher.update(data)
        self.out.write(data)
        return len(data)


def diff_to_tar(upper_dir: str | Path, out: BinaryIO) -> str:
    """Write an OCI layer tar of the overlay upper dir `upper_dir` to `out`.

    Returns its diff id (`sha256:<hex>` of the tar bytes).
    """
    writer = _HashingWriter(out)
    tar = TarWriter(writer)  # type: ignore[arg-type]
    root_fd = os.open(upper_dir, _DIR_FLAGS)
    try:
        _Packer(tar).walk(root_fd, "")
    finally:
        os.close(root_fd)
    tar.close()
    return "sha256:" + writer.hasher.hexdigest()


class _Packer:
    """Walks an upper dir through fds, in byte order, emitting tar entries."""

    def __init__(self, tar: TarWriter):
        self.tar = tar
        self.seen: dict[tuple[int, int], str] = {}     # (dev, ino) -> first path, for hard links

    def walk(self, dir_fd: int, prefix: str) -> None:
        for name in sorted(os.listdir(dir_fd), key=os.fsencode):
            path = prefix + name
            st = os.lstat(name, dir_fd=dir_fd)
            if stat.S_ISDIR(st.st_mode):
                fd = os.open(name, _DIR_FLAGS, dir_fd=dir_fd)
                try:
                    self._directory(fd, path, st)
                    self.walk(fd, path + "/")
                finally:
                    os.close(fd)
            elif stat.S_ISREG(st.st_mode):
                self._file(dir_fd, name, path, st)
            else:
                self._special(dir_fd, name, path, st)

    def _directory(self, fd: int, path: str, st: os.stat_result) -> None:
        info = _info(path, tarfile.DIRTYPE, st)
        _refuse_unexportable(fd, path, "trusted.overlay.redirect", "a renamed directory")
        _read_xattrs(fd, info)
        self.tar.add(info)
        if any(_getxattr(fd, key) == b"y" for key in OPAQUE_XATTRS):
            marker = _info(f"{path}/{OPAQUE_MARKER}", tarfile.REGTYPE, st)
            marker.mode = stat.S_IMODE(st.st_mode)
            marker.pax_headers = {}
            self.tar.add(marker)

    def _file(self, dir_fd: int, name: str, path: str, st: os.stat_result) -> None:
        key = (st.st_dev, st.st_ino)
        if st.st_nlink > 1 and key in self.seen:
            info = _info(path, tarfile.LNKTYPE, st)
            info.linkname = self.seen[key]
            self.tar.add(info)
            return
        if st.st_nlink > 1:
            self.seen[key] = path
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd)
        try:
            info = _info(path, tarfile.REGTYPE, st)
            info.size = st.st_size
            _refuse_unexportable(fd, path, "trusted.overlay.metacopy", "a metadata-only copy")
            _read_xattrs(fd, info)
            with open(fd, "rb", closefd=False) as data:
                self.tar.add(info, data)
        finally:
            os.close(fd)

    def _special(self, dir_fd: int, name: str, path: str, st: os.stat_result) -> None:
        mode = st.st_mode
        if is_whiteout(st):
            head, _, base = path.rpartition("/")
            wh = f"{head}/{WHITEOUT_PREFIX}{base}" if head else WHITEOUT_PREFIX + base
            info = _info(wh, tarfile.REGTYPE, st)
            info.mode = 0o600
            self.tar.add(info)
        elif stat.S_ISLNK(mode):
            info = _info(path, tarfile.SYMTYPE, st)
            info.linkname = os.readlink(name, dir_fd=dir_fd)
            self.tar.add(info)
        elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
            info = _info(path, tarfile.CHRTYPE if stat.S_ISCHR(mode) else tarfile.BLKTYPE, st)
            info.devmajor, info.devminor = os.major(st.st_rdev), os.minor(st.st_rdev)
            self.tar.add(info)
        elif stat.S_ISFIFO(mode):
            self.tar.add(_info(path, tarfile.FIFOTYPE, st))
        # sockets cannot be archived; Docker skips them too


def _info(path: str, kind: bytes, st: os.stat_result) -> tarfile.TarInfo:
    info = tarfile.TarInfo(path)
    info.type = kind
    info.mode = stat.S_IMODE(st.st_mode)
    info.uid, info.gid = st.st_uid, st.st_gid
    info.mtime = int(st.st_mtime)
    info.size = 0
    return info


def _getxattr(fd: int, key: str) -> bytes | None:
    try:
        return os.getxattr(fd, key)
    except OSError:
        return None


def _refuse_unexportable(fd: int, path: str, key: str, what: str) -> None:
    """Stop on overlayfs features a layer tar cannot express.

    With `redirect_dir` or `metacopy` on, the upper dir alone does not hold the
    change; exporting it would silently produce a wrong layer.
    """
    if _getxattr(fd, key) is not None:
        raise LayerError(f"cannot export {json.dumps(path)}: it is {what} in overlayfs "
                         f"({key}); mount container roots with redirect_dir=off,metacopy=off")


def _read_xattrs(fd: int, info: tarfile.TarInfo) -> None:
    try:
        keys = os.listxattr(fd)
    except OSError:
        return
    for key in sorted(keys):
        if _kept_xattr(key):
            value = _getxattr(fd, key)
            if value is not None:
                info.pax_headers[PAX_XATTR + key] = value.decode("utf-8", "surrogateescape")


# ---------------------------------------------------------------------------
# sizes
# ---------------------------------------------------------------------------

def diff_size(path: str | Path) -> int:
    """Bytes used by a layer directory, as Docker counts them.

    Sum of the sizes of everything but directories, each inode once (hard
    links are not counted twice).
    """
    seen: set[tuple[int, int]] = set()
    total = 0
    stack = [os.fspath(path)]
    while stack:
        with os.scandir(stack.pop()) as it:
            for entry in it:
                st = entry.stat(follow_symlinks=False)
                if stat.S_ISDIR(st.st_mode):
                    stack.append(entry.path)
                    continue
                key = (st.st_dev, st.st_ino)
                if st.st_size and key not in seen:
                    seen.add(key)
                    total += st.st_size
    return total

