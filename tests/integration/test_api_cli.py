"""The Engine API with the real docker client: `dockerlab daemon` on a temp socket.

The chapter-3 scenario (run -d -p, ps, logs, exec, inspect --format, stop,
rm, build with DOCKER_BUILDKIT=0, images) is driven by /usr/local/bin/docker
with DOCKER_HOST=unix://..., against a daemon serving the test's state root.
"""
from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.root
DOCKER = "/usr/local/bin/docker"
needs_docker = pytest.mark.skipif(not os.path.exists(DOCKER),
                                  reason=f"the real docker client is not installed at {DOCKER}")


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: str):
        super().__init__("localhost")
        self.path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


class ApiDaemon:
    """A `dockerlab daemon` process serving a state root, and ways to talk to it."""

    def __init__(self, settings, tmp: Path):
        self.settings = settings
        self.socket = str(Path(settings.run_dir) / "docker.sock")
        self.env = {**os.environ, "DOCKER_HOST": f"unix://{self.socket}",
                    "DOCKER_CONFIG": str(tmp / "docker-config"), "DOCKERLAB_ROOT": str(settings.root), "DOCKERLAB_LANG": "en"}
        self.log = tmp / "daemon.log"
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "dockerlab.main", "daemon"], env=self.env,
                                         stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while "unix://" not in self.log.read_text():        # printed once the socket listens
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail("dockerlab daemon did not start:\n" + self.log.read_text())
            time.sleep(0.05)

    def docker(self, *args: str, input: str | None = None, check: bool = True,
               env: dict | None = None) -> subprocess.CompletedProcess:
        r = subprocess.run([DOCKER, *args], env={**self.env, **(env or {})}, input=input,
                           capture_output=True, text=True, timeout=60)
        if check:
            assert r.returncode == 0, f"docker {' '.join(args)} -> {r.returncode}\n{r.stdout}\n{r.stderr}"
        return r

    def request(self, method: str, path: str, body=None) -> tuple[int, dict, bytes]:
        conn = UnixHTTPConnection(self.socket)
        conn.timeout = 30
        data = json.dumps(body).encode() if body is not None else None
        conn.request(method, path, body=data, headers={"Content-Type": "application/json"} if data else {})
        resp = conn.getresponse()
        out = resp.read()
        conn.close()
        return resp.status, dict(resp.getheaders()), out

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def api(state_root, tmp_path):
    daemon = ApiDaemon(state_root, tmp_path)
    try:
        if os.path.exists(DOCKER):
            assert daemon.docker("pull", "-q", "busybox").stdout.strip() == "docker.io/library/busybox:latest"
        yield daemon
    finally:
        daemon.stop()
    assert not os.path.exists(daemon.socket), "the daemon must remove its socket"


def wait_for_http(port: int, text: str) -> str:
    last = ""
    for _ in range(50):
        try:
            last = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read().decode()
            if text in last:
                return last
        except OSError:
            pass
        time.sleep(0.1)
    return last


@needs_docker
def test_chapter3_scenario_with_the_docker_client(api, tmp_path):
    www = tmp_path / "www"
    www.mkdir()
    (www / "index.html").write_text("hello from the lab\n")
    port = 20000 + os.getpid() % 20000
    cid = api.docker("run", "-d", "--name", "web", "-p", f"{port}:80", "-v", f"{www}:/www",
                     "busybox", "sh", "-c", "echo started; echo warn >&2; exec httpd -f -p 80 -h /www"
                     ).stdout.strip()
    assert len(cid) == 64
    assert "hello from the lab" in wait_for_http(port, "hello")
    ps = api.docker("ps").stdout.splitlines()
    assert ps[0].split() == ["CONTAINER", "ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"]
    assert cid[:12] in ps[1] and "Up " in ps[1] and f"0.0.0.0:{port}->80/tcp" in ps[1] and ps[1].endswith("web")
    logs = api.docker("logs", "web")
    assert logs.stdout == "started\n" and logs.stderr == "warn\n"      # multiplexed: streams kept apart
    assert api.docker("exec", "web", "cat", "/www/index.html").stdout == "hello from the lab\n"
    assert api.docker("exec", "web", "sh", "-c", "exit 3", check=False).returncode == 3
    missing = api.docker("exec", "web", "nosuch", check=False)
    assert missing.returncode == 127 and "executable file not found" in missing.stdout + missing.stderr
    assert api.docker("exec", "-i", "web", "cat", input="typed\n").stdout == "typed\n"
    fmt = api.docker("inspect", "--format", "{{.State.Status}} {{.Name}} {{.Config.Image}}", "web").stdout
    assert fmt.strip() == "running /web busybox"
    top = api.docker("top", "web").stdout
    assert "httpd -f -p 80" in top
    api.docker("stop", "-t", "1", "web")
    assert api.docker("inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", "web").stdout.strip() \
        == "exited 137"
    assert "Exited (137)" in api.docker("ps", "-a").stdout
    assert api.docker("rm", "web").stdout.strip() == "web"
    gone = api.docker("inspect", "web", check=False)
    assert gone.returncode == 1 and "No such object: web" in gone.stderr
    images = api.docker("images").stdout.splitlines()
    assert images[0].split() == ["REPOSITORY", "TAG", "IMAGE", "ID", "CREATED", "SIZE"]
    assert any(line.startswith("busybox ") for line in images[1:])


