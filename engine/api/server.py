"""The Engine API server: a threaded HTTP/1.1 server on a unix socket, over one Engine.

Standard library only (socketserver + http.server): a thread per connection
matches the engine's blocking calls (waits, shim control, forks), and a
hijacked attach/exec stream is simply the handler's socket. Paths may carry
a version (`/v1.44/containers/json`) or none; the answers carry dockerd's
headers (Api-Version, Ostype...).
"""
from __future__ import annotations

import http.server
import logging
import re
import socket
import socketserver
import sys
import traceback

from ..errors import EngineError
from . import archive, attach, build, containers, distribution, execs, extras, images, netvol, system
from .httpio import API_VERSION, MIN_API_VERSION, SERVER, Request
from .permissions import Access

log = logging.getLogger("dockerlab.api")
VERSIONED = re.compile(r"^/v(\d+)\.(\d+)(/.*)$")
MODULES = (system, containers, archive, attach, execs, images, build, netvol, extras, distribution)


def _pattern(template: str) -> re.Pattern:
    out = re.sub(r"\{(\w+)\*\}", r"(?P<\1>.+?)", template)
    out = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", out)
    return re.compile("^" + out + "$")


def _version_tuple(text: str) -> tuple[int, int]:
    major, minor = text.split(".")
    return int(major), int(minor)


class App:
    """What every request shares: the engine, the routes, exec instances, pending attaches."""

    def __init__(self, engine, socket_path: str, access: Access | None = None, debug: bool = False):
        self.engine = engine
        self.socket_path = socket_path
        self.access = access or Access(None)
        self.debug = debug
        self.routes = [(m, _pattern(p), fn) for mod in MODULES for m, p, fn in mod.ROUTES]
        self.execs = execs.ExecRegistry()
        self.pending_attach: dict[str, socket.socket] = {}

    @staticmethod
    def common_headers() -> dict:
        return {"Api-Version": API_VERSION, "Docker-Experimental": "false", "Ostype": "linux"}

    def find(self, method: str, path: str):
        allowed = False
        for m, pattern, fn in self.routes:
            match = pattern.match(path)
            if match:
                if m == method:
                    return fn, match.groupdict()
                allowed = True
        return None, allowed

    def dispatch(self, handler, method: str) -> None:
        raw_path, _, query = handler.path.partition("?")
        from urllib.parse import unquote
        path = unquote(raw_path)
        req = Request(handler, method, path, query, {}, self)
        try:
            refusal = self.access.refusal(handler.connection)
            if refusal:
                req.send_json(403, {"message": refusal})
                return
            path = self._strip_version(path)
            fn, params = self.find(method, path)
            if fn is None:
                req.send_json(405 if params else 404, {"message": "page not found"})
                return
            req.params = params
            fn(req)
            if not req.responded:
                req.send(204)
        except EngineError as e:
            self._fail(req, e.status, str(e))
        except (BrokenPipeError, ConnectionResetError):
            handler.close_connection = True
        except Exception as e:  # noqa: BLE001 - a bug must not kill the connection thread silently
            log.error("%s %s failed:\n%s", method, path, traceback.format_exc())
            self._fail(req, 500, str(e) or type(e).__name__)
        finally:
            if not handler.close_connection:
                try:
                    req.drain()
                except (OSError, ValueError):
                    handler.close_connection = True

    def _strip_version(self, path: str) -> str:
        m = VERSIONED.match(path)
        if not m:
            return path
        asked = (int(m.group(1)), int(m.group(2)))
        if asked > _version_tuple(API_VERSION):
            raise _TooNew(f"client version {m.group(1)}.{m.group(2)} is too new. Maximum supported "
                          f"API version is {API_VERSION}")
        if asked < _version_tuple(MIN_API_VERSION):
            raise _TooNew(f"client version {m.group(1)}.{m.group(2)} is too old. Minimum supported "
                          f"API version is {MIN_API_VERSION}, please upgrade your client to a newer version")
        return m.group(3)

    @staticmethod
    def _fail(req: Request, status: int, message: str) -> None:
        if req.responded:            # a stream was under way: all we can do is end it
            req.handler.close_connection = True
            return
        try:
            req.send_json(status, {"message": message})
        except OSError:
            req.handler.close_connection = True


class _TooNew(EngineError):
    status = 400


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    rbufsize = 0                 # hijacked streams read the socket itself: nothing may sit in a buffer
    server_version = "Docker/28.2.2"
    sys_version = ""

    def version_string(self) -> str:
        return SERVER

    def address_string(self) -> str:
        return "unix"

    def log_message(self, fmt: str, *args) -> None:
        if self.server.app.debug:
            sys.stderr.write("api: " + (fmt % args) + "\n")

    def do_GET(self) -> None:
        self.server.app.dispatch(self, "GET")

    def do_POST(self) -> None:
        self.server.app.dispatch(self, "POST")

    def do_DELETE(self) -> None:
        self.server.app.dispatch(self, "DELETE")

    def do_HEAD(self) -> None:
        self.server.app.dispatch(self, "HEAD")

    def do_PUT(self) -> None:
        self.server.app.dispatch(self, "PUT")


class UnixHTTPServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, path: str, app: App):
        self.app = app
        super().__init__(path, Handler)

    def handle_error(self, request, client_address) -> None:
        log.debug("connection error:\n%s", traceback.format_exc())

