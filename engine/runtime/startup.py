"""Fork the container's first process and bring it to execve, step by step."""
from __future__ import annotations

import gc
import json
import os
from dataclasses import dataclass, field

from ..fsutil import read_fd
from . import libc
from .child import run_child
from .trace import mark
from .shim import LaunchError, ShimRequest


@dataclass
class ProcessFds:
    master: int | None = None
    stdout: int | None = None
    stderr: int | None = None
    stdin: int | None = None
    network: dict = field(default_factory=dict)
    network_ip: str = ""


def _keep_only(keep: set[int]) -> None:
    """Close every inherited fd the child must not hold (sockets, other containers' pipes)."""
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2 and fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


def _stdio(spec):
    """(parent fds, child fds, console socket (shim's end, child's end) with a tty, pipes)."""
    if spec.tty:
        from .ptys import console_socketpair    # the child makes the pty: ptys.py
        shim_end, child_end = console_socketpair()
        return ProcessFds(), [child_end], (shim_end, child_end), None
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    if spec.stdin_open:
        in_r, in_w = os.pipe()
    else:
        in_r, in_w = os.open(os.devnull, os.O_RDONLY), None
    return (ProcessFds(stdout=out_r, stderr=err_r, stdin=in_w), [out_w, err_w, in_r], None,
            (in_r, out_w, err_w))


def start_process(req: ShimRequest, cgroup, meanwhile=None) -> tuple[int, ProcessFds]:
    """Fork the container's first process; `meanwhile()` runs once it is forked, before
    it joins `cgroup` (the shim makes the cgroup there); a failure there kills it."""
    spec = req.spec
    fds, child_fds, console, stdio = _stdio(spec)
    sync_r, sync_w = os.pipe()
    go_r, go_w = os.pipe()
    err_r, err_w = os.pipe2(os.O_CLOEXEC)
    own_pidns = None
    if spec.pid_mode != "host":      # --pid host: the container sees (and is seen by) every process
        own_pidns = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
        libc.unshare(libc.CLONE_NEWPID)
    pid = os.fork()
    if pid == 0:
        gc.disable()      # it execs in a few ms: no collection copying the shim's pages meanwhile
        from .trace import kept_fds
        _keep_only({sync_w, go_r, err_w, *child_fds, *kept_fds()})
        run_child(spec, sync_w, go_r, err_w, console[1] if console else None, stdio)
    if own_pidns is not None:
        libc.setns(own_pidns, libc.CLONE_NEWPID)  # later forks of the shim stay in the host's pid ns
        os.close(own_pidns)
    for fd in (sync_w, go_r, err_w, *child_fds):
        os.close(fd)
    try:
        if meanwhile is not None:
            _or_kill(pid, meanwhile)
        mark("shim.cgroup_add")
        cgroup.add(pid)
        mark("shim.cgroup_added")
        if os.read(sync_r, 1) == b"u":
            mark("shim.plug_network")
            try:
                fds.network, fds.network_ip = _plug_network(req, pid)
            except Exception:
                if not _ended(pid):
                    raise
                # it failed before "go" (its root, its user...), taking its netns: err_r says why
            try:
                os.write(go_w, b"g")
            except BrokenPipeError:
                pass   # the child failed while building its root: its error is on err_r
        os.close(go_w)
        failure = read_fd(err_r)
        mark("shim.exec_seen")
    finally:
        os.close(sync_r)
        os.close(err_r)
    if failure:
        os.waitpid(pid, 0)
        for fd in (fds.master, fds.stdout, fds.stderr, fds.stdin, console and console[0]):
            if fd is not None:
                os.close(fd)
        info = json.loads(failure)
        raise LaunchError(info["message"], info["code"])
    if console:
        fds.master = _console_master(pid, console[0])
    return pid, fds


def _ended(pid: int, patience: float = 0.1) -> bool:
    """True once the child has exited (not reaped: its status is read later), waiting
    `patience` s for one whose namespaces are gone but that is not a zombie yet."""
    import time
    deadline = time.monotonic() + patience
    while True:
        if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.002)


def _or_kill(pid: int, work) -> None:
    """Run `work()`; if it fails, the forked child must not outlive the shim's error."""
    try:
        work()
    except BaseException:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        raise


def _console_master(pid: int, sock_fd: int) -> int:
    """The pty master the child sent before its execve (a lost one ends the container)."""
    from .ptys import receive_master
    try:
        return receive_master(sock_fd)
    except OSError as err:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        raise LaunchError(f"could not set up the container's console: {err}", 125) from None


def _plug_network(req: ShimRequest, pid: int) -> tuple[dict, str]:
    """Connect the new netns to its networks; write /etc/hosts with the address."""
    from .hostsfile import write_hosts
    spec = req.spec
    networks, first_ip = {}, ""
    if req.networks:
        from ..network import NetworkManager
        manager = NetworkManager(req.settings)
        for name, opts in req.networks:
            ep = manager.connect(spec.id, spec.name, name, pid, **opts)
            networks[name] = ep
            first_ip = first_ip or ep.get("IPAddress", "")
    if len(networks) > 1:     # one line per network, as Docker writes them
        from ..network.live import write_hosts as write_hosts_per_network
        write_hosts_per_network(spec, networks)
    else:
        write_hosts(spec, first_ip)
    return networks, first_ip
