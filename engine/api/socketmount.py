"""`-v /var/run/docker.sock:/var/run/docker.sock` in a lab: dockerlab's socket stands in.

The course mounts the Docker socket into a container to talk to the daemon
from inside. When no real Docker listens there and dockerlab's daemon runs,
the bind's source is rewritten at create time to dockerlab's socket, so the
container reaches the engine it was started by.
"""
from __future__ import annotations

import socket
from pathlib import Path

from ..fsutil import atomic_write_json, read_json

DOCKER_SOCKETS = ("/var/run/docker.sock", "/run/docker.sock")


def default_socket(settings) -> Path:
    return Path(settings.run_dir) / "docker.sock"


def record_socket(settings, path: Path) -> None:
    """The daemon says where it listens (read back by creates in any process)."""
    atomic_write_json(Path(settings.run_dir) / "daemon.json", {"socket": str(path)})


def forget_socket(settings) -> None:
    (Path(settings.run_dir) / "daemon.json").unlink(missing_ok=True)


def dockerlab_socket(settings) -> Path | None:
    """The socket of the daemon serving this state root, if one listens."""
    info = read_json(Path(settings.run_dir) / "daemon.json") or {}
    path = Path(info.get("socket") or default_socket(settings))
    return path if _listening(path) else None


def _listening(path: Path) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(1)
            s.connect(str(path))
        return True
    except OSError:
        return False


def rewrite_docker_sock(body: dict, settings_or_path) -> None:
    """Point binds of the Docker socket at dockerlab's socket (in place, in a create body)."""
    hc = body.get("HostConfig") or {}
    binds = hc.get("Binds") or []
    mounts = hc.get("Mounts") or []
    wanted = [b for b in binds if b.split(":", 1)[0] in DOCKER_SOCKETS] + \
             [m for m in mounts if m.get("Type") == "bind" and m.get("Source") in DOCKER_SOCKETS]
    if not wanted or any(_listening(Path(p)) for p in DOCKER_SOCKETS):
        return
    if isinstance(settings_or_path, (str, Path)):
        ours = Path(settings_or_path) if _listening(Path(settings_or_path)) else None
    else:
        ours = dockerlab_socket(settings_or_path)
    if ours is None:
        return
    hc["Binds"] = [f"{ours}:{b.split(':', 1)[1]}" if b.split(":", 1)[0] in DOCKER_SOCKETS else b
                   for b in binds] or hc.get("Binds")
    for m in mounts:
        if m.get("Type") == "bind" and m.get("Source") in DOCKER_SOCKETS:
            m["Source"] = str(ours)
