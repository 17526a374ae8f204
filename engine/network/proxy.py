"""The userland proxy: relays published host ports to the container.

Lab bridges do no NAT, so (like Docker's docker-proxy, without its iptables
shortcut) a published port is a host socket whose traffic this loop relays
to container_ip:port. One event loop per serve() call, no thread per
connection (thread start-up would dominate short HTTP requests):
- TCP: non-blocking sockets; bytes move with splice(2) through one pipe per
  direction, so they never enter Python (zero copy);
- UDP: one socket per client address towards the container, replies sent
  back from the published socket; a flow idle for 90 s is forgotten
  (Docker's UDP proxy timeout).
serve() runs in a thread of the shim and returns once all its listeners are
closed (Listener.close()); open connections are then cut, as when Docker
stops a container.
"""
from __future__ import annotations

import errno
import fcntl
import os
import selectors
import socket
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .ports import Listener

UDP_TIMEOUT = 90.0
PIPE_SIZE = 1 << 18
F_SETPIPE_SZ = 1031
SPLICE = os.SPLICE_F_NONBLOCK | os.SPLICE_F_MOVE
READ, WRITE = selectors.EVENT_READ, selectors.EVENT_WRITE


def _shutdown(sock: socket.socket, how: int) -> None:
    try:
        sock.shutdown(how)
    except OSError:
        pass


class _Half:
    """One direction of a TCP relay: src -> pipe -> dst, with back-pressure."""

    def __init__(self, src: socket.socket, dst: socket.socket):
        self.src, self.dst = src, dst
        self.r, self.w = os.pipe2(os.O_CLOEXEC | os.O_NONBLOCK)
        try:
            fcntl.fcntl(self.w, F_SETPIPE_SZ, PIPE_SIZE)
        except OSError:
            pass
        self.pending = 0
        self.eof = self.done = False

    def fill(self) -> None:
        """src is readable: move what it has into the pipe, then on to dst."""
        try:
            n = os.splice(self.src.fileno(), self.w, PIPE_SIZE, flags=SPLICE)
        except BlockingIOError:
            return
        if n == 0:
            self.eof = True
        self.pending += n
        self.flush()

    def flush(self) -> None:
        """dst is writable (or may be): empty the pipe into it."""
        while self.pending:
            try:
                self.pending -= os.splice(self.r, self.dst.fileno(), self.pending, flags=SPLICE)
            except BlockingIOError:
                return
        if self.eof and not self.done:
            self.done = True
            _shutdown(self.dst, socket.SHUT_WR)

    @property
    def wants_read(self) -> bool:
        return not self.eof and not self.pending

    def close(self) -> None:
        os.close(self.r)
        os.close(self.w)


class _TcpConn:
    """A client connection and its connection to the container."""

    def __init__(self, loop: "_Loop", client: socket.socket, target: tuple[str, int]):
        self.loop, self.client = loop, client
        self.up = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.halves: list[_Half] = []
        self.closed = False
        self.registered: dict[socket.socket, int] = {}
        for s in (client, self.up):
            s.setblocking(False)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        code = self.up.connect_ex(target)
        if code not in (0, errno.EINPROGRESS):
            raise OSError(code, os.strerror(code))
        self._want(self.up, WRITE)

    def _want(self, sock: socket.socket, events: int) -> None:
        old = self.registered.get(sock, 0)
        if events == old:
            return
        if not events:
            self.loop.sel.unregister(sock)
            del self.registered[sock]
        elif not old:
            self.loop.sel.register(sock, events, self)
            self.registered[sock] = events
        else:
            self.loop.sel.modify(sock, events, self)
            self.registered[sock] = events

    def on_event(self, sock: socket.socket, mask: int) -> None:
        if self.closed:            # an event of the same batch, after close()
            return
        try:
            if not self.halves:
                self._connected()
            else:
                for h in self.halves:
                    if h.src is sock and mask & READ:
                        h.fill()
                    if h.dst is sock and mask & WRITE:
                        h.flush()
        except OSError:
            self.close()
            return
        if all(h.done for h in self.halves):
            self.close()
        else:
            self._update()

    def _connected(self) -> None:
        code = self.up.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if code:
            raise OSError(code, os.strerror(code))
        self.halves = [_Half(self.client, self.up), _Half(self.up, self.client)]

    def _update(self) -> None:
        for sock in (self.client, self.up):
            events = 0
            for h in self.halves:
                if h.src is sock and h.wants_read:
                    events |= READ
                if h.dst is sock and h.pending:
                    events |= WRITE
            self._want(sock, events)

    def close(self) -> None:
        for sock in list(self.registered):
            self._want(sock, 0)
        for h in self.halves:
            h.close()
        self.halves = []
        self.closed = True
        self.client.close()
        self.up.close()
        self.loop.conns.discard(self)


@dataclass(eq=False)
class _Flow:
    listener: "Listener"
    client: tuple
    upstream: socket.socket
    last: float = field(default_factory=time.monotonic)


class _Loop:
    """The selector and everything registered in it."""

    def __init__(self) -> None:
        self.sel = selectors.DefaultSelector()
        self.conns: set[_TcpConn] = set()
        self.flows: dict[tuple, _Flow] = {}

    def dispatch(self, obj, sock, mask: int) -> None:
        if isinstance(obj, _TcpConn):
            obj.on_event(sock, mask)
        elif isinstance(obj, _Flow):
            self.reply(obj)
        elif hasattr(obj, "drain"):        # a listener group's wake-up pipe
            obj.drain()
        elif not obj.closed:
            self.accept(obj) if obj.proto == "tcp" else self.forward(obj)

    def accept(self, listener: "Listener") -> None:
        try:
            client, _ = listener.sock.accept()
        except OSError:
            return
        try:
            self.conns.add(_TcpConn(self, client, (listener.group.target, listener.container_port)))
        except OSError:
            client.close()

    def forward(self, listener: "Listener") -> None:
        try:
            data, client = listener.sock.recvfrom(65535)
        except OSError:
            return
        flow = self.flows.get((id(listener), client))
        if flow is None:
            up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            up.setblocking(False)
            up.connect((listener.group.target, listener.container_port))
            flow = self.flows[(id(listener), client)] = _Flow(listener, client, up)
            self.sel.register(up, READ, flow)
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

    def close(self) -> None:
        self.expire(everything=True)
        for conn in list(self.conns):
            conn.close()
        self.sel.close()


def serve(listeners: list["Listener"], container_ip: str) -> None:
    """Relay every listener to container_ip:<its container port> until all are closed.

    Called again for listeners that are already served in this process (a
    restarted container, whose IP may have changed), it only points them at
    the new address and returns at once.
    """
    groups = list({id(l.group): l.group for l in listeners}.values())
    fresh = []
    for g in groups:
        with g.lock:
            g.target = container_ip
            if not g.serving:
                g.serving += 1
                fresh.append(g)
    if not fresh:
        return
    listeners = [l for l in listeners if l.group in fresh]
    groups = fresh
    loop = _Loop()
    try:
        for g in groups:
            loop.sel.register(g.r, READ, g)
        live = [l for l in listeners if not l.closed]
        for l in live:
            loop.sel.register(l.sock, READ, l)
        while live:
            for key, mask in loop.sel.select(timeout=10):
                loop.dispatch(key.data, key.fileobj, mask)
            for l in [l for l in live if l.closed]:
                loop.sel.unregister(l.sock)
                l.sock.close()
            live = [l for l in live if not l.closed]
            loop.expire()
    finally:
        for g in groups:
            with g.lock:
                g.serving -= 1
        loop.close()
        for l in listeners:
            l.closed = True
            l.sock.close()
