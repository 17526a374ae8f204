"""`-v /var/run/docker.sock:/var/run/docker.sock` in a lab: dockerlab's socket stands in.

The course mounts the Docker socket into a container to talk to the daemon
from inside. When no real Docker listens there, dockerlab's socket is what
gets mounted, so the container reaches the engine it was started by
(ondemand.py starts that daemon when none runs). People still read the path
they typed: the record (HostConfig.Binds, Mounts[].Source) keeps it, as
Docker's does, and each start mounts dockerlab's socket in its place.
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


def _ours(settings_or_path) -> Path | None:
    """dockerlab's socket for this root (its daemon started on demand), or None."""
    if isinstance(settings_or_path, (str, Path)):
        return Path(settings_or_path) if _listening(Path(settings_or_path)) else None
    from .ondemand import ensure_daemon     # no daemon yet: start this root's
    return ensure_daemon(settings_or_path)


def rewrite_docker_sock(body: dict, settings_or_path) -> dict[str, str]:
    """Point binds of the Docker socket at dockerlab's socket (in place, in a create body).

    Returns {destination: source typed} of the binds rewritten, for `show_typed`
    once the mounts are resolved (their checks see the socket really mounted).
    """
    hc = body.get("HostConfig") or {}
    binds = hc.get("Binds") or []
    mounts = hc.get("Mounts") or []
    wanted = [b for b in binds if b.split(":", 1)[0] in DOCKER_SOCKETS] + \
             [m for m in mounts if m.get("Type") == "bind" and m.get("Source") in DOCKER_SOCKETS]
    if not wanted or any(_listening(Path(p)) for p in DOCKER_SOCKETS):
        return {}
    ours = _ours(settings_or_path)
    if ours is None:
        return {}
    typed: dict[str, str] = {}
    rewritten = []
    for b in binds:
        source, rest = (b.split(":", 1) + [""])[:2]
        if source in DOCKER_SOCKETS and rest:
            typed[rest.split(":", 1)[0]] = source
            b = f"{ours}:{rest}"
        rewritten.append(b)
    hc["Binds"] = rewritten or hc.get("Binds")
    for m in mounts:
        if m.get("Type") == "bind" and m.get("Source") in DOCKER_SOCKETS:
            typed[m.get("Target", "")] = m["Source"]
            m["Source"] = str(ours)
    return typed


def show_typed(hc: dict, shown: list[dict], typed: dict[str, str]) -> None:
    """Put the typed Docker socket path back where people read it (in place).

    `docker inspect` shows the bind as given, `/var/run/docker.sock`, not
    dockerlab's socket: HostConfig.Binds, HostConfig.Mounts and Mounts[].Source.
    """
    if not typed:
        return
    binds = []
    for b in hc.get("Binds") or []:
        rest = b.split(":", 1)[1] if ":" in b else ""
        target = rest.split(":", 1)[0]
        binds.append(f"{typed[target]}:{rest}" if target in typed else b)
    if hc.get("Binds"):
        hc["Binds"] = binds
    if hc.get("Mounts"):
        hc["Mounts"] = [{**m, "Source": typed[m.get("Target", "")]}
                        if m.get("Type") == "bind" and m.get("Target", "") in typed else m
                        for m in hc["Mounts"]]
    for m in shown:
        if m.get("Type") == "bind" and m.get("Destination") in typed:
            m["Source"] = typed[m["Destination"]]


def mount_at_start(settings, mounts: list) -> None:
    """At each start, bind dockerlab's socket where the record names the Docker socket
    and no real Docker listens there (the record keeps the typed path)."""
    for m in mounts:
        if m.type != "bind" or m.source not in DOCKER_SOCKETS or _listening(Path(m.source)):
            continue
        ours = _ours(settings)
        if ours is not None:
            m.source = str(ours)
