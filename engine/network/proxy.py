"""The userland proxy: relays published host ports to the container.

Lab bridges do no NAT, so (like Docker's docker-proxy, without its iptables
shortcut) a published port is a host socket whose traffic this loop relays
to container_ip:port.
- TCP: one thread per connection and direction; bytes move with splice(2)
  through a pipe, so they never enter Python (zero copy), which keeps
  throughput close to a direct connection.
- UDP: one socket per client address towards the container, replies sent
  back from the published socket; a flow idle for 90 s is forgotten
  (Docker's UDP proxy timeout).
serve() runs in a thread of the shim and returns once all its listeners are
closed (Listener.close()); open connections are then cut, as when Docker
stops a container.
"""
from __future__ import annotations

import fcntl
import os
import selectors
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .ports import Listener

UDP_TIMEOUT = 90.0
CHUNK = 1 << 20
PIPE_SIZE = 1 << 18
F_SETPIPE_SZ = 1031


def _pump(src: socket.socket, dst: socket.socket) -> None:
    """Move bytes src -> dst until EOF; half-close dst, or cut both on error."""
    r, w = os.pipe2(os.O_CLOEXEC)
    try:
        try:
            fcntl.fcntl(w, F_SETPIPE_SZ, PIPE_SIZE)
        except OSError:
            pass
        while True:
            n = os.splice(src.fileno(), w, CHUNK)
            if n == 0:
                break
            while n:
                n -= os.splice(r, dst.fileno(), n)
        _shutdown(dst, socket.SHUT_WR)
    except OSError:
        _shutdown(src, socket.SHUT_RDWR)
        _shutdown(dst, socket.SHUT_RDWR)
    finally:
        os.close(r)
        os.close(w)


def _shutdown(sock: socket.socket, how: int) -> None:
    try:
        sock.shutdown(how)
    except OSError:
        pass


class _TcpRelays:
    """Active TCP connections, so they can be cut when serving stops."""

    def __init__(self) -> None:
        self.socks: set[socket.socket] = set()
        self.lock = threading.Lock()
        self.threads: list[threading.Thread] = []

    def start(self, client: socket.socket, target: tuple[str, int]) -> None:
        t = threading.Thread(target=self._relay, args=(client, target), daemon=True,
                             name=f"proxy-{target[1]}")
        self.threads = [x for x in self.threads if x.is_alive()] + [t]
        t.start()

    def _relay(self, client: socket.socket, target: tuple[str, int]) -> None:
        with self.lock:
            self.socks.add(client)
        try:
            upstream = socket.create_connection(target, timeout=5)
        except OSError:
            self._forget(client)
            return
        upstream.settimeout(None)
        upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.lock:
            self.socks.add(upstream)
        back = threading.Thread(target=_pump, args=(upstream, client), daemon=True)
        back.start()
        _pump(client, upstream)
        back.join()
        self._forget(client, upstream)

    def _forget(self, *socks: socket.socket) -> None:
        with self.lock:
            for s in socks:
                self.socks.discard(s)
                s.close()

    def cut_all(self) -> None:
        with self.lock:
            for s in list(self.socks):
                _shutdown(s, socket.SHUT_RDWR)
        for t in self.threads:
            t.join(timeout=5)


@dataclass(eq=False)
class _Flow:
    listener: "Listener"
    client: tuple
    upstream: socket.socket
    last: float = field(default_factory=time.monotonic)


class _UdpFlows:
    def __init__(self, sel: selectors.BaseSelector):
        self.sel = sel
        self.flows: dict[tuple, _Flow] = {}

    def forward(self, listener: "Listener", target: tuple[str, int]) -> None:
        try:
            data, client = listener.sock.recvfrom(65535)
        except OSError:
            return
        flow = self.flows.get((id(listener), client))
        if flow is None:
            up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            up.setblocking(False)
            up.connect(target)
            flow = _Flow(listener, client, up)
            self.flows[(id(listener), client)] = flow
            self.sel.register(up, selectors.EVENT_READ, flow)
        flow.last = time.monotonic()
        try:
            flow.upstream.send(data)
        except OSError:
            pass

    def reply(self, flow: _Flow) -> None:
        try:
            data = flow.upstream.recv(65535)
            flow.listener.sock.sendto(data, flow.client)
            flow.last = time.monotonic()
        except OSError:
            pass

    def expire(self, everything: bool = False) -> None:
        now = time.monotonic()
        for key, flow in list(self.flows.items()):
            if everything or flow.listener.closed or now - flow.last > UDP_TIMEOUT:
                self.sel.unregister(flow.upstream)
                flow.upstream.close()
                del self.flows[key]


def serve(listeners: list["Listener"], container_ip: str) -> None:
    """Relay every listener to container_ip:<its container port> until all are closed."""
    groups = {id(l.group): l.group for l in listeners}.values()
    for g in groups:
        with g.lock:
            g.serving += 1
    sel = selectors.DefaultSelector()
    relays, flows = _TcpRelays(), _UdpFlows(sel)
    try:
        for g in groups:
            sel.register(g.r, selectors.EVENT_READ, g)
        live = [l for l in listeners if not l.closed]
        for l in live:
            sel.register(l.sock, selectors.EVENT_READ, l)
        while live:
            for key, _ in sel.select(timeout=10):
                _dispatch(key.data, container_ip, relays, flows)
            live = _drop_closed(sel, live)
            flows.expire()
    finally:
        _stop(groups, listeners, sel, relays, flows)


def _dispatch(obj, container_ip: str, relays: _TcpRelays, flows: _UdpFlows) -> None:
    if isinstance(obj, _Flow):
        flows.reply(obj)
    elif hasattr(obj, "drain"):
        obj.drain()
    elif not obj.closed:
        target = (container_ip, obj.container_port)
        if obj.proto == "tcp":
            try:
                client, _ = obj.sock.accept()
            except OSError:
                return
            client.setblocking(True)
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            relays.start(client, target)
        else:
            flows.forward(obj, target)


def _drop_closed(sel: selectors.BaseSelector, live: list["Listener"]) -> list["Listener"]:
    for l in [l for l in live if l.closed]:
        sel.unregister(l.sock)
    return [l for l in live if not l.closed]


def _stop(groups, listeners, sel, relays: _TcpRelays, flows: _UdpFlows) -> None:
    for g in groups:
        with g.lock:
            g.serving -= 1
    flows.expire(everything=True)
    relays.cut_all()
    sel.close()
    for l in listeners:
        l.closed = True
        l.sock.close()
