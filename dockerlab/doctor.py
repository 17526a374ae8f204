"""`dockerlab doctor`: what this machine allows, in plain words."""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass

from dockerlab.tutor.i18n import _


@dataclass
class Finding:
    ok: bool
    label: str
    detail: str


def _can_unshare() -> tuple[bool, str]:
    from dockerlab.engine.runtime import libc
    pid = os.fork()
    if pid == 0:
        try:
            libc.unshare(libc.CLONE_NEWNS | libc.CLONE_NEWUTS | libc.CLONE_NEWIPC | libc.CLONE_NEWNET
                         | libc.CLONE_NEWPID)
            os._exit(0)
        except OSError:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0, "mount, uts, ipc, net, pid"


def findings() -> list[Finding]:
    out = []
    root = os.geteuid() == 0
    out.append(Finding(root, _("root"), _("running as root") if root else
                       _("not root: run dockerlab with sudo")))
    if root:
        ok, detail = _can_unshare()
        out.append(Finding(ok, _("namespaces"), detail if ok else _("the kernel refuses new namespaces")))
    fs = open("/proc/filesystems").read()
    out.append(Finding("overlay" in fs, "overlayfs", _("available") if "overlay" in fs else
                       _("missing: load the overlay module (modprobe overlay)")))
    from dockerlab.engine import cgroups
    out.append(Finding(True, "cgroups", _("version {n}").format(n=cgroups.version())))
    out.append(Finding(os.path.isdir("/sys/class/net"), _("bridge"), _("network links can be created")
                       if root else _("needs root")))
    bb = shutil.which("busybox") or ("/bin/busybox" if os.path.exists("/bin/busybox") else None)
    out.append(Finding(bool(bb), "busybox-static", bb or _("missing: apt-get install busybox-static")))
    return out


def run() -> int:
    results = findings()
    for f in results:
        mark = "✓" if f.ok else "✗"
        print(f"{mark} {f.label}: {f.detail}")
    return 0 if all(f.ok for f in results) else 1
