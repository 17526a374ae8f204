"""`system reset`: remove every process, mount, link, cgroup and file of a state root.

Works from what is on the machine, not only from state files, so it also
cleans after a crash (a killed shim, a lost state file, a reboot).
"""
from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

from .settings import Settings


def mounts_under(root: Path) -> list[str]:
    """Mount points below `root`, deepest first."""
    prefix = str(root).rstrip("/") + "/"
    found = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            mp = line.split()[4].replace("\\040", " ")
            if mp.startswith(prefix) or mp == str(root):
                found.append(mp)
    return sorted(set(found), key=lambda p: p.count("/"), reverse=True)


def unmount_all(root: Path) -> None:
    for mp in mounts_under(root):
        try:
            os.umount(mp) if hasattr(os, "umount") else _umount(mp)
        except OSError:
            pass


def _umount(mp: str) -> None:
    from .runtime.libc import MNT_DETACH, umount
    umount(mp, MNT_DETACH)


def kill_pidfiles(root: Path) -> None:
    """Kill shims recorded under the root (they take their containers with them)."""
    for pidfile in list(root.glob("containers/*/shim.pid")) + list(root.glob("run/**/*.pid")):
        try:
            pid = int(pidfile.read_text().strip())
            os.kill(pid, signal.SIGKILL)
        except (ValueError, OSError):
            pass


def reset(settings: Settings, remove_files: bool = True) -> None:
    from . import cgroups
    from .network.teardown import teardown
    kill_pidfiles(settings.root)
    cgroups.remove_all(settings)      # kills what is still inside, then rmdir
    teardown(settings)                # bridges, veths, DNS and proxy processes
    unmount_all(settings.root)
    if remove_files and settings.root.exists():
        shutil.rmtree(settings.root, ignore_errors=True)
