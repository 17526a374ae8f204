"""Start the kernel's wait for a cgroup move early, so the container's own move need not wait.

Moving a task into a cgroup takes the kernel's cgroup_threadgroup_rwsem for
writing. When nobody has moved a task for a while, taking it first waits for a
full RCU grace period (8-12 ms on these machines, HZ=250); moves made just after
another one skip that wait. A container start moves its first process ~12 ms
after the start begins, and everything after waits for it. So the engine makes
a no-op move at the very start (lifecycle.start), in a thread: this process
into its own cgroup. The grace period then runs while the shim is forked and
the child builds its root, and the container's move finds it over.

The zygote primes once more right after it forks the shim. The caller's
prime thread competes for its interpreter's lock with the start itself, while
the zygote's runs at once in an idle process. A/B runs put the two together
1-3 ms ahead of the caller's prime alone, on a VM too noisy to say more.
Making the cgroup's directories before the prime (tried, since the move holds
the kernel's cgroup_mutex during the grace period and a mkdir waits for it)
only delayed the prime by their 0.75 ms.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

from .layout import Layout


def own_procs_file(layout: Layout, proc_cgroup: str = "/proc/self/cgroup") -> Path | None:
    """This process's cgroup.procs in one hierarchy of `layout` (None if it has none)."""
    with open(proc_cgroup) as f:
        for line in f:
            hierarchy, controllers, path = line.rstrip("\n").split(":", 2)
            if layout.version == 2 and hierarchy == "0":
                return layout.root / path.lstrip("/") / "cgroup.procs"
            if layout.version == 1:
                for controller in controllers.split(","):
                    if controller in layout.roots:
                        return layout.roots[controller] / path.lstrip("/") / "cgroup.procs"
    return None


def _move_in_place(procs: Path) -> None:
    try:
        fd = os.open(procs, os.O_WRONLY | os.O_CLOEXEC)
        try:
            os.write(fd, str(os.getpid()).encode())
        finally:
            os.close(fd)
    except OSError:
        pass      # refused (v2's no-internal-process rule...): the kernel waited anyway


_primed_at = float("-inf")
_SAME_START = 0.1      # seconds: a prime this recent serves the start under way


def prime_attach() -> None:
    """Begin the grace period a cgroup move waits for, without waiting for it here.

    lifecycle.start calls it first thing and launch() again (for callers that
    launch a shim directly); the second call, moments later, does nothing.
    /proc/self/cgroup is read each time: a move into a cgroup this process has
    since left would not be a no-op.
    """
    global _primed_at
    now = time.monotonic()
    if now - _primed_at < _SAME_START:
        return
    _primed_at = now
    try:
        procs = own_procs_file(Layout.detect())     # found once per process (layout.py)
    except Exception:  # noqa: BLE001 - an optimisation only: no file, no priming
        return
    if procs is not None:
        import threading
        threading.Thread(target=_move_in_place, args=(procs,), daemon=True,
                         name="cgroup-prime").start()
