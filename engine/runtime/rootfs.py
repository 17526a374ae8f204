"""The container's filesystem, built inside the child's new mount namespace.

Every mount made here lives in the container's mount namespace only, so the
kernel takes them all away when the container's last process exits: a
crashed shim or CLI cannot leave a mount behind on the host.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

from . import libc
from .devices import make_nodes
from .securejoin import secure_join
from .spec import ContainerSpec, MountSpec

DEVICES = [  # name, major, minor (Docker's default device nodes)
    ("null", 1, 3), ("zero", 1, 5), ("full", 1, 7),
    ("random", 1, 8), ("urandom", 1, 9), ("tty", 5, 0),
]
DEV_LINKS = [("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
             ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2"),
             ("ptmx", "pts/ptmx"), ("core", "/proc/kcore")]
ETC_FILES = ("hostname", "hosts", "resolv.conf")
NOSUID_NODEV_NOEXEC = libc.MS_NOSUID | libc.MS_NODEV | libc.MS_NOEXEC


def overlay_options(spec: ContainerSpec) -> str:
    lower = ":".join(str(p) for p in reversed(spec.lower_dirs))
    return f"lowerdir={lower},upperdir={spec.upper},workdir={spec.work}"


def mount_overlay(spec: ContainerSpec, target: Path) -> None:
    if spec.lower_dirs:
        libc.mount("overlay", str(target), "overlay", 0, overlay_options(spec))
    else:  # FROM scratch with no layers: the writable layer alone
        libc.mount(str(spec.upper), str(target), None, libc.MS_BIND)


def _mkdir_in(root: Path, path: str, is_file: bool = False) -> Path:
    target = secure_join(root, path)
    if is_file:
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            target.touch()
    else:
        target.mkdir(parents=True, exist_ok=True)
    return target


def mount_dev(root: Path, console: bool, shm_size: int = 64 * 1024 * 1024) -> None:
    """Docker's /dev: a tmpfs with the default nodes, a private devpts, shm, mqueue;
    with a tty, /dev/console for the pty bind-mounted after pivot_root (ptys.py)."""
    dev = _mkdir_in(root, "/dev")
    libc.mount("tmpfs", str(dev), "tmpfs", libc.MS_NOSUID | libc.MS_STRICTATIME, "mode=755,size=65536k")
    for name, major, minor in DEVICES:
        os.mknod(dev / name, 0o666 | stat.S_IFCHR, os.makedev(major, minor))
        os.chmod(dev / name, 0o666)
    for name, target in DEV_LINKS:
        os.symlink(target, dev / name)
    (dev / "pts").mkdir()
    libc.mount("devpts", str(dev / "pts"), "devpts", libc.MS_NOSUID | libc.MS_NOEXEC,
               "newinstance,ptmxmode=0666,mode=0620,gid=5")
    (dev / "shm").mkdir()
    libc.mount("shm", str(dev / "shm"), "tmpfs", NOSUID_NODEV_NOEXEC,
               f"mode=1777,size={max(shm_size // 1024, 1)}k")      # --shm-size (Docker: 64 MB)
    (dev / "mqueue").mkdir()
    libc.mount("mqueue", str(dev / "mqueue"), "mqueue", NOSUID_NODEV_NOEXEC)
    if console:
        (dev / "console").touch(mode=0o600)


def mount_proc_sys(root: Path, sys_readonly: bool = True) -> None:
    proc = _mkdir_in(root, "/proc")
    libc.mount("proc", str(proc), "proc", NOSUID_NODEV_NOEXEC)
    sys = _mkdir_in(root, "/sys")
    flags = NOSUID_NODEV_NOEXEC | (libc.MS_RDONLY if sys_readonly else 0)
    libc.mount("sysfs", str(sys), "sysfs", flags)


def mount_user(root: Path, m: MountSpec) -> None:
    """A bind mount, a volume or a tmpfs at its destination in the container."""
    if m.type == "tmpfs":
        target = _mkdir_in(root, m.destination)
        libc.mount("tmpfs", str(target), "tmpfs", libc.MS_NOSUID | libc.MS_NODEV, m.options or None)
        return
    is_file = not os.path.isdir(m.source)
    target = _mkdir_in(root, m.destination, is_file=is_file)
    libc.mount(m.source, str(target), None, libc.MS_BIND | libc.MS_REC)
    if m.readonly:
        libc.mount(None, str(target), None, libc.MS_BIND | libc.MS_REMOUNT | libc.MS_RDONLY | libc.MS_REC)


def mount_etc_files(root: Path, container_dir: Path) -> None:
    """/etc/hostname, /etc/hosts and /etc/resolv.conf, bind-mounted like Docker does."""
    for name in ETC_FILES:
        src = container_dir / name
        if src.exists():
            target = _mkdir_in(root, f"/etc/{name}", is_file=True)
            libc.mount(str(src), str(target), None, libc.MS_BIND)


def pivot_into(root: Path) -> None:
    """pivot_root into `root` and detach the old root (the runc way, no put_old dir)."""
    os.chdir(root)
    libc.pivot_root(".", ".")
    libc.umount(".", libc.MNT_DETACH)
    os.chdir("/")


def build_rootfs(spec: ContainerSpec, console: bool) -> None:
    """Called in the child after unshare(CLONE_NEWNS): mounts, then pivot_root."""
    libc.mount(None, "/", None, libc.MS_REC | libc.MS_PRIVATE)
    root = spec.merged
    mount_overlay(spec, root)
    mount_proc_sys(root, sys_readonly=not spec.privileged)
    mount_dev(root, console, spec.shm_size)
    make_nodes(root, spec.devices)
    mount_etc_files(root, spec.container_dir)
    for m in spec.mounts:
        mount_user(root, m)
    if spec.read_only and spec.cwd and os.path.isdir(root):
        try:
            _mkdir_in(root, spec.cwd)     # Docker makes WorkingDir before the root turns read-only
        except OSError:
            pass                          # reported by prepare_cwd with Docker's message
    pivot_into(root)
    if spec.read_only:
        libc.mount(None, "/", None, libc.MS_BIND | libc.MS_REMOUNT | libc.MS_RDONLY)
