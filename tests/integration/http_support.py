"""A small HTTP file server on 127.0.0.1 for tests that fetch URLs (ADD <url>)."""
from __future__ import annotations

import contextlib
import http.server
import threading

import pytest


class Files:
    """What the test server answers: path -> (body, extra headers); every GET is counted."""

    def __init__(self):
        self.table: dict[str, tuple[bytes, dict[str, str]]] = {}
        self.hits: dict[str, int] = {}


@pytest.fixture
def server():
    files = Files()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            files.hits[self.path] = files.hits.get(self.path, 0) + 1
            if self.path not in files.table:
                body = b"no such file\n"
                self.send_response(404, "Not Found")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            body, headers = files.table[self.path]
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    with serving(http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)) as httpd:
        files.base = f"http://127.0.0.1:{httpd.server_address[1]}"
        yield files


@contextlib.contextmanager
def serving(httpd: http.server.HTTPServer):
    """Serve `httpd` from a thread for the block; shut down and closed after it."""
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)
