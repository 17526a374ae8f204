"""The cache serving a lab: one process per state root, on the gateway of each lab bridge.

A container knows one way out of its bridge, its gateway, so that is where
it finds the cache (port 3142), whichever network it is on: the default
bridge or one made with `docker network create`. The network code asks for
it when it makes a bridge network ready for a container
(NetworkManager.prepare_default and NetworkManager.prepare). The cache
listens on those gateway addresses only, never on the host's other
interfaces, and containers reach it with no route and no NAT: a gateway is
the host's own address on their bridge (see network/isolation.py).

Each listening socket is made here and handed to the process, at its
start or later over its control socket (`run/pkgcache.sock`): a busy port
is reported at once, and the cache accepts connections on the address as
soon as this returns. Its pid file lives in the root's run/ directory, so
`system reset` (which kills every run/**/*.pid) stops it.
"""
from __future__ import annotations

import logging
import os
import socket
import sys
from pathlib import Path

from ..fsutil import locked
from ..settings import Settings
from .config import PORT

log = logging.getLogger("dockerlab.pkgcache")
MODULE = "dockerlab.engine.pkgcache"
HAND_OVER_SECONDS = 10


def pidfile(settings: Settings) -> Path:
    return settings.run_dir / "pkgcache" / "server.pid"


def control_path(settings: Settings) -> Path:
    """The control socket: directly under run/, short (unix socket paths max 107 bytes)."""
    return settings.run_dir / "pkgcache.sock"


def _addrfile(settings: Settings) -> Path:
    return settings.run_dir / "pkgcache" / "server.addr"


def _lockfile(settings: Settings) -> Path:
    return settings.run_dir / "pkgcache" / ".lock"


def running_pid(settings: Settings) -> int | None:
    """The pid of this root's cache process when it is alive (not a zombie, not a reused pid)."""
    try:
        pid = int(pidfile(settings).read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, ValueError, IndexError):
        return None
    return pid if MODULE.encode() in cmdline and state != "Z" else None


def listening_on(settings: Settings) -> list[str]:
    """The `address:port` the running cache serves, one per lab bridge (sorted)."""
    try:
        return sorted(_addrfile(settings).read_text().split())
    except OSError:
        return []


def ensure_serving(settings: Settings, gateway: str, port: int = PORT) -> int:
    """Make this root's cache listen on `gateway:port` too (starting it if needed); its pid."""
    where = f"{gateway}:{port}"
    pid = running_pid(settings)
    if pid is not None and where in listening_on(settings):
        return pid                                   # every start after the first: no lock
    _lockfile(settings).parent.mkdir(parents=True, exist_ok=True)
    with locked(_lockfile(settings)):
        pid = running_pid(settings)
        if pid is not None and where in listening_on(settings):
            return pid
        from .server import listen
        sock = listen(gateway, port)
        try:
            if pid is not None and _hand_over(settings, sock):
                return pid
            if pid is not None:                      # a cache without a control socket
                stop(settings)
            return _start(settings, sock, where)
        finally:
            sock.close()


def _hand_over(settings: Settings, sock: socket.socket) -> bool:
    """Give the running cache one more listening socket; False when it cannot take it."""
    from .listeners import HAND_OVER
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(HAND_OVER_SECONDS)
            conn.connect(str(control_path(settings)))
            socket.send_fds(conn, [HAND_OVER], [sock.fileno()])
            return conn.recv(16).startswith(b"ok")
    except OSError as err:
        log.warning("package cache: could not hand %s over: %s", sock.getsockname(), err)
        return False


def _start(settings: Settings, sock: socket.socket, where: str) -> int:
    """Start the cache process serving `sock`, with a fresh control socket."""
    import subprocess
    log_path = settings.run_dir / "pkgcache" / "server.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    ctl_path = control_path(settings)
    ctl_path.unlink(missing_ok=True)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as control:
        control.bind(str(ctl_path))
        os.chmod(ctl_path, 0o600)
        control.listen(8)
        with open(log_path, "ab") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", MODULE, "serve", "--root", str(settings.root),
                 "--fd", str(sock.fileno()), "--control", str(control.fileno())],
                pass_fds=[sock.fileno(), control.fileno()], stdin=subprocess.DEVNULL,
                stdout=out, stderr=out, start_new_session=True, cwd="/")
    _await_exec(proc.pid)
    _addrfile(settings).write_text(where + "\n")
    pidfile(settings).write_text(f"{proc.pid}\n")    # only the pid: system reset reads it
    return proc.pid


def _await_exec(pid: int) -> None:
    """Wait until the new process shows its command line (running_pid reads it).

    Popen returns once execve is past its point of no return, but for a few
    hundred microseconds more /proc/PID/cmdline is still empty.
    """
    import time
    for _ in range(1000):
        try:
            if Path(f"/proc/{pid}/cmdline").read_bytes():
                return
        except OSError:
            return
        time.sleep(0.001)


def _processes_of(settings: Settings) -> list[int]:
    """Cache processes serving this root, found in /proc (a killed CLI may have left no pid file)."""
    wanted = [MODULE.encode(), b"--root\0" + str(settings.root).encode() + b"\0"]
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if all(w in cmdline for w in wanted):
            found.append(int(entry.name))
    return found


def stop(settings: Settings) -> None:
    """Stop this root's cache processes (network teardown and system reset call this)."""
    for pid in {*_processes_of(settings), *filter(None, [running_pid(settings)])}:
        try:
            os.kill(pid, 15)
        except ProcessLookupError:
            pass
    for path in (pidfile(settings), _addrfile(settings), control_path(settings)):
        path.unlink(missing_ok=True)


def hook_bridge_up(settings: Settings, gateway: str) -> None:
    """For the network code: never let the cache stop a container from starting."""
    try:
        ensure_serving(settings, gateway)
    except OSError as err:
        log.warning("package cache not started on %s:%s: %s", gateway, PORT, err)


def serve(root: str, fd: int, control_fd: int) -> None:
    """The cache process's main loop (see __main__.py and listeners.py)."""
    from .config import config_for
    from .listeners import Listeners
    settings = Settings.load(root)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(message)s")
    listeners = Listeners(settings, config_for(settings.extra), _addrfile(settings),
                          _lockfile(settings))
    listeners.add(socket.socket(fileno=fd))
    listeners.serve(socket.socket(fileno=control_fd))
