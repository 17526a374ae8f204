"""push / pull / login / logout against a real registry (Debian's docker-registry) on loopback.

Each test starts its own registry on 127.0.0.1 with a random port and a
temporary storage directory, and stops it at the end. Nothing leaves the
machine: names without a registry host use the offline catalog.
"""
from __future__ import annotations

import base64
import io
import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time
import uuid
import warnings
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from dockerlab.cli.context import Context
from dockerlab.cli.main import docker_main

REGISTRY = shutil.which("docker-registry") or "/usr/bin/docker-registry"
pytestmark = [pytest.mark.root,
              pytest.mark.skipif(not os.path.exists(REGISTRY),
                                 reason="needs Debian's docker-registry (apt-get install docker-registry)")]


def docker(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = docker_main(list(argv), Context(out=out, err=err))
    return code, out.getvalue(), err.getvalue()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_ca_and_server_cert(where: Path) -> None:
    """ca.crt, and srv.crt/srv.key for 127.0.0.1 signed by it (EC keys: fast)."""
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "1",
            "-subj", "/CN=dockerlab test CA", cwd=where)
    openssl("req", "-new", *ec, "-keyout", "srv.key", "-out", "srv.csr", "-subj", "/CN=127.0.0.1",
            cwd=where)
    (where / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    openssl("x509", "-req", "-in", "srv.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "srv.crt", "-days", "1", "-extfile", "ext.cnf", cwd=where)


@contextmanager
def registry(tmp: Path, extra: str = "", scheme: str = "http"):
    """A docker-registry on 127.0.0.1:<random port>; yields 127.0.0.1:PORT."""
    port = free_port()
    (tmp / "data").mkdir(exist_ok=True)
    config = tmp / "config.yml"
    config.write_text(f"""version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: {tmp}/data
http:
  addr: 127.0.0.1:{port}
{extra}""")
    proc = subprocess.Popen([REGISTRY, "serve", str(config)], stdout=subprocess.DEVNULL,
                            stderr=open(tmp / "registry.log", "wb"))
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    requests.get(f"{scheme}://127.0.0.1:{port}/v2/", timeout=1, verify=False)
                break
            except requests.exceptions.ConnectionError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((tmp / "registry.log").read_text())
                time.sleep(0.05)
        yield f"127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


PUSH_RE = re.compile(r"""Using default tag: latest
The push refers to repository \[(?P<repo>[^\]]+)\]
(?P<short>[0-9a-f]{12}): Preparing
(?P=short): (?P<how>Pushed|Layer already exists)
latest: digest: (?P<digest>sha256:[0-9a-f]{64}) size: \d+
""")
PULL_RE = re.compile(r"""Using default tag: latest
latest: Pulling from (?P<path>\S+)
(?P<short>[0-9a-f]{12}): Pulling fs layer
(?P=short): Verifying Checksum
(?P=short): Download complete
(?P=short): Pull complete
Digest: (?P<digest>sha256:[0-9a-f]{64})
Status: Downloaded newer image for (?P<ref>\S+)
(?P<full>\S+)
""")


def image_id(ref: str) -> str:
    return docker("image", "inspect", "-f", "{{.Id}}", ref)[1].strip()


def test_push_rmi_pull_keeps_the_image_id_and_run_pulls_a_missing_image(state_root, tmp_path, capfd):
    with registry(tmp_path) as host:
        assert docker("pull", "busybox")[0] == 0
        original = image_id("busybox")
        assert docker("tag", "busybox", f"{host}/tools/bb")[0] == 0
        code, out, err = docker("push", f"{host}/tools/bb")
        assert (code, err) == (0, ""), err
        pushed = PUSH_RE.fullmatch(out)
        assert pushed and pushed["repo"] == f"{host}/tools/bb" and pushed["how"] == "Pushed", out
        again = PUSH_RE.fullmatch(docker("push", f"{host}/tools/bb")[1])
        assert again and again["how"] == "Layer already exists"
        assert again["digest"] == pushed["digest"]

        assert docker("rmi", f"{host}/tools/bb", "busybox")[0] == 0
        code, out, err = docker("pull", f"{host}/tools/bb")
        assert (code, err) == (0, "")
        pulled = PULL_RE.fullmatch(out)
        assert pulled, out
        assert pulled["path"] == "tools/bb" and pulled["digest"] == pushed["digest"]
        assert pulled["ref"] == f"{host}/tools/bb:latest" and pulled["full"] == f"{host}/tools/bb:latest"
        assert image_id(f"{host}/tools/bb") == original
        digests = docker("image", "inspect", "-f", "{{.RepoDigests}}", f"{host}/tools/bb")[1]
        assert digests.strip() == f"[{host}/tools/bb@{pushed['digest']}]"
        code, out, _ = docker("pull", f"{host}/tools/bb")
        assert "Status: Image is up to date for" in out

        assert docker("rmi", f"{host}/tools/bb")[0] == 0
        capfd.readouterr()
        code, out, err = docker("run", "--rm", f"{host}/tools/bb", "echo", "from the registry")
        captured = capfd.readouterr()
        assert code == 0, err
        assert captured.out == "from the registry\n"
        assert err.startswith(f"Unable to find image '{host}/tools/bb:latest' locally\n"
                              "latest: Pulling from tools/bb\n")
        assert image_id(f"{host}/tools/bb") == original


def test_pull_errors_read_like_docker(state_root, tmp_path):
    with registry(tmp_path) as host:
        code, out, err = docker("pull", f"{host}/nothing:here")
        assert (code, out) == (1, "")
        assert err == (f"Error response from daemon: manifest for {host}/nothing:here not found: "
                       "manifest unknown: manifest unknown\n")
    code, _, err = docker("pull", f"{host}/nothing")
    assert err == (f'Error response from daemon: Get "http://{host}/v2/": dial tcp {host}: '
                   "connect: connection refused\n")
    code, _, err = docker("pull", "no-such-image-anywhere")
    assert code == 1
    assert err == ("Error response from daemon: pull access denied for no-such-image-anywhere, "
                   "repository does not exist or may require 'docker login': denied: requested "
                   "access to the resource is denied\n")
    code, _, err = docker("push", "busybox")
    assert code == 1 and "Docker Hub" in err


def _htpasswd(user: str, password: str) -> str:
    """An htpasswd line with a bcrypt hash (the only kind docker-registry reads)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import crypt
        return f"{user}:{crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16))}\n"


def test_basic_auth_login_push_pull_logout(state_root, tmp_path):
    (tmp_path / "htpasswd").write_text(_htpasswd("student", "s3cret"))
    auth = f"""auth:
  htpasswd:
    realm: basic-realm
    path: {tmp_path}/htpasswd
"""
    with registry(tmp_path, auth) as host:
        code, _, err = docker("pull", f"{host}/private")
        assert (code, err) == (1, f'Error response from daemon: Get "http://{host}/v2/private/'
                                  'manifests/latest": no basic auth credentials\n')
        code, out, err = docker("login", "-u", "student", "-p", "wrong", host)
        assert code == 1
        assert err.endswith(f"login attempt to http://{host}/v2/ failed with status: "
                            "401 Unauthorized\n")
        config = state_root.root / "docker-config" / "config.json"
        assert not config.exists()

        code, out, err = docker("login", "-u", "student", "-p", "s3cret", host)
        assert (code, out) == (0, "Login Succeeded\n")
        assert err.startswith("WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n"
                              f"WARNING! Your credentials are stored unencrypted in '{config}'.\n")
        stored = json.loads(config.read_text())["auths"][host]["auth"]
        assert base64.b64decode(stored) == b"student:s3cret"

        assert docker("pull", "busybox")[0] == 0
        assert docker("tag", "busybox", f"{host}/private")[0] == 0
        code, out, err = docker("push", f"{host}/private")
        assert code == 0 and PUSH_RE.fullmatch(out), err
        assert docker("rmi", f"{host}/private", "busybox")[0] == 0
        code, out, err = docker("pull", f"{host}/private")
        assert code == 0 and PULL_RE.fullmatch(out), err

        assert docker("logout", host)[1:] == (f"Removing login credentials for {host}\n", "")
        assert host not in json.loads(config.read_text())["auths"]
        assert docker("logout", host)[1] == f"Not logged in to {host}\n"
        assert "no basic auth credentials" in docker("pull", f"{host}/private:other")[2]


def test_tls_registry_needs_its_ca_file(state_root, tmp_path):
    make_ca_and_server_cert(tmp_path)
    tls = f"""  tls:
    certificate: {tmp_path}/srv.crt
    key: {tmp_path}/srv.key
"""
    with registry(tmp_path, tls, scheme="https") as host:
        assert docker("pull", "busybox")[0] == 0
        assert docker("tag", "busybox", f"{host}/secure")[0] == 0
        code, out, err = docker("push", f"{host}/secure")
        assert code == 1
        assert err == (f'Error response from daemon: Get "https://{host}/v2/": tls: failed to verify '
                       "certificate: x509: certificate signed by unknown authority\n")
        certs = state_root.root / "certs.d" / host
        certs.mkdir(parents=True)
        shutil.copy(tmp_path / "ca.crt", certs / "ca.crt")
        code, out, err = docker("push", f"{host}/secure")
        assert code == 0 and PUSH_RE.fullmatch(out), err
        assert docker("rmi", f"{host}/secure", "busybox")[0] == 0
        code, out, err = docker("pull", f"{host}/secure")
        assert code == 0 and PULL_RE.fullmatch(out), err


# -- bearer tokens, as Docker Hub does them ------------------------------------

def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class TokenServer:
    """A token service: checks basic auth, signs a JWT (RS256, x5c) for the scope asked."""

    def __init__(self, where: Path, users: dict[str, str]):
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "tok.key",
                "-out", "tok.crt", "-days", "1", "-subj", "/CN=dockerlab token issuer", cwd=where)
        der = subprocess.run(["openssl", "x509", "-in", where / "tok.crt", "-outform", "DER"],
                             check=True, capture_output=True).stdout
        self.where, self.users, self.x5c = where, users, base64.b64encode(der).decode()
        self.requests: list[dict] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/token"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def sign(self, claims: dict) -> str:
        header = {"typ": "JWT", "alg": "RS256", "x5c": [self.x5c]}
        signing_input = f"{_b64url(json.dumps(header).encode())}.{_b64url(json.dumps(claims).encode())}"
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", self.where / "tok.key"],
                             input=signing_input.encode(), check=True, capture_output=True).stdout
        return f"{signing_input}.{_b64url(sig)}"

    def _handler(self):
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                from urllib.parse import parse_qs, urlparse
                query = {k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()}
                outer.requests.append(query)
                auth = self.headers.get("Authorization", "")
                user = None
                if auth.startswith("Basic "):
                    name, _, pw = base64.b64decode(auth[6:]).decode().partition(":")
                    if outer.users.get(name) != pw:
                        self.send_response(401)
                        self.end_headers()
                        return
                    user = name
                access = []
                if user and query.get("scope", "").startswith("repository:"):
                    _, name, actions = query["scope"].split(":")
                    access = [{"type": "repository", "name": name, "actions": actions.split(",")}]
                now = int(time.time())
                token = outer.sign({"iss": "dockerlab-test", "sub": user or "", "aud": "lab-registry",
                                    "exp": now + 600, "nbf": now - 60, "iat": now,
                                    "jti": uuid.uuid4().hex, "access": access})
                body = json.dumps({"token": token}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_bearer_token_flow_against_a_token_server(state_root, tmp_path):
    tokens = TokenServer(tmp_path, {"student": "pw"})
    auth = f"""auth:
  token:
    realm: {tokens.url}
    service: lab-registry
    issuer: dockerlab-test
    rootcertbundle: {tmp_path}/tok.crt
"""
    try:
        with registry(tmp_path, auth) as host:
            assert docker("pull", "busybox")[0] == 0
            assert docker("tag", "busybox", f"{host}/team/app")[0] == 0
            code, _, err = docker("push", f"{host}/team/app")
            assert code == 1, "an anonymous token grants nothing: the push must fail"
            assert docker("login", "-u", "student", "-p", "pw", host)[0] == 0
            code, out, err = docker("push", f"{host}/team/app")
            assert code == 0 and PUSH_RE.fullmatch(out), err
            assert {"scope": "repository:team/app:pull,push", "service": "lab-registry",
                    "account": "student"} in tokens.requests
            assert docker("rmi", f"{host}/team/app", "busybox")[0] == 0
            code, out, err = docker("pull", f"{host}/team/app")
            assert code == 0 and PULL_RE.fullmatch(out), err
    finally:
        tokens.close()
