"""Hide and freeze the kernel files a container must not read or write.

Docker masks files that leak host information or let a process poke the
kernel (/proc/kcore, /proc/keys, /sys/firmware...) and makes the /proc knobs
read-only (/proc/sys, /proc/sysrq-trigger...). Same method as runc: a file
is masked by binding /dev/null over it, a directory by an empty read-only
tmpfs; a read-only path is bound onto itself and remounted read-only.
Runs in the child after pivot_root, with "/" the container's root.
"""
from __future__ import annotations

import os
import stat

from .options import SecurityOptions
from ..runtime import libc

# moby daemon/pkg/oci/defaults.go (thermal_throttle entries are added per CPU).
DEFAULT_MASKED_PATHS = [
    "/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore", "/proc/keys",
    "/proc/latency_stats", "/proc/sched_debug", "/proc/scsi", "/proc/timer_list",
    "/proc/timer_stats", "/sys/devices/virtual/powercap", "/sys/firmware",
]
DEFAULT_READONLY_PATHS = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]

_KEPT_FLAGS = libc.MS_NOSUID | libc.MS_NODEV | libc.MS_NOEXEC


def default_masked_paths() -> list[str]:
    """Docker's list plus each CPU's thermal_throttle directory, where it exists."""
    cpu_dir = "/sys/devices/system/cpu"
    extra = []
    try:
        names = sorted(n for n in os.listdir(cpu_dir) if n[3:].isdigit() and n.startswith("cpu"))
    except OSError:
        names = []
    for name in names:
        path = f"{cpu_dir}/{name}/thermal_throttle"
        if os.path.exists(path):
            extra.append(path)
    return DEFAULT_MASKED_PATHS + extra


def protect_paths(opts: SecurityOptions) -> None:
    """Apply read-only paths, then masks (skipped when privileged), then --read-only."""
    if not opts.privileged:
        readonly = DEFAULT_READONLY_PATHS if opts.readonly_paths is None else opts.readonly_paths
        masked = default_masked_paths() if opts.masked_paths is None else opts.masked_paths
        for path in readonly:
            make_readonly(path)
        for path in masked:
            mask(path)
    if opts.read_only_rootfs:
        remount_readonly("/")


def mask(path: str) -> None:
    """Make `path` show nothing: /dev/null over a file, empty read-only tmpfs over a dir."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(st.st_mode):
        libc.mount("tmpfs", path, "tmpfs", libc.MS_RDONLY | _KEPT_FLAGS)
    else:
        libc.mount("/dev/null", path, None, libc.MS_BIND)


def make_readonly(path: str) -> None:
    """Bind `path` onto itself and remount that bind read-only."""
    if not os.path.exists(path):
        return
    libc.mount(path, path, None, libc.MS_BIND | libc.MS_REC)
    remount_readonly(path)


def remount_readonly(path: str) -> None:
    """Set the mount at `path` read-only, keeping its nosuid/nodev/noexec."""
    kept = os.statvfs(path).f_flag & _KEPT_FLAGS
    libc.mount(None, path, None, libc.MS_BIND | libc.MS_REMOUNT | libc.MS_RDONLY | kept)
