"""`docker exec`: a new process inside a running container's namespaces and cgroup."""
from __future__ import annotations

import json
import os
import signal

from .. import security
from ..fsutil import read_fd
from . import libc
from .process import ExecError, build_env, find_executable, resolve_user

NAMESPACES = [("ipc", libc.CLONE_NEWIPC), ("uts", libc.CLONE_NEWUTS), ("net", libc.CLONE_NEWNET),
              ("pid", libc.CLONE_NEWPID), ("mnt", libc.CLONE_NEWNS)]
PR_SET_DUMPABLE = 4
EXEC_PREFIX = "OCI runtime exec failed: exec failed: unable to start container process: "


def _enter(pid: int) -> None:
    fds = [(os.open(f"/proc/{pid}/ns/{name}", os.O_RDONLY), flag) for name, flag in NAMESPACES]
    for fd, flag in fds:
        libc.setns(fd, flag)
        os.close(fd)


def spawn(engine, cid: str, cmd: list[str], *, user: str | None = None, env: list[str] | None = None,
          workdir: str | None = None, tty_slave: str | None = None,
          stdio: tuple[int, int, int] = (0, 1, 2)) -> int:
    """Fork a process in the container; returns its host pid (a child of the caller).

    Errors before execve (user, workdir, not found) raise ExecError with
    Docker's message once the caller waits (see `wait`).
    """
    from .. import cgroups
    from ..lifecycle import require_running, spec_of
    state = require_running(engine, cid)
    spec = spec_of(engine, engine.containers.load(cid))
    from ..security import seccomp_bpf
    seccomp_bpf.cache_dir = engine.settings.root / "cache" / "seccomp"
    return spawn_in(spec, state["Pid"], cgroups.Cgroup(engine.settings, cid), cmd, user=user, env=env,
                    workdir=workdir, tty_slave=tty_slave, stdio=stdio)


def spawn_in(spec, init_pid: int, cgroup, cmd: list[str], *, user: str | None = None,
             env: list[str] | None = None, workdir: str | None = None, tty_slave: str | None = None,
             stdio: tuple[int, int, int] = (0, 1, 2), die_with_parent: bool = False) -> int:
    """`spawn` for a caller that holds the container's spec, pid 1 and cgroup (the shim's
    health checks). With `die_with_parent`, killing the returned process kills the
    program too (it is that process's child, inside the container's pid namespace)."""
    from .child import _security, reset_signals, set_ulimits, setup_stdio
    err_r, err_w = os.pipe2(os.O_CLOEXEC)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - forked
        code, message = 126, "exec failed"
        try:
            # Before entering: a container process must not ptrace or read /proc/<pid>/ of
            # this host Python (its exe, maps, fds); execve makes the program dumpable again.
            libc.prctl(PR_SET_DUMPABLE, 0)
            os.close(err_r)
            opts = _security(spec)
            security.prepare_seccomp(opts)   # reads the profile: before entering the mount ns
            cgroup.add(os.getpid())
            _enter(init_pid)
            inner = os.fork()   # entering a pid namespace takes effect for children
            if inner:
                os.close(err_w)   # only the process that execs may hold it, or EOF never comes
                _, status = os.waitpid(inner, 0)
                os._exit(os.waitstatus_to_exitcode(status) & 0xFF if os.WIFEXITED(status)
                         else 128 + os.WTERMSIG(status))
            if die_with_parent:
                libc.prctl(libc.PR_SET_PDEATHSIG, signal.SIGKILL)
            reset_signals()
            if spec.ulimits:
                set_ulimits(spec.ulimits)      # as runc gives an exec the container's rlimits
            setup_stdio(tty_slave, stdio if not tty_slave else None)
            u = resolve_user(user if user is not None else spec.user, spec.group_add)
            os.chdir(workdir or spec.cwd or "/")
            full_env = build_env(list(spec.env) + list(env or []), u, spec.hostname, bool(tty_slave))
            security.drop_privileges(opts, u.uid, u.gid, u.groups)
            exe = find_executable(cmd[0], full_env.get("PATH", ""))
            security.apply_seccomp(opts)
            os.execve(exe, cmd, full_env)
        except ExecError as e:
            code, message = e.code, str(e)
        except BaseException as e:  # noqa: BLE001
            message = str(e)
        try:
            os.write(err_w, json.dumps({"message": message, "code": code}).encode())
        finally:
            os._exit(code)
    os.close(err_w)
    failure = read_fd(err_r)
    os.close(err_r)
    if failure:
        os.waitpid(pid, 0)
        info = json.loads(failure)
        raise ExecError(EXEC_PREFIX + info["message"] + ": unknown", info["code"])
    return pid


def wait(pid: int) -> int:
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)


def run_captured(engine, cid: str, cmd: list[str], **kw) -> tuple[int, bytes]:
    """Run `cmd` and return (exit code, stdout+stderr) — for checks and tests."""
    r, w = os.pipe()
    null = os.open(os.devnull, os.O_RDONLY)
    try:
        pid = spawn(engine, cid, cmd, stdio=(null, w, w), **kw)
    except ExecError as e:
        os.close(w)
        os.close(r)
        return e.code, str(e).encode()
    finally:
        os.close(null)
    os.close(w)
    out = read_fd(r)
    os.close(r)
    return wait(pid), out
