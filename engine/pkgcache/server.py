"""The package cache's HTTP side: an apt proxy for the Debian archive, and `apk`'s bundles.

Requests it answers (anything else gets 403 with a sentence saying why):
- `GET http://ANY-HOST/debian/PATH` (apt with a proxy configured) and
  `GET /debian/PATH` (a sources.list pointing at the cache): the file
  PATH of the Debian archive, from the store or from the one configured
  mirror. The host a container names is never contacted.
- `GET /apk/plan?pkgs=a,b` (text: `ok NAME VERSION` / `missing NAME` lines) and
  `GET /apk/bundle?pkgs=a,b` (tar): see apk.py.
"""
from __future__ import annotations

import logging
import socket
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ..errors import EngineError, InvalidArgument, NotFound
from . import apk
from .config import CacheConfig
from .store import Offline, PackageStore

log = logging.getLogger("dockerlab.pkgcache")
ARCHIVE = "/debian/"
OFFLINE_REASON = "Not Found (dockerlab package cache: mirror unreachable, no copy)"
REFUSED = ("dockerlab's package cache only serves the Debian archive (http://.../debian/...) "
           "from the lab's configured mirror; nothing else leaves the lab.\n")


class CacheServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, sock: socket.socket, config: CacheConfig):
        super().__init__(sock.getsockname()[:2], Handler, bind_and_activate=False)
        self.socket.close()
        self.socket = sock
        self.server_address = sock.getsockname()[:2]
        self.store = PackageStore(config)


class Handler(BaseHTTPRequestHandler):
    server: CacheServer
    server_version = "dockerlab-pkgcache/1"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt: str, *args) -> None:
        log.info("%s %s", self.address_string(), fmt % args)

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def do_GET(self) -> None:
        self._answer(head=False)

    def do_CONNECT(self) -> None:
        self._text(403, REFUSED)

    def _answer(self, head: bool) -> None:
        url = urllib.parse.urlsplit(self.path)
        try:
            path = urllib.parse.unquote(url.path)
            if path.startswith(ARCHIVE):
                self._archive(path[len(ARCHIVE):], head)
            elif url.path == "/apk/plan" and not url.netloc:
                self._text(200, apk.plan_text(self.server.store, _pkgs(url.query)), head)
            elif url.path == "/apk/bundle" and not url.netloc:
                self._bundle(_pkgs(url.query), head)
            else:
                self._text(403, REFUSED, head)
        except NotFound as err:
            self._text(404, f"{err}\n", head)
        except Offline as err:
            # 404, not 502: apt then falls back (InRelease -> Release) as with any mirror
            self._text(404, f"{err}\n", head, reason=OFFLINE_REASON)
        except InvalidArgument as err:
            self._text(400, f"{err}\n", head)
        except EngineError as err:
            self._text(500, f"{err}\n", head)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _archive(self, rel: str, head: bool) -> None:
        answer = self.server.store.get(rel)
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("X-Dockerlab-Source", answer.source)
        if answer.size is not None:
            self.send_header("Content-Length", str(answer.size))
        else:
            self.close_connection = True
        self.end_headers()
        if head:
            answer.chunks.close()  # type: ignore[attr-defined]
            return
        for chunk in answer.chunks:
            self.wfile.write(chunk)

    def _bundle(self, names: list[str], head: bool) -> None:
        apk.plan(self.server.store, names)          # errors before the 200
        self.send_response(200)
        self.send_header("Content-Type", "application/x-tar")
        self.close_connection = True
        self.end_headers()
        if not head:
            apk.write_bundle(self.server.store, names, self.wfile)

    def _text(self, code: int, text: str, head: bool = False, reason: str | None = None) -> None:
        body = text.encode()
        self.send_response(code, reason)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)


def _pkgs(query: str) -> list[str]:
    values = urllib.parse.parse_qs(query).get("pkgs", [])
    return [n for v in values for n in v.replace(" ", ",").split(",") if n]


def listen(address: str, port: int) -> socket.socket:
    """A listening TCP socket on `address:port` (0 = any free port)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((address, port))
    sock.listen(64)
    return sock


class ThreadedCache:
    """A cache served from a thread of this process (image builds use one on loopback)."""

    def __init__(self, config: CacheConfig, address: str = "127.0.0.1", port: int = 0):
        self.server = CacheServer(listen(address, port), config)
        self.thread = threading.Thread(target=self.server.serve_forever, name="pkgcache",
                                       daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address
        return f"http://{host}:{port}"

    def __enter__(self) -> "ThreadedCache":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()
