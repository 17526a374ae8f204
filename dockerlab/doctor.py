"""`dockerlab doctor`: what this machine allows, in plain words.

Every probe really tries the thing (a namespace, an overlay mount, a bridge,
a cgroup) inside a throwaway child process and namespace, so the answer is
what the kernel said, not what a config file suggests, and nothing is left
on the host. Probes that need root are skipped, with a reason, without it.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from typing import Callable

from dockerlab.tutor.i18n import _


@dataclass
class Finding:
    ok: bool
    label: str
    detail: str


def in_child(probe: Callable[[], None]) -> str | None:
    """Run `probe` in a forked child; None if it worked, else the error's text."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - forked
        os.close(r)
        try:
            probe()
            os._exit(0)
        except BaseException as e:  # noqa: BLE001 - reported as text
            os.write(w, str(e).encode()[:500] or type(e).__name__.encode())
            os._exit(1)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        message = f.read().decode(errors="replace")
    _, status = os.waitpid(pid, 0)
    return None if os.waitstatus_to_exitcode(status) == 0 else (message or "?")


def _namespaces() -> None:
    from dockerlab.engine.runtime import libc
    libc.unshare(libc.CLONE_NEWNS | libc.CLONE_NEWUTS | libc.CLONE_NEWIPC | libc.CLONE_NEWNET
                 | libc.CLONE_NEWPID)


def _overlay() -> None:
    from dockerlab.engine.runtime import libc
    libc.unshare(libc.CLONE_NEWNS)
    libc.mount(None, "/", None, libc.MS_REC | libc.MS_PRIVATE)
    with tempfile.TemporaryDirectory(prefix="dlab-doctor-") as tmp:
        for sub in ("lower", "upper", "work", "merged"):
            os.mkdir(os.path.join(tmp, sub))
        opts = f"lowerdir={tmp}/lower,upperdir={tmp}/upper,workdir={tmp}/work"
        libc.mount("overlay", f"{tmp}/merged", "overlay", 0, opts)
        libc.umount(f"{tmp}/merged")


def _bridge() -> None:
    """A bridge and a veth pair in a private network namespace (gone with the child)."""
    from dockerlab.engine.runtime import libc
    libc.unshare(libc.CLONE_NEWNET)
    from pyroute2 import IPRoute
    with IPRoute() as ipr:
        ipr.link("add", ifname="dlab-doctor", kind="bridge")
        ipr.link("add", ifname="dlab-dv0", kind="veth", peer={"ifname": "dlab-dv1"})


def _cgroups() -> Finding:
    from dockerlab.engine.cgroups.layout import Layout
    try:
        layout = Layout.detect()
    except Exception as e:  # noqa: BLE001 - plain words for people
        return Finding(False, "cgroups", str(e))
    wanted = {"memory": "--memory", "cpu": "--cpus", "pids": "--pids-limit"}
    have = layout.features()
    missing = [flag for name, flag in wanted.items() if name not in have]
    detail = _("version {n}").format(n=layout.version)
    if missing:
        detail += " — " + _("these limits will be ignored: {flags}").format(flags=", ".join(missing))
    else:
        detail += " — " + _("memory, CPU and process-count limits work")
    return Finding(True, "cgroups", detail)


def _probe(label: str, probe: Callable[[], None], ok_text: str, bad_text: str) -> Finding:
    error = in_child(probe)
    return Finding(error is None, label, ok_text if error is None else f"{bad_text} ({error})")


def _neighbours() -> Finding:
    """Docker or podman on the same machine: fine, but say so (their subnets are avoided)."""
    found = [tool for tool in ("dockerd", "podman") if shutil.which(tool)]
    if not found:
        return Finding(True, _("other engines"), _("none found"))
    return Finding(True, _("other engines"),
                   _("{tools} found: dockerlab uses its own bridges and subnets and never "
                     "touches theirs").format(tools=", ".join(found)))


def findings() -> list[Finding]:
    out = []
    root = os.geteuid() == 0
    out.append(Finding(root, _("root"), _("running as root") if root else
                       _("not root: run dockerlab with sudo")))
    if root:
        out.append(_probe(_("namespaces"), _namespaces, "mount, uts, ipc, net, pid",
                          _("the kernel refuses new namespaces")))
        out.append(_probe("overlayfs", _overlay, _("an overlay mount works"),
                          _("no overlay mount: load the module (modprobe overlay)")))
        out.append(_cgroups())
        out.append(_probe(_("network"), _bridge, _("a bridge and a veth pair can be made"),
                          _("cannot make a bridge")))
    else:
        out.append(Finding(False, _("namespaces, overlayfs, cgroups, network"),
                           _("not checked: these checks need root")))
    bb = shutil.which("busybox") or ("/bin/busybox" if os.path.exists("/bin/busybox") else None)
    out.append(Finding(bool(bb), "busybox-static", bb or _("missing: apt-get install busybox-static")))
    out.append(_neighbours())
    return out


def run() -> int:
    results = findings()
    for f in results:
        mark = "✓" if f.ok else "✗"
        print(f"{mark} {f.label}: {f.detail}")
    return 0 if all(f.ok for f in results) else 1