@needs_docker
def test_attached_runs_keep_output_exit_codes_and_stdin(api):
    r = api.docker("run", "--rm", "busybox", "sh", "-c", "echo out; echo err >&2; exit 5", check=False)
    assert (r.returncode, r.stdout, r.stderr) == (5, "out\n", "err\n")
    assert api.docker("run", "-i", "--rm", "busybox", "tr", "a-z", "A-Z", input="piped in\n").stdout == "PIPED IN\n"
    assert api.docker("ps", "-aq").stdout == ""          # --rm removed them
    bad = api.docker("run", "--rm", "busybox", "nosuchcmd", check=False)
    assert bad.returncode == 127 and "executable file not found" in bad.stderr


@needs_docker
def test_build_legacy_builder_then_run_save_load(api, tmp_path):
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "msg.txt").write_text("from the context\n")
    (ctx / "Dockerfile").write_text('FROM busybox\nCOPY msg.txt /msg.txt\nRUN echo built > /b.txt\n'
                                    'CMD ["cat", "/msg.txt", "/b.txt"]\n')
    out = api.docker("build", "-t", "lab/app:1", str(ctx), env={"DOCKER_BUILDKIT": "0"}).stdout
    assert "Step 1/4 : FROM busybox" in out and "Successfully tagged lab/app:1" in out
    assert api.docker("run", "--rm", "lab/app:1").stdout == "from the context\nbuilt\n"
    history = api.docker("history", "lab/app:1").stdout
    assert "echo built > /b.txt" in history
    api.docker("tag", "lab/app:1", "lab/app:2")
    archive = tmp_path / "app.tar"
    api.docker("save", "-o", str(archive), "lab/app:1")
    assert archive.stat().st_size > 0
    rmi = api.docker("rmi", "lab/app:1", "lab/app:2").stdout
    assert "Untagged: lab/app:1" in rmi and "Deleted: sha256:" in rmi
    assert "Loaded image: lab/app:1" in api.docker("load", "-i", str(archive)).stdout
    assert api.docker("image", "inspect", "--format", "{{json .Config.Cmd}}", "lab/app:1").stdout.strip() \
        == '["cat","/msg.txt","/b.txt"]'
    failed = api.docker("build", "-t", "broken", "-f", "-", str(ctx), input="FROM busybox\nRUN exit 7\n",
                        env={"DOCKER_BUILDKIT": "0"}, check=False)
    assert failed.returncode == 7 and "returned a non-zero code: 7" in failed.stderr


@needs_docker
def test_networks_volumes_prune_info(api):
    api.docker("network", "create", "labnet")
    assert "labnet" in api.docker("network", "ls").stdout
    assert api.docker("network", "inspect", "--format", "{{.Driver}}", "labnet").stdout.strip() == "bridge"
    api.docker("volume", "create", "data")
    api.docker("run", "--rm", "--network", "labnet", "-v", "data:/data", "busybox", "sh", "-c",
               "echo kept > /data/f")
    assert api.docker("run", "--rm", "-v", "data:/data", "busybox", "cat", "/data/f").stdout == "kept\n"
    assert "data" in api.docker("volume", "ls", "-q").stdout.split()
    api.docker("volume", "rm", "data")
    api.docker("network", "rm", "labnet")
    api.docker("create", "--name", "idle", "busybox", "true")
    assert "Deleted Containers:" in api.docker("container", "prune", "-f").stdout
    info = api.docker("info", "--format", "{{.Driver}} {{.OSType}}").stdout.strip()
    assert info == "overlay2 linux"
    status, headers, body = api.request("GET", "/v1.44/containers/nosuch/json")
    assert status == 404 and json.loads(body) == {"message": "No such container: nosuch"}
    assert headers["Api-Version"] == "1.44"
    status, _, body = api.request("GET", "/v1.99/version")
    assert status == 400 and "too new" in json.loads(body)["message"]


