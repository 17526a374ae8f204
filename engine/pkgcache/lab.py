"""The cache serving a lab: one process per state root, on the default bridge's gateway.

Started by the network code when the default bridge is brought up
(NetworkManager.ensure_default), so containers find it at their gateway,
port 3142. It listens on that address only, never on the host's other
interfaces. Its pid file lives in the root's run/ directory, so
`system reset` (which kills every run/**/*.pid) stops it. The listening
socket is made here and handed to the process: a busy port is reported at
once, and the cache accepts connections as soon as this returns.
"""
from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

from ..settings import Settings
from .config import PORT
from .server import listen

log = logging.getLogger("dockerlab.pkgcache")
MODULE = "dockerlab.engine.pkgcache"


def pidfile(settings: Settings) -> Path:
    return settings.run_dir / "pkgcache" / "server.pid"


def running_pid(settings: Settings) -> int | None:
    """The pid of this root's cache process when it is alive (not a zombie, not a reused pid)."""
    try:
        pid = int(pidfile(settings).read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, ValueError, IndexError):
        return None
    return pid if MODULE.encode() in cmdline and state != "Z" else None


def _addrfile(settings: Settings) -> Path:
    return settings.run_dir / "pkgcache" / "server.addr"


def listening_on(settings: Settings) -> str:
    """`gateway:port` the running cache serves (written next to its pid file)."""
    try:
        return _addrfile(settings).read_text().strip()
    except OSError:
        return ""


def ensure_serving(settings: Settings, gateway: str, port: int = PORT) -> int:
    """Start this root's cache on `gateway:port` unless it already runs there; its pid."""
    pid = running_pid(settings)
    where = f"{gateway}:{port}"
    if pid is not None and listening_on(settings) == where:
        return pid
    if pid is not None:
        stop(settings)
    sock = listen(gateway, port)
    log_path = settings.run_dir / "pkgcache" / "server.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(log_path, "ab") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", MODULE, "serve", "--root", str(settings.root),
                 "--fd", str(sock.fileno())],
                pass_fds=[sock.fileno()], stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                start_new_session=True, cwd="/")
    finally:
        sock.close()
    _addrfile(settings).write_text(where + "\n")
    pidfile(settings).write_text(f"{proc.pid}\n")    # only the pid: system reset reads it
    return proc.pid


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
    pidfile(settings).unlink(missing_ok=True)
    _addrfile(settings).unlink(missing_ok=True)


def hook_bridge_up(settings: Settings, gateway: str) -> None:
    """For the network code: never let the cache stop a container from starting."""
    try:
        ensure_serving(settings, gateway)
    except OSError as err:
        log.warning("package cache not started on %s:%s: %s", gateway, PORT, err)


def serve(root: str, fd: int) -> None:
    """The cache process's main loop (see __main__.py)."""
    import socket
    from .config import config_for
    from .server import CacheServer
    settings = Settings.load(root)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(message)s")
    sock = socket.socket(fileno=fd)
    server = CacheServer(sock, config_for(settings.extra))
    server.serve_forever()
