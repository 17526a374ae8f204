"""The zygote: a small interpreter that forks the shims of a long-lived process.

A shim forked from its caller copies the caller's page tables (the guided shell,
the API daemon, a test run: 40 MB and more); every page either side writes
afterwards is copied once more, and the container's first process, forked from
the shim, unmaps that whole copy again at its execve. On this VM that was a third
of a start's CPU. The zygote is a fresh `python -I -S` (shimboot.py) that has
imported only what a shim and a container child run; shims are forked from it,
and the caller itself is never forked, so its pages stay its own.

Protocol, on a SOCK_SEQPACKET socketpair: the caller sends its sys.path; the
zygote imports, answers "ready", then forks one shim per message (the pickled
request, with the report pipe, the attach socket and the lifecycle lock as
SCM_RIGHTS descriptors) and reaps them. It exits when the caller's end closes;
running shims go on. Until it is ready, or for a request it cannot carry (port
proxies hold threads and sockets), the caller forks the shim itself.

A one-shot CLI process does not start one (it would cost more than it saves):
dockerlab/main.py turns it off; DOCKERLAB_ZYGOTE=0 turns it off everywhere.
"""
from __future__ import annotations

import os
import socket
import sys
import threading

BOOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "shimboot.py")
MAX_MESSAGE = 1 << 20
MAX_SPAWNS = 3          # a zygote that keeps dying is given up for this process

_enabled = True
_current: "Zygote | None" = None
_spawns = 0
_lock = threading.Lock()       # the API daemon starts containers from several threads


def disable() -> None:
    """No zygote in this process (the one-shot CLI)."""
    global _enabled
    _enabled = False


class Zygote:
    """The caller's handle: the zygote process and its socket."""

    def __init__(self) -> None:
        import pickle
        import subprocess
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        packages = [sys.modules["dockerlab"].__path__[0], sys.modules["dockerlab.engine"].__path__[0]]
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-I", "-S", BOOT, str(theirs.fileno()), *packages, "zygote"],
                pass_fds=[theirs.fileno()], start_new_session=True, cwd="/",
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        finally:
            theirs.close()
        self.sock = mine
        self.sock.send(pickle.dumps({"path": [entry for entry in sys.path if entry]}))
        self.sock.setblocking(False)
        self.ready = self.broken = False

    def poll_ready(self) -> bool:
        """True once the zygote has imported what it needs (never blocks)."""
        if not self.ready and not self.broken:
            try:
                answer = self.sock.recv(16)
                self.ready, self.broken = answer == b"ready", answer != b"ready"
            except BlockingIOError:
                pass
            except OSError:
                self.broken = True
        return self.ready

    def send(self, job: bytes, fds: list[int]) -> bool:
        try:
            socket.send_fds(self.sock, [job], fds)
            return True
        except BlockingIOError:
            return False            # its queue is full: this one is forked by the caller
        except OSError:
            self.broken = True      # it died: the caller forks, a new zygote comes next time
            return False

    def close(self) -> None:
        self.sock.close()
        try:
            self.proc.wait(timeout=5)
        except Exception:  # noqa: BLE001 - it exits on EOF; a stuck one is killed
            self.proc.kill()
            self.proc.wait()


def shutdown() -> None:
    """Stop this process's zygote now (it would go at exit); running shims go on."""
    global _current
    with _lock:
        if _current is not None:
            _current.close()
            _current = None


def _zygote() -> Zygote | None:
    """This process's zygote, started on first use; None when off or given up."""
    if not _enabled or os.environ.get("DOCKERLAB_ZYGOTE", "1") == "0":
        return None
    with _lock:
        return _current_or_new()


def _current_or_new() -> Zygote | None:
    global _current, _spawns
    if _current is not None and _current.broken:
        _current.close()
        _current = None
    if _current is None and _spawns < MAX_SPAWNS and "dockerlab.engine" in sys.modules:
        _spawns += 1
        try:
            _current = Zygote()
        except OSError:
            return None
    return _current


def fork_shim(req, report_w: int, attach: socket.socket | None) -> bool:
    """Have the zygote fork the shim of `req`; False if the caller must fork it."""
    if req.listeners:
        return False
    zygote = _zygote()
    if zygote is None or not zygote.poll_ready():
        return False
    import dataclasses
    import pickle
    fds = [report_w] + ([attach.fileno()] if attach is not None else [])
    if req.lock_fd is not None:
        fds.append(req.lock_fd)
    job = {"req": dataclasses.replace(req, lock_fd=None), "attach": attach is not None,
           "lock": req.lock_fd is not None, "env": dict(os.environ)}
    from .trace import mark
    mark("launch.zygote")
    return zygote.send(pickle.dumps(job), fds)


# -- in the zygote ----------------------------------------------------------------
def serve(fd: int) -> None:
    """The zygote's life: import, say ready, fork a shim per request, reap; never returns."""
    import gc
    import pickle
    import select
    import signal
    sock = socket.socket(fileno=fd)
    try:
        setup = pickle.loads(sock.recv(MAX_MESSAGE))
        sys.path[:] = setup["path"]
        from . import shim
        from .trace import mark
        from ..cgroups.prime import prime_attach
        shim.preload()
        from .. import engine, lifecycle, startplan  # noqa: F401 - a --rm shim deletes its record
        gc.freeze()
        wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        signal.set_wakeup_fd(wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        sock.send(b"ready")
        while True:
            ready, _, _ = select.select([sock, wake_r], [], [])
            if wake_r in ready:
                _drain(wake_r)
                _reap()
            if sock in ready:
                msg, fds, _flags, _addr = socket.recv_fds(sock, MAX_MESSAGE, 8)
                if not msg:
                    break           # the caller is gone
                mark("zygote.received")
                _fork(pickle.loads(msg), fds, [sock.fileno(), wake_r, wake_w])
                prime_attach()      # again, from this idle process (see prime.py)
    finally:
        os._exit(0)


def _fork(job: dict, fds: list[int], own: list[int]) -> None:
    from .trace import mark
    mark("zygote.fork")
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the shim
        mark("zygote.forked")
        import signal
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for fd in own:
            os.close(fd)
        _take_environ(job["env"])
        req, it = job["req"], iter(fds)
        report_w = next(it)
        attach = socket.socket(fileno=next(it)) if job["attach"] else None
        if job["lock"]:
            req.lock_fd = next(it)
        from .shim import shim_main
        shim_main(req, report_w, attach)
    for fd in fds:
        os.close(fd)


def _take_environ(env: dict[str, str]) -> None:
    """The caller's environment as of this start (tests change theirs), key by key:
    clearing and refilling os.environ cost a millisecond of every start."""
    for key in [k for k in os.environ if k not in env]:
        del os.environ[key]
    for key, value in env.items():
        if os.environ.get(key) != value:
            os.environ[key] = value


def _drain(fd: int) -> None:
    try:
        while os.read(fd, 512):
            pass
    except BlockingIOError:
        pass


def _reap() -> None:
    from .state import ended_children
    for _ in ended_children():
        pass