def _curl_rootfs(dest: Path) -> None:
    """The host's curl and the libraries it loads, laid out as a layer for COPY."""
    curl = shutil.which("curl")
    files = {curl}
    for line in subprocess.run(["ldd", curl], capture_output=True, text=True, check=True).stdout.splitlines():
        parts = line.split()
        path = parts[2] if "=>" in parts and len(parts) > 2 else parts[0]
        if path.startswith("/"):
            files.add(path)
    for f in files:
        target = dest / f.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(os.path.realpath(f), target)


@needs_docker
@pytest.mark.skipif(not shutil.which("curl"), reason="curl is not installed on the host")
def test_curl_from_inside_a_container_through_the_mounted_socket(api, tmp_path):
    ctx = tmp_path / "curlctx"
    _curl_rootfs(ctx / "rootfs")
    (ctx / "Dockerfile").write_text("FROM busybox\nCOPY rootfs/ /\n")
    api.docker("build", "-q", "-t", "curlbox", str(ctx), env={"DOCKER_BUILDKIT": "0"})
    events = subprocess.Popen([DOCKER, "events", "--since", str(int(time.time()) - 1),
                               "--filter", "type=container", "--format",
                               "{{.Action}} {{.Actor.Attributes.name}}"],
                              env=api.env, stdout=subprocess.PIPE, text=True)
    guard = threading.Timer(60, events.kill)            # never hang the suite on a missing event
    guard.start()
    try:
        body = json.dumps({"Image": "busybox", "Cmd": ["echo", "made from inside"]})
        script = ("set -e; S=/var/run/docker.sock; "
                  f"ID=$(curl -sf --unix-socket $S -H 'Content-Type: application/json' -d '{body}' "
                  "'http://localhost/v1.44/containers/create?name=inner' | sed 's/.*\"Id\":\"\\([0-9a-f]*\\)\".*/\\1/'); "
                  "curl -sf --unix-socket $S -X POST http://localhost/v1.44/containers/$ID/start; "
                  "curl -sf --unix-socket $S -X POST http://localhost/containers/$ID/wait; echo; "
                  "curl -sf --unix-socket $S 'http://localhost/containers/json?all=1' | grep -o '\"Names\":\\[[^]]*\\]'")
        out = api.docker("run", "--rm", "--name", "outer", "-v", "/var/run/docker.sock:/var/run/docker.sock",
                         "curlbox", "sh", "-c", script).stdout
        assert '{"StatusCode":0}' in out
        assert '"/inner"' in out and '"/outer"' in out
        assert api.docker("logs", "inner").stdout == "made from inside\n"
        seen = []
        for line in events.stdout:
            seen.append(line.strip())
            if line.strip() == "die inner":
                break
        assert seen[:3] == ["create outer", "start outer", "create inner"]
        assert "start inner" in seen
    finally:
        guard.cancel()
        events.kill()
        events.wait()
        events.stdout.close()
    api.docker("rm", "inner")


def test_socket_is_root_and_group_only(api):
    mode = os.stat(api.socket).st_mode & 0o777
    assert mode == 0o660
    r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "curl", "-s",
                        "--unix-socket", api.socket, "http://localhost/_ping"],
                       capture_output=True, text=True)
    assert r.returncode != 0 and r.stdout == ""          # the kernel refuses: no access to the socket
    os.chmod(api.settings.root, 0o711)                   # reachable by others (a temp root is 0700)
    probe = f"import socket; socket.socket(socket.AF_UNIX).connect({api.socket!r})"
    r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3",
                        "-c", probe], capture_output=True, text=True)
    assert "PermissionError" in r.stderr                 # the socket's mode refuses
    os.chmod(api.socket, 0o666)                          # loosened by hand: the daemon still refuses
    r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "curl", "-s",
                        "--unix-socket", api.socket, "http://localhost/_ping"],
                       capture_output=True, text=True)
    assert "permission denied" in r.stdout and "uid 65534" in r.stdout
    status, headers, body = api.request("HEAD", "/_ping")
    assert status == 200 and headers["Api-Version"] == "1.44" and headers["Builder-Version"] == "1"
