"""Unit tests of the evaluator for effect checks.

`http` checks make real requests to a real HTTP server this test starts on
127.0.0.1 (an ephemeral port). `exec` checks run against `RecordedEngine`
(recorded answers, not the real engine): they test the evaluator's logic.
"""
from __future__ import annotations

import http.server
import threading

import pytest

from checks_support import RecordedEngine
from dockerlab.tutor.checks import Check, CheckContext, evaluate
from dockerlab.tutor.checks.effects import container_address
from dockerlab.tutor.i18n import use_language


@pytest.fixture(autouse=True)
def english():
    with use_language("en"):
        yield


class _Handler(http.server.BaseHTTPRequestHandler):
    requested: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server's naming
        self.requested.append(self.path)
        if self.path == "/moved":
            self.send_response(302)
            self.send_header("Location", "/followed")
            self.end_headers()
            return
        status, body = (200, b"<h1>Welcome to nginx!</h1>") if self.path == "/" else \
            (404, b"404 Not Found")
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


@pytest.fixture
def ctx(tmp_path):
    return CheckContext(engine=RecordedEngine(tmp_path), workdir=tmp_path)


def run(ctx, **check):
    return evaluate(Check.model_validate(check), ctx)


def test_http_status_and_body(ctx, server):
    assert run(ctx, http={"url": server + "/", "contains": "Welcome to nginx"}).ok
    assert run(ctx, http={"url": server + "/", "regex": r"<h1>\w+ to"}).ok
    assert run(ctx, http={"url": server + "/missing", "status": 404, "contains": "Not Found"}).ok
    result = run(ctx, http={"url": server + "/", "contains": "Apache"})
    assert result.details == f'the page at {server}/ does not contain "Apache"'
    result = run(ctx, http={"url": server + "/missing"})
    assert result.details == f"{server}/missing answered 404, expected 200"


def test_http_does_not_follow_redirects(ctx, server):
    """A redirect could point out of the lab: it is reported, never followed."""
    _Handler.requested.clear()
    result = run(ctx, http={"url": server + "/moved"})
    assert result.details == f"{server}/moved answered 302, expected 200"
    assert run(ctx, http={"url": server + "/moved", "status": 302}).ok
    assert _Handler.requested == ["/moved", "/moved"]


def test_http_ignores_proxy_settings(ctx, server, monkeypatch):
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    assert run(ctx, http={"url": server + "/", "contains": "nginx"}).ok


def test_http_connection_refused(ctx, server):
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run(ctx, http={"url": f"http://127.0.0.1:{port}/", "timeout": 1})
    assert not result.ok
    assert result.details.startswith(f"could not reach http://127.0.0.1:{port}/: ")
    assert "refused" in result.details.lower()


def test_container_address_is_a_private_lab_address(ctx):
    assert container_address(ctx, "web") == "172.17.0.2"
    assert container_address(ctx, "pinger") == "172.28.0.2"
    assert container_address(ctx, "hog") is None
    result = run(ctx, http={"container": "hog", "port": 80})
    assert result.details == "container hog has no address on a lab network"


def test_exec(ctx):
    engine = ctx.engine
    engine.exec_results[("web", ("cat", "/usr/share/nginx/html/index.html"))] = (0, b"<h1>Bonjour</h1>\n")
    engine.exec_results[("web", ("id", "-u"))] = (0, b"101\n")
    assert run(ctx, exec={"container": "web", "cmd": "cat /usr/share/nginx/html/index.html",
                          "contains": "Bonjour"}).ok
    assert run(ctx, exec={"container": "web", "cmd": ["id", "-u"], "user": "nginx",
                          "regex": r"^\d+$"}).ok
    assert engine.exec_calls[-1] == ("web", ["id", "-u"], "nginx")
    bad = run(ctx, exec={"container": "web", "cmd": "id -u", "contains": "0\n"})
    assert bad.details == "the output of 'id -u' in web does not contain \"0\n\""
    missing = run(ctx, exec={"container": "web", "cmd": "which curl"})
    assert missing.details == "'which curl' in web exited with 127, expected 0"
    assert run(ctx, exec={"container": "web", "cmd": "which curl", "exit_code": 127}).ok
    assert run(ctx, exec={"container": "web", "cmd": "which curl", "exit_code": None}).ok


def test_exec_engine_errors_are_verdicts(ctx):
    """Docker's own message is shown; the shell does not crash."""
    stopped = run(ctx, exec={"container": "hog", "cmd": "true"})
    assert not stopped.ok
    assert stopped.details == f"Container {ctx.engine.containers[1]['Id']} is not running"
    gone = run(ctx, exec={"container": "ghost", "cmd": "true"})
    assert gone.details == "No such container: ghost"
