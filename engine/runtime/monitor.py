"""Slim mode: an idle shim re-executes itself as a lean interpreter.

The shim is forked from its caller so that a start costs milliseconds, but the
fork carries every module the caller had loaded (the CLI, the builder, pyroute2,
the guided shell...): about 20 MB that become the shim's own once the caller
exits. Once its container has run for a second with nobody attached, the shim
execs a fresh interpreter (shimboot.py) that loads only what watching a container
needs, and hands over its descriptors and its state through a memfd. The pid,
the process start time (what StateFile.shim_alive checks), the subreaper flag
and the container process as its child all survive execve, so nothing else in
the engine notices. Set DOCKERLAB_SHIM_SLIM=0 to keep shims as forked.
"""
from __future__ import annotations

import os
import sys
import time

IDLE_SECONDS = 1.0
# Modules whose presence means the shim still carries its caller's weight.
HEAVY = ("dockerlab.engine.runtime.startup", "dockerlab.cli", "dockerlab.engine.images",
         "pyroute2", "dockerlab.tutor")
BOOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "shimboot.py")


def is_slim(pid: int) -> bool:
    """Whether shim `pid` now runs shimboot.py as a slim shim (a shim forked by the
    zygote runs the zygote's command line, shimboot.py ... zygote, until it slims)."""
    try:
        argv = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")[:-1]
    except OSError:
        return False
    return any(arg.endswith(b"shimboot.py") for arg in argv) and argv[-1] != b"zygote"


def idle_tick(shim) -> None:
    """Called by the shim's loop when a select timed out with the container running."""
    if time.monotonic() - getattr(shim, "started_at", 0.0) >= IDLE_SECONDS and can_slim(shim):
        slim(shim)


def can_slim(shim) -> bool:
    if os.environ.get("DOCKERLAB_SHIM_SLIM", "1") == "0" or getattr(shim, "slim_failed", False):
        return False
    if not sys.executable or not any(name in sys.modules for name in HEAVY):
        return False      # nowhere to exec, or lean already
    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() > 1:
        return False      # a port proxy or other thread would die with the exec
    if shim.health is not None and shim.health.probe is not None:
        return False      # a probe's process and pipe would not cross the exec
    req = shim.req
    return (not shim.io.clients and not shim.kill_at and not shim.manual_stop
            and not req.listeners and req.lock_fd is None and shim.report_fd is None)


def slim(shim) -> None:
    """Exec shimboot.py with this shim's state; returns only if that failed."""
    import pickle
    io = shim.io
    fds = {"server": shim.server.fileno(), "outputs": dict(io.outputs),
           "master": io.master_fd, "stdin": io.stdin_fd}
    try:
        path = [entry for entry in sys.path if entry]   # site-packages: not found without site
        state = {"req": shim.req, "pid": shim.pid, "fds": fds, "partial": io.log.partial,
                 "restarts": shim.restarts, "backoff": shim.backoff, "oom_before": shim.oom_before,
                 "health": shim.health}
        blob = pickle.dumps(path) + pickle.dumps(state)
    except (pickle.PicklingError, TypeError, AttributeError) as e:
        print(f"shim: staying as forked, its state does not pickle: {e}")
        shim.slim_failed = True
        return
    memfd = os.memfd_create("dockerlab-shim-state", 0)
    view = memoryview(blob)
    while view:
        view = view[os.write(memfd, view):]
    os.lseek(memfd, 0, os.SEEK_SET)
    inherited = [fd for fd in (memfd, fds["server"], *fds["outputs"], fds["master"], fds["stdin"])
                 if fd is not None]
    for fd in inherited:
        os.set_inheritable(fd, True)
    packages = [sys.modules["dockerlab"].__path__[0], sys.modules["dockerlab.engine"].__path__[0]]
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execv(sys.executable, [sys.executable, "-I", "-S", BOOT, str(memfd), *packages])
    except OSError as e:
        print(f"shim: exec of a slim shim failed, staying as forked: {e}")
        shim.slim_failed = True
        for fd in inherited:
            os.set_inheritable(fd, False)
        os.close(memfd)


def resume(memfd: int) -> None:
    """In the new interpreter: rebuild the shim around the running container and go on."""
    import pickle
    try:
        with os.fdopen(memfd, "rb") as f:
            sys.path[:] = pickle.load(f)     # before the state, whose classes it may need
            state = pickle.load(f)
        from .shimloop import Shim
        Shim.resumed(state).lifecycle(start=False)
    except BaseException:  # noqa: BLE001 - the shim's log is the only place to tell
        import traceback
        traceback.print_exc()
    finally:
        os._exit(0)
