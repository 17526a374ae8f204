"""The container's first process, from fork to execve.

Runs in the shim's fork, already in the new pid namespace (it is PID 1).
Order follows runc: namespaces, wait for the shim (cgroup joined, network
plugged), rootfs and pivot_root, hostname, user and security, execve.
Any failure is written as JSON to `err_fd` (close-on-exec, so EOF there
means execve succeeded) and the process exits with Docker's code.
"""
from __future__ import annotations

import fcntl
import json
import os
import signal
import socket
import struct
import termios

from .. import security   # imported before pivot_root: the host's files vanish after it
from . import libc
from .ptys import setup_console
from .trace import mark
from .process import ExecError, build_env, find_executable, prepare_cwd, resolve_user
from .rootfs import build_rootfs
from .spec import ContainerSpec

SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1


def reset_signals() -> None:
    """Give the program default signal dispositions: an ignored SIGTERM (the shim ignores it,
    Python ignores SIGPIPE) would survive execve, and `docker stop` would wait for nothing."""
    signal.set_wakeup_fd(-1)
    for sig in range(1, signal.NSIG):
        if sig in (signal.SIGKILL, signal.SIGSTOP):
            continue
        try:
            signal.signal(sig, signal.SIG_DFL)
        except (OSError, ValueError):
            pass
    signal.pthread_sigmask(signal.SIG_SETMASK, [])


def namespace_flags(spec: ContainerSpec) -> int:
    flags = libc.CLONE_NEWNS | libc.CLONE_NEWUTS | libc.CLONE_NEWIPC
    if spec.network_mode != "host" and spec.join_netns_pid is None:
        flags |= libc.CLONE_NEWNET
    return flags


def loopback_up() -> None:
    """Bring `lo` up in the new network namespace (a plain ioctl, no netlink needed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        ifr = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(s, SIOCGIFFLAGS, ifr))[1]
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | IFF_UP))


def setup_stdio(tty_slave: str | None, stdio: tuple[int, int, int] | None) -> None:
    os.setsid()
    if tty_slave:
        fd = os.open(tty_slave, os.O_RDWR)
        fcntl.ioctl(fd, termios.TIOCSCTTY, 0)
        for target in (0, 1, 2):
            os.dup2(fd, target)
        if fd > 2:
            os.close(fd)
    elif stdio:
        for target, fd in enumerate(stdio):
            os.dup2(fd, target)


def _security(spec: ContainerSpec) -> security.SecurityOptions:
    """The spec's security settings, parsed with the daemon's rules (checked at create)."""
    opts = security.SecurityOptions(privileged=spec.privileged, cap_add=list(spec.cap_add),
                                    cap_drop=list(spec.cap_drop), read_only_rootfs=spec.read_only,
                                    masked_paths=spec.masked_paths,
                                    readonly_paths=spec.readonly_paths)
    security.parse_security_opt(list(spec.security_opt), opts)
    return opts


def size_console(size: tuple[int, int]) -> None:
    """The console (our stdio now) takes HostConfig.ConsoleSize before the program runs, as
    dockerd does: `docker run -t img stty size` reads it with no resize to wait for."""
    rows, cols = size
    if rows and cols:
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def run_child(spec: ContainerSpec, sync_w: int, go_r: int, err_fd: int,
              console_sock: int | None, stdio: tuple[int, int, int] | None) -> None:
    """Never returns: execs the container's program or exits with an error code.

    With a tty, `console_sock` is the child's end of the console socket: the
    pty is made after pivot_root from the container's devpts (see ptys.py).
    """
    code = 125
    try:
        mark("child.begin")
        reset_signals()
        if spec.join_netns_pid is not None:
            with open(f"/proc/{spec.join_netns_pid}/ns/net") as ns:
                libc.setns(ns.fileno(), libc.CLONE_NEWNET)
        mark("child.unshare")
        libc.unshare(namespace_flags(spec))
        mark("child.unshared")
        os.write(sync_w, b"u")
        # While the shim joins the cgroup and plugs the network (a cgroup v1
        # attach waits for an RCU grace period, ~10 ms), the root is built.
        setup_stdio(None, stdio)
        if spec.network_mode != "host":
            libc.sethostname(spec.hostname or spec.id[:12])
        opts = _security(spec)
        mark("child.prepare_seccomp")
        security.prepare_seccomp(opts)   # needs the profile file: before pivot_root
        mark("child.rootfs")
        build_rootfs(spec, console_sock is not None)
        if console_sock is not None:
            setup_console(console_sock)
            size_console(spec.console_size)
        if namespace_flags(spec) & libc.CLONE_NEWNET:
            loopback_up()
        program = prepare_exec(spec, opts)
        mark("child.wait_go")
        if os.read(go_r, 1) != b"g":    # in the cgroup, network plugged: only now run its code
            os._exit(125)
        mark("child.go")
        exec_program(program, opts)
    except ExecError as e:
        code, message = e.code, str(e)
    except OSError as e:
        message = str(e)
    except BaseException as e:  # noqa: BLE001 - reported to the user, never a traceback
        message = f"{type(e).__name__}: {e}"
    try:
        os.write(err_fd, json.dumps({"message": message, "code": code}).encode())
    finally:
        os._exit(code)


def prepare_exec(spec: ContainerSpec, opts: security.SecurityOptions) -> tuple:
    """Everything before the privileges go, done while the shim's cgroup move waits for
    the kernel: user, working directory, environment, masked paths. None of it runs
    the container's code; an error here is reported as one after "go" would be."""
    user = resolve_user(spec.user, spec.group_add)
    prepare_cwd(spec.cwd)
    env = build_env(spec.env, user, spec.hostname, spec.tty)
    if not spec.args:
        raise ExecError("no command specified", 125)
    security.protect_paths(opts)
    if spec.ulimits:
        set_ulimits(spec.ulimits)
    return spec.args, env, user


def set_ulimits(ulimits: list[dict]) -> None:
    """--ulimit name=soft[:hard], set while still root (a hard limit may go up only then)."""
    import resource
    for u in ulimits:
        which = getattr(resource, "RLIMIT_" + u["Name"].upper())
        soft, hard = (resource.RLIM_INFINITY if v == -1 else int(v) for v in (u["Soft"], u["Hard"]))
        resource.setrlimit(which, (soft, hard))


def exec_program(program: tuple, opts: security.SecurityOptions) -> None:
    """In the cgroup, network plugged: drop privileges, find the program as its user
    (Go's exec.LookPath in runc's init), confine, exec."""
    args, env, user = program
    security.drop_privileges(opts, user.uid, user.gid, user.groups)
    exe = find_executable(args[0], env.get("PATH", ""))
    mark("child.apply_seccomp")
    security.apply_seccomp(opts)
    mark("child.execve")
    os.execve(exe, args, env)
