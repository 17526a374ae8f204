"""One API request: its query, its body (sized or chunked), and the ways to answer.

Answers are JSON with a length (keep-alive), chunked streams (logs -f,
events, build and pull progress, wait) or a hijacked connection (attach and
exec: `Upgrade: tcp` gets `101 UPGRADED`, as dockerd answers).
"""
from __future__ import annotations

import json
import re
import socket
from typing import BinaryIO
from urllib.parse import parse_qs

from ..errors import InvalidArgument

API_VERSION = "1.44"
MIN_API_VERSION = "1.24"
SERVER = "Docker/28.2.2 (linux; dockerlab)"
RAW_STREAM = "application/vnd.docker.raw-stream"
MULTIPLEXED_STREAM = "application/vnd.docker.multiplexed-stream"


def dumps(obj) -> bytes:
    """Compact JSON and a newline, as Go's encoder writes it."""
    return json.dumps(obj, separators=(",", ":")).encode() + b"\n"


class ChunkedReader:
    """A request body sent with `Transfer-Encoding: chunked` (docker build, docker load)."""

    def __init__(self, rfile: BinaryIO):
        self.rfile = rfile
        self.left = 0
        self.done = False

    def read(self, n: int = -1) -> bytes:
        out = bytearray()
        while not self.done and (n < 0 or len(out) < n):
            if self.left == 0:
                size_line = self.rfile.readline()
                if not size_line:
                    self.done = True
                    break
                self.left = int(size_line.split(b";")[0].strip() or b"0", 16)
                if self.left == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass                     # trailers
                    self.done = True
                    break
            want = self.left if n < 0 else min(self.left, n - len(out))
            data = self.rfile.read(want)
            if not data:
                self.done = True
                break
            out += data
            self.left -= len(data)
            if self.left == 0:
                self.rfile.readline()            # CRLF after the chunk
        return bytes(out)


class SizedReader:
    def __init__(self, rfile: BinaryIO, length: int):
        self.rfile, self.left = rfile, length

    def read(self, n: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        want = self.left if n < 0 else min(n, self.left)
        out = bytearray()
        while len(out) < want:
            data = self.rfile.read(want - len(out))
            if not data:
                self.left = 0
                break
            out += data
        self.left -= len(out)
        return bytes(out)


class ChunkedWriter:
    """A streamed answer: each write is one HTTP chunk, flushed at once."""

    def __init__(self, wfile: BinaryIO):
        self.wfile = wfile
        self.closed = False

    def write(self, data: bytes) -> None:
        if data:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

    def json(self, obj: dict) -> None:
        self.write(dumps(obj))

    def flush(self) -> None:
        """Each chunk is flushed as written; writers that flush (tarfile, save) need the method."""

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            try:
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
            except OSError:
                pass


class Request:
    """What an endpoint gets: path parameters, query, body, the engine and answer helpers."""

    def __init__(self, handler, method: str, path: str, query: str, params: dict, app):
        self.handler = handler
        self.method, self.path, self.params = method, path, params
        self.query = parse_qs(query, keep_blank_values=True)
        self.app = app
        self.engine = app.engine
        self.responded = False
        self._body = None

    # -- query ----------------------------------------------------------------
    def q(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def qbool(self, name: str, default: bool = False) -> bool:
        value = self.q(name)
        if value is None:
            return default
        return value.lower() not in ("", "0", "false", "no")

    def qint(self, name: str, default: int | None = None) -> int | None:
        value = self.q(name)
        if value in (None, ""):
            return default
        try:
            return int(value)
        except ValueError:
            raise InvalidArgument(f'invalid value for {name}: "{value}"') from None

    def qlist(self, name: str) -> list[str]:
        return list(self.query.get(name, []))

    def filters(self) -> dict[str, list[str]]:
        """`filters={"label":{"a=b":true}}` or the older `{"label":["a=b"]}`."""
        raw = self.q("filters")
        if not raw:
            return {}
        try:
            data = json.loads(raw)
        except ValueError:
            raise InvalidArgument(f"invalid filter '{raw}'") from None
        out = {}
        for key, value in (data or {}).items():
            out[key] = [k for k, v in value.items() if v] if isinstance(value, dict) else list(value)
        return out

    def version(self) -> tuple[int, int]:
        """The API version the client asked for in the path (`/v1.41/...`), else the server's."""
        m = re.match(r"^/v(\d+)\.(\d+)/", self.path)
        major, minor = (m.groups() if m else API_VERSION.split("."))
        return int(major), int(minor)

    def header(self, name: str, default: str = "") -> str:
        return self.handler.headers.get(name, default)

    # -- body -------------------------------------------------------------------
    def body(self) -> BinaryIO:
        if self._body is None:
            if "chunked" in self.header("Transfer-Encoding").lower():
                self._body = ChunkedReader(self.handler.rfile)
            else:
                self._body = SizedReader(self.handler.rfile, int(self.header("Content-Length") or 0))
        return self._body

    def json(self) -> dict:
        data = self.body().read()
        if not data.strip():
            return {}
        try:
            obj = json.loads(data)
        except ValueError as e:
            raise InvalidArgument(f"invalid JSON: {e}") from None
        return obj if obj is not None else {}

    def drain(self) -> None:
        """Read what the client sent and nobody used, so the connection stays in step."""
        body = self.body()
        while body.read(65536):
            pass

    # -- answers ----------------------------------------------------------------
    def _head(self, status: int, headers: dict) -> None:
        self.responded = True
        h = self.handler
        h.send_response(status)
        for key, value in {**self.app.common_headers(), **headers}.items():
            h.send_header(key, value)
        h.end_headers()

    def send(self, status: int, data: bytes = b"", content_type: str = "application/json",
             extra: dict | None = None) -> None:
        headers = {"Content-Length": str(len(data)), **(extra or {})}
        if data or content_type != "application/json":
            headers["Content-Type"] = content_type
        self._head(status, headers)
        if data and self.method != "HEAD":
            self.handler.wfile.write(data)
        self.handler.wfile.flush()

    def send_json(self, status: int, obj) -> None:
        self.send(status, dumps(obj))

    def stream(self, status: int = 200, content_type: str = "application/json",
               extra: dict | None = None) -> ChunkedWriter:
        self._head(status, {"Content-Type": content_type, "Transfer-Encoding": "chunked", **(extra or {})})
        return ChunkedWriter(self.handler.wfile)

    def hijack(self, content_type: str) -> socket.socket:
        """Take the connection over for a raw or multiplexed stream (attach, exec start)."""
        self.handler.close_connection = True
        if "upgrade" in self.header("Connection").lower() or self.header("Upgrade"):
            self.handler.protocol_version = "HTTP/1.1"
            self.responded = True
            h = self.handler
            h.send_response_only(101, "UPGRADED")
            h.send_header("Content-Type", content_type)
            h.send_header("Connection", "Upgrade")
            h.send_header("Upgrade", "tcp")
            h.end_headers()
        else:
            self._head(200, {"Content-Type": content_type, "Connection": "close"})
        self.handler.wfile.flush()
        return self.handler.connection
