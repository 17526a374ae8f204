"""Published ports: binding the host sockets, and the record of who holds them.

`publish()` binds every host socket in the caller - the engine, before it
forks the shim - so a taken port fails `docker run` at once, with Docker's
message. The bound sockets (`Listener`s) are inherited by the shim, which
runs `serve()` (proxy.py) in a thread. A small registry under run/ remembers
which container holds which port, to tell Docker's two messages apart: a
port held by another container of the lab is "already allocated"; a port
held by any other program gives the kernel's "address already in use".
"""
from __future__ import annotations

import errno
import os
import socket
import threading
from dataclasses import dataclass, field

from ..errors import EngineError, InvalidArgument
from ..fsutil import atomic_write_json, locked, read_json
from ..settings import Settings
from .portspec import PortBinding, parse_publish
from .proxy import serve

__all__ = ["PortBinding", "Listener", "PortAllocationError", "parse_publish", "publish",
           "serve", "port_map", "describe", "unregister", "close_all"]

ATTEMPTS = 10   # Docker's retry budget for an ephemeral port free on v4 and v6


class PortAllocationError(EngineError):
    """A host port could not be bound (taken by a container or another program)."""


class _Group:
    """Listeners published together: where they relay to, and how to wake serve()."""

    def __init__(self) -> None:
        self.r, self.w = os.pipe2(os.O_CLOEXEC | os.O_NONBLOCK)
        self.lock = threading.Lock()
        self.serving = 0
        self.target = ""        # the container's IP; a restart may change it

    def wake(self) -> None:
        try:
            os.write(self.w, b"x")
        except OSError:
            pass

    def drain(self) -> None:
        try:
            while os.read(self.r, 512):
                pass
        except OSError:
            pass


@dataclass(eq=False)
class Listener:
    """A bound host socket for one published port."""

    sock: socket.socket
    proto: str
    host_ip: str            # as bound: 0.0.0.0, ::, 127.0.0.1...
    host_port: int
    container_port: int
    group: _Group = field(default_factory=_Group, repr=False)
    closed: bool = False

    def fileno(self) -> int:
        return self.sock.fileno()

    def handover(self) -> dict:
        """What a shim started with exec needs to `adopt()` the inherited fd."""
        return {"proto": self.proto, "host_ip": self.host_ip, "host_port": self.host_port,
                "container_port": self.container_port, "fd": self.sock.fileno()}

    @classmethod
    def adopt(cls, desc: dict, group: _Group | None = None) -> "Listener":
        family = socket.AF_INET6 if ":" in desc["host_ip"] else socket.AF_INET
        kind = socket.SOCK_STREAM if desc["proto"] == "tcp" else socket.SOCK_DGRAM
        sock = socket.socket(family, kind, fileno=desc["fd"])
        return cls(sock, desc["proto"], desc["host_ip"], desc["host_port"],
                   desc["container_port"], group or _Group())

    def close(self) -> None:
        """Stop publishing: a running serve() closes the socket, else we do now."""
        with self.group.lock:
            if self.closed:
                return
            self.closed = True
            if self.group.serving:
                self.group.wake()
                return
        self.sock.close()


# -- registry ---------------------------------------------------------------
def _registry_path(settings: Settings):
    return settings.run_dir / "ports.json"


def _key(proto: str, ip: str, port: int) -> str:
    return f"{proto}/{ip}/{port}"


def _holder(settings: Settings, proto: str, ip: str, port: int, me: str) -> str | None:
    """Another container of this root holding an overlapping address:port."""
    reg = read_json(_registry_path(settings), {})
    for key, cid in reg.items():
        p, kip, kport = key.rsplit("/", 2)
        if p == proto and int(kport) == port and cid != me and (
                kip == ip or kip in ("0.0.0.0", "::") or ip in ("0.0.0.0", "::")):
            return cid
    return None


def _register(settings: Settings, container_id: str, listeners: list[Listener]) -> None:
    settings.run_dir.mkdir(parents=True, exist_ok=True)
    with locked(settings.run_dir / ".ports.lock"):
        reg = read_json(_registry_path(settings), {})
        for l in listeners:
            reg[_key(l.proto, l.host_ip, l.host_port)] = container_id
        atomic_write_json(_registry_path(settings), reg, durable=False)   # run/: gone at reboot


def unregister(settings: Settings, container_id: str) -> None:
    """Forget the ports of a container (its shim closes the sockets).

    Every container's exit calls this: the file is rewritten only when the
    container held a port.
    """
    path = _registry_path(settings)
    if not path.exists():
        return
    with locked(settings.run_dir / ".ports.lock"):
        reg = read_json(path, {})
        kept = {k: v for k, v in reg.items() if v != container_id}
        if kept != reg:
            atomic_write_json(path, kept, durable=False)


