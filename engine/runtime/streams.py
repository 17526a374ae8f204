"""The shim's stream protocol: Docker-style 8-byte frame headers on a unix socket.

A frame is [kind, 0, 0, 0, size (4 bytes big-endian)] + payload, as in Docker's
multiplexed attach stream, so the API server can pass frames straight through.
Kinds from the shim: 1 stdout, 2 stderr, EXIT (JSON status). To the shim:
STDIN (empty payload = close stdin), RESIZE (JSON {"h": rows, "w": cols}).
"""
from __future__ import annotations

import json
import socket
import struct

STDIN, STDOUT, STDERR = 0, 1, 2
EXIT = 0x10
RESIZE = 0x11
HEADER = struct.Struct(">BxxxI")


def frame(kind: int, payload: bytes) -> bytes:
    return HEADER.pack(kind, len(payload)) + payload


def recv_exact(sock: socket.socket, n: int) -> bytes | None:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


def read_frame(sock: socket.socket) -> tuple[int, bytes] | None:
    head = recv_exact(sock, HEADER.size)
    if head is None:
        return None
    kind, size = HEADER.unpack(head)
    payload = recv_exact(sock, size) if size else b""
    if payload is None:
        return None
    return kind, payload


class FrameParser:
    """Incremental parser for a non-blocking reader (the shim's select loop)."""

    def __init__(self) -> None:
        self.buf = bytearray()

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        self.buf += data
        out = []
        while len(self.buf) >= HEADER.size:
            kind, size = HEADER.unpack_from(self.buf)
            if len(self.buf) < HEADER.size + size:
                break
            out.append((kind, bytes(self.buf[HEADER.size:HEADER.size + size])))
            del self.buf[:HEADER.size + size]
        return out


def send_json_line(sock: socket.socket, obj: dict) -> None:
    sock.sendall(json.dumps(obj).encode() + b"\n")


def recv_json_line(sock: socket.socket, limit: int = 65536) -> dict | None:
    buf = bytearray()
    while not buf.endswith(b"\n"):
        ch = sock.recv(1)
        if not ch:
            return None
        buf += ch
        if len(buf) > limit:
            return None
    return json.loads(buf)
