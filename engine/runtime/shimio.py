"""The shim's I/O: the container's output to the log and to attached clients,
clients' input to the container, in one select loop."""
from __future__ import annotations

import errno
import fcntl
import json
import os
import selectors
import socket
import struct
import termios

from . import streams
from .logs import LogWriter


class Client:
    """An attached client (CLI, API server) on the attach socket."""

    def __init__(self, sock: socket.socket, header: dict):
        self.sock = sock
        self.want_stdin = bool(header.get("stdin"))
        self.op = header.get("op", "attach")
        self.parser = streams.FrameParser()
        sock.settimeout(5)

    def send(self, kind: int, data: bytes) -> bool:
        try:
            self.sock.sendall(streams.frame(kind, data))
            return True
        except OSError:
            return False


class IOHub:
    """Moves bytes between the container's pty/pipes, the log and clients."""

    def __init__(self, log: LogWriter, tty: bool):
        self.sel = selectors.DefaultSelector()
        self.log = log
        self.tty = tty
        self.clients: list[Client] = []
        self.outputs: dict[int, str] = {}   # fd -> "stdout" | "stderr"
        self.stdin_fd: int | None = None
        self.master_fd: int | None = None

    # -- container side ---------------------------------------------------
    def add_output(self, fd: int, stream: str) -> None:
        os.set_blocking(fd, False)
        self.outputs[fd] = stream
        self.sel.register(fd, selectors.EVENT_READ, ("out", fd))

    def pump_output(self, fd: int) -> None:
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return
        except OSError as e:  # EIO: the pty's last slave closed
            if e.errno != errno.EIO:
                raise
            data = b""
        if not data:
            self.close_output(fd)
            return
        stream = self.outputs[fd]
        self.log.write(stream, data)
        kind = streams.STDERR if stream == "stderr" else streams.STDOUT
        for c in list(self.clients):
            if c.op == "attach" and not c.send(kind, data):
                self.drop(c)

    def close_output(self, fd: int) -> None:
        self.sel.unregister(fd)
        self.outputs.pop(fd, None)
        if fd != self.master_fd:
            os.close(fd)

    def drain(self) -> None:
        for fd in list(self.outputs):
            while fd in self.outputs:
                self.pump_output(fd)
                if fd in self.outputs and not self._readable(fd):
                    break

    @staticmethod
    def _readable(fd: int) -> bool:
        import select
        return bool(select.select([fd], [], [], 0.05)[0])

    # -- clients ------------------------------------------------------------
    def add_client(self, c: Client) -> None:
        self.clients.append(c)
        self.sel.register(c.sock, selectors.EVENT_READ, ("client", c))

    def drop(self, c: Client) -> None:
        if c in self.clients:
            self.clients.remove(c)
            try:
                self.sel.unregister(c.sock)
            except (KeyError, ValueError):
                pass
            c.sock.close()

    def client_input(self, c: Client) -> list[dict]:
        """Handle what a client sent; returns control requests for the shim."""
        try:
            data = c.sock.recv(65536)
        except OSError:
            data = b""
        if not data:
            self.drop(c)
            return []
        controls = []
        for kind, payload in c.parser.feed(data):
            if kind == streams.STDIN and c.want_stdin:
                self.write_stdin(payload)
            elif kind == streams.RESIZE:
                self.resize(json.loads(payload))
            elif kind == streams.EXIT:  # a control message
                controls.append(json.loads(payload))
        return controls

    def write_stdin(self, payload: bytes) -> None:
        target = self.master_fd if self.tty else self.stdin_fd
        if target is None:
            return
        if not payload and not self.tty:  # end of input
            os.close(target)
            self.stdin_fd = None
            return
        try:
            os.write(target, payload)
        except OSError:
            pass

    def resize(self, size: dict) -> None:
        if self.master_fd is not None:
            winsize = struct.pack("HHHH", int(size.get("h", 24)), int(size.get("w", 80)), 0, 0)
            fcntl.ioctl(self.master_fd, termios.TIOCSWINSZ, winsize)

    def broadcast_exit(self, status: dict) -> None:
        payload = json.dumps(status).encode()
        for c in list(self.clients):
            c.send(streams.EXIT, payload)
