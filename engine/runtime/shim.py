"""The shim: one small process per container that outlives the CLI (the conmon model).

It owns the container's first process (as its parent and a subreaper), its
pty or pipes, its json log, its attach socket, its exit status and its
restart policy. It is forked from the caller (no new interpreter, so a start
costs milliseconds) into its own session; see `_reap_ended_shims` for why
there is no double fork, and monitor.py for how an idle shim sheds the
caller's memory.
"""
from __future__ import annotations

import gc
import json
import os
import signal
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..fsutil import crash_point
from .spec import ContainerSpec


@dataclass
class RestartPolicy:
    name: str = "no"          # no | on-failure | always | unless-stopped
    maximum_retry_count: int = 0

    def should_restart(self, exit_code: int, restarts: int, manually_stopped: bool) -> bool:
        if manually_stopped or self.name in ("", "no"):
            return False
        if self.name == "on-failure":
            return exit_code != 0 and (not self.maximum_retry_count or restarts < self.maximum_retry_count)
        return True


@dataclass
class ShimRequest:
    """What the engine hands the shim; the shim reads it after the fork."""

    spec: ContainerSpec
    settings: object
    limits: object = None                 # cgroups.Limits
    restart: RestartPolicy = field(default_factory=RestartPolicy)
    auto_remove: bool = False
    stop_signal: int = signal.SIGTERM
    networks: list = field(default_factory=list)   # [(network name, {ip, aliases, links})]
    listeners: list = field(default_factory=list)  # bound sockets for published ports
    on_removed: object = None             # callable(container_id): deletes the record (--rm)
    devices: tuple = ()                   # cgroup device rules; () = Docker's default list
    lock_fd: int | None = None            # the container's lifecycle lock: closed once started
    health: object = None                 # healthcheck.HealthPlan: probes the shim runs


class LaunchError(Exception):
    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.code = code


def preload(req: ShimRequest | None = None) -> None:
    """Import what the shim and the container child need before forking.

    Imported after the fork, they would be loaded again for every container
    (pyseccomp alone runs ldconfig twice); imported here, once per process.
    """
    from . import shimloop, startup  # noqa: F401
    from .. import cgroups, security  # noqa: F401
    if req is None or req.networks:   # pyroute2 costs ~90 ms to import: only when a network is plugged
        from ..network import manager, ports  # noqa: F401


def _drop_inherited_fds(req: ShimRequest, report_fd: int, attach: socket.socket | None) -> None:
    """Point every descriptor the shim inherited but does not use at /dev/null.

    A shim forked from the daemon or the guided shell would otherwise hold
    their listening sockets and flock()ed files for the container's lifetime.
    dup2 over them rather than close: a stale Python object of the parent
    may still close its number later, and must not close a file of ours.
    """
    from .trace import kept_fds
    keep = {0, 1, 2, report_fd, *kept_fds()}
    if attach is not None:
        keep.add(attach.fileno())
    keep.update(l.sock.fileno() for l in req.listeners if getattr(l, "sock", None) is not None)
    keep.update(fd for l in req.listeners if getattr(l, "group", None) is not None
                for fd in (l.group.r, l.group.w))      # the proxy's wake-up pipe
    if req.lock_fd is not None:
        keep.add(req.lock_fd)
    null = os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC)
    keep.add(null)
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd not in keep:
            try:
                os.dup2(null, fd, inheritable=False)
            except OSError:
                pass   # the listdir's own descriptor, already closed
    os.close(null)


def launch(req: ShimRequest, attach: socket.socket | None = None) -> int:
    """Start a detached shim for `req`; return the container's host pid once it runs.

    `attach` is one end of a socketpair that becomes the shim's first attached
    client before the program starts, so no output is lost. The shim is forked
    by this process's zygote when one is ready (zygote.py), else by this process.
    """
    from .trace import mark
    from . import zygote
    mark("launch.begin")
    _reap_ended_shims()
    from ..cgroups.prime import prime_attach
    prime_attach()          # done already when lifecycle.start called this
    r, w = os.pipe()
    try:
        by_zygote = zygote.fork_shim(req, w, attach)
        if not by_zygote:
            _fork_shim(req, w, attach)
    except BaseException:
        os.close(r)
        raise
    finally:
        os.close(w)
    crash_point("start:forked")
    with os.fdopen(r, "rb") as f:
        data = f.read()
    try:
        reply = json.loads(data.split(b"\n")[0]) if data else {}
    except ValueError:
        reply = {}
    if "pid" not in reply:
        raise LaunchError(reply.get("message", "the shim died before starting the container"),
                          reply.get("code", 125))
    return reply["pid"]


def _fork_shim(req: ShimRequest, report_w: int, attach: socket.socket | None) -> None:
    """Fork the shim from this process (no zygote ready, or a request it cannot carry)."""
    from .trace import mark
    preload(req)
    mark("launch.fork")
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the forked shim
        shim_main(req, report_w, attach)
    _our_shims.append(pid)


def shim_main(req: ShimRequest, report_w: int, attach: socket.socket | None) -> None:
    """The forked shim's life, from the fork to its exit; never returns."""
    from .trace import mark
    try:
        mark("shim.forked")
        # The collector would walk every object inherited from the forking process and so
        # copy each page they sit on (fork's copy-on-write): those objects are kept out of it.
        gc.freeze()
        os.setsid()
        _detach_stdio(req.spec.container_dir)
        _drop_inherited_fds(req, report_w, attach)
        mark("shim.detached")
        from ..security import seccomp_bpf     # read by the container's child (and its probes)
        seccomp_bpf.cache_dir = req.settings.root / "cache" / "seccomp"
        from .shimloop import Shim
        Shim(req, report_fd=report_w, first_client=attach).run()
    except BaseException:  # noqa: BLE001
        import traceback
        traceback.print_exc()
        try:
            os.write(report_w, json.dumps({"message": "shim failed (see shim.log)", "code": 125}).encode())
        except OSError:
            pass
    finally:
        os._exit(0)


_our_shims: list[int] = []


def _reap_ended_shims() -> None:
    """Collect the exit of shims this process forked and that have ended since.

    One fork, not the usual double fork: a second fork of a process this size
    cost ~3 ms of every start. The shim is thus this process's child until it
    exits (in its own session, so no signal of the caller's terminal reaches
    it), and this process reaps it: at the next launch, or by exiting. Only
    our own shims' pids are waited for, never -1, so the caller's other
    children (subprocess, pexpect) keep their exit statuses.
    """
    for pid in list(_our_shims):
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done = pid
        if done:
            _our_shims.remove(pid)


def _detach_stdio(container_dir: Path) -> None:
    """The shim must not hold the caller's terminal: stdio goes to shim.log."""
    null = os.open(os.devnull, os.O_RDONLY)
    log = os.open(container_dir / "shim.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
    os.dup2(null, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(null)
    os.close(log)
    sys.stdout = open(1, "w", closefd=False, buffering=1)
    sys.stderr = open(2, "w", closefd=False, buffering=1)