# -- binding ----------------------------------------------------------------
def _bind(proto: str, ip: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    sock = socket.socket(family, kind)
    try:
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        if kind == socket.SOCK_STREAM:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((ip, port))
        if kind == socket.SOCK_STREAM:
            sock.listen(128)
        sock.setblocking(False)
        return sock
    except BaseException:
        sock.close()
        raise


def _addresses(b: PortBinding) -> list[str]:
    if b.host_ip:
        return [b.host_ip]
    return ["0.0.0.0", "::"] if _ipv6_available() else ["0.0.0.0"]


def _ipv6_available() -> bool:
    try:
        socket.socket(socket.AF_INET6, socket.SOCK_STREAM).close()
    except OSError:
        return False
    return os.path.exists("/proc/net/if_inet6")


def _fmt(ip: str, port: int) -> str:
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


class _Taken(Exception):
    """Binding ip:port failed; `errno` says why (EADDRINUSE: someone holds it)."""

    def __init__(self, ip: str, port: int, code: int):
        super().__init__(ip, port, code)
        self.ip, self.port, self.errno = ip, port, code


def _bind_all(b: PortBinding, port: int, group: _Group) -> list[Listener]:
    """Bind `port` on every address of `b`, all or nothing."""
    done: list[Listener] = []
    try:
        for ip in _addresses(b):
            try:
                sock = _bind(b.proto, ip, port)
            except OSError as err:
                if err.errno == errno.EADDRNOTAVAIL and ip == "::" and not b.host_ip:
                    continue          # IPv6 disabled on this host: IPv4 only
                raise _Taken(ip, port, err.errno or 0) from None
            port = port or sock.getsockname()[1]
            done.append(Listener(sock, b.proto, ip, port, b.container_port, group))
        return done
    except BaseException:
        for l in done:
            l.sock.close()
        raise


def _bind_binding(b: PortBinding, group: _Group) -> list[Listener]:
    if b.host_port_end > b.host_port:
        last: _Taken | None = None
        for port in range(b.host_port, b.host_port_end + 1):
            try:
                return _bind_all(b, port, group)
            except _Taken as t:
                if t.errno != errno.EADDRINUSE:
                    raise
                last = t
        raise last
    if b.host_port:
        return _bind_all(b, b.host_port, group)
    for attempt in range(ATTEMPTS):
        try:
            return _bind_all(b, 0, group)
        except _Taken as t:
            if t.errno != errno.EADDRINUSE or attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def publish(settings: Settings, container_id: str, bindings: list[PortBinding],
            container_ip: str | None = None, *, endpoint_name: str | None = None,
            endpoint_id: str | None = None) -> list[Listener]:
    """Bind the host side of `bindings` now; raise Docker's message if a port is taken.

    `endpoint_name`/`endpoint_id` only shape the error message (Docker names
    the container and its endpoint on the network); `container_ip` is not
    needed to bind and is accepted for symmetry with serve().
    """
    group, out = _Group(), []
    try:
        for b in bindings:
            if b.proto == "sctp":
                raise InvalidArgument("sctp ports cannot be published in the lab "
                                      "(the port proxy supports tcp and udp)")
            try:
                out += _bind_binding(b, group)
            except _Taken as t:
                raise _allocation_error(settings, container_id, b, t,
                                        endpoint_name, endpoint_id) from None
    except BaseException:
        for l in out:
            l.sock.close()
        raise
    _register(settings, container_id, out)
    _track(settings, out)
    return out


def _allocation_error(settings: Settings, container_id: str, b: PortBinding, t: _Taken,
                      endpoint_name: str | None, endpoint_id: str | None) -> PortAllocationError:
    if t.errno == errno.EADDRINUSE and _holder(settings, b.proto, t.ip, t.port, container_id):
        shown = b.host_ip or "0.0.0.0"
        reason = f"Bind for {shown}:{t.port} failed: port is already allocated"
    else:
        why = os.strerror(t.errno).lower() if t.errno else "unknown error"
        reason = f"failed to bind host port {_fmt(t.ip, t.port)}/{b.proto}: {why}"
    return PortAllocationError(
        "failed to set up container networking: driver failed programming external "
        f"connectivity on endpoint {endpoint_name or container_id} "
        f"({endpoint_id or container_id}): {reason}")


def port_map(listeners: list[Listener]) -> dict[str, list[dict]]:
    """Docker's NetworkSettings.Ports: {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}]}."""
    out: dict[str, list[dict]] = {}
    for l in listeners:
        out.setdefault(f"{l.container_port}/{l.proto}", []).append(
            {"HostIp": l.host_ip, "HostPort": str(l.host_port)})
    return out


describe = port_map   # the name the engine uses for NetworkSettings.Ports


# -- listeners opened by this process, for teardown -------------------------
_mine: dict[str, list[Listener]] = {}


def _track(settings: Settings, listeners: list[Listener]) -> None:
    _mine.setdefault(str(settings.root), []).extend(listeners)


def close_all(settings: Settings) -> None:
    """Close every listener this process opened for this root (reset, tests)."""
    for l in _mine.pop(str(settings.root), []):
        l.close()
