"""Moving a container's streams between the shim and an API client.

The shim speaks 8-byte framed messages (runtime/streams.py) whose stdout and
stderr frames have the layout of Docker's multiplexed stream, so without a
tty a frame is passed on as it is; with a tty only the payload goes out (a
raw stream). What the client types goes to the shim as STDIN frames.
"""
from __future__ import annotations

import json
import select
import socket
import threading

from ..runtime import streams
from ..runtime.state import attach_path

DETACH_KEYS = b"\x10\x11"    # ctrl-p ctrl-q, Docker's default


def client_gone(conn: socket.socket) -> bool:
    """True once the client closed its side (a readable socket that reads nothing)."""
    try:
        ready, _, _ = select.select([conn], [], [], 0)
        return bool(ready) and conn.recv(1, socket.MSG_PEEK) == b""
    except (OSError, ValueError):
        return True


def close_hijacked(conn: socket.socket) -> None:
    """Shut the connection down for every holder (shims forked meanwhile hold copies of it)."""
    try:
        conn.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def connect_shim(engine, cid: str, stdin: bool) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(str(attach_path(engine.settings.run_dir, cid)))
    streams.send_json_line(sock, {"op": "attach", "stdin": stdin})
    return sock


def shim_resize(engine, cid: str, height: int, width: int) -> None:
    """Ask the container's shim to resize its pty (nothing happens without one)."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.connect(str(attach_path(engine.settings.run_dir, cid)))
            streams.send_json_line(sock, {"op": "resize", "h": height, "w": width})
    except OSError:
        pass


def parse_detach_keys(text: str | None) -> bytes:
    """`ctrl-p,ctrl-q` -> b"\\x10\\x11" (Docker's --detach-keys syntax)."""
    if not text:
        return DETACH_KEYS
    out = bytearray()
    for key in text.split(","):
        key = key.strip().lower()
        if key.startswith("ctrl-") and len(key) == 6:
            c = key[5]
            out.append({"@": 0, "[": 27, "\\": 28, "]": 29, "^": 30, "_": 31}.get(c, ord(c) - ord("a") + 1))
        elif len(key) == 1:
            out.append(ord(key))
    return bytes(out) or DETACH_KEYS


class AttachRelay:
    """One hijacked attach: shim frames out, client bytes in, until the container ends."""

    def __init__(self, conn: socket.socket, shim: socket.socket, tty: bool, stdin: bool,
                 stdout: bool, stderr: bool, detach_keys: bytes = DETACH_KEYS):
        self.conn, self.shim, self.tty = conn, shim, tty
        self.stdin, self.stdout, self.stderr = stdin, stdout, stderr
        self.detach_keys = detach_keys
        self.status: dict | None = None

    def run(self) -> dict | None:
        """Relay; returns the container's exit status when it ended while attached."""
        out = threading.Thread(target=self._outbound, daemon=True)
        out.start()
        try:
            self._inbound()
        finally:
            out.join()
            self.shim.close()
            close_hijacked(self.conn)
        return self.status

    def _outbound(self) -> None:
        try:
            while True:
                got = streams.read_frame(self.shim)
                if got is None:
                    return
                kind, payload = got
                if kind == streams.EXIT:
                    self.status = json.loads(payload or b"{}")
                    return
                if (kind == streams.STDOUT and self.stdout) or (kind == streams.STDERR and self.stderr):
                    self.conn.sendall(payload if self.tty else streams.frame(kind, payload))
        except OSError:
            return
        finally:
            close_hijacked(self.conn)      # wakes _inbound

    def _inbound(self) -> None:
        pending = b""
        while True:
            try:
                data = self.conn.recv(65536)
            except OSError:
                return
            if not data:
                if self.stdin and not self.tty:
                    self._to_shim(b"")         # the client closed stdin: so does the container
                return                         # run() still waits for the output's end
            if not self.stdin:
                continue
            if self.tty:
                data = pending + data
                if self.detach_keys in data:
                    self._to_shim(data.split(self.detach_keys)[0])
                    self.shim.shutdown(socket.SHUT_RDWR)
                    return
                keep = next((n for n in range(len(self.detach_keys) - 1, 0, -1)
                             if data.endswith(self.detach_keys[:n])), 0)
                pending, data = (data[-keep:], data[:-keep]) if keep else (b"", data)
            if data:
                self._to_shim(data)

    def _to_shim(self, data: bytes) -> None:
        try:
            self.shim.sendall(streams.frame(streams.STDIN, data))
        except OSError:
            pass
