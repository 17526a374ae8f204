"""Through `dockerlab daemon`: GET /containers/{id}/export (real docker client and raw HTTP),
and a classic build with an ONBUILD trigger and an `ADD <url>` served on 127.0.0.1."""
from __future__ import annotations

import io
import subprocess
import tarfile

import pytest

from http_support import server  # noqa: F401 - the file server fixture
from test_api_cli import DOCKER, api, needs_docker  # noqa: F401 - `api` is the daemon fixture

pytestmark = pytest.mark.root


def _names(data: bytes) -> list[str]:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return tar.getnames()


@needs_docker
def test_docker_export_through_the_api(api, tmp_path):
    api.docker("run", "--name", "box", "--network", "none", "busybox", "sh", "-c",
               "echo via-api > /api.txt && rm /bin/ls")
    target = tmp_path / "box.tar"
    api.docker("export", "-o", str(target), "box")
    names = _names(target.read_bytes())
    assert "api.txt" in names and "bin/sh" in names and "bin/ls" not in names
    piped = subprocess.run([DOCKER, "container", "export", "box"], env=api.env,
                           capture_output=True, timeout=60)
    assert piped.returncode == 0, piped.stderr
    with tarfile.open(fileobj=io.BytesIO(piped.stdout)) as tar:
        assert tar.extractfile("api.txt").read() == b"via-api\n"
    missing = api.docker("export", "-o", str(tmp_path / "x.tar"), "nosuch", check=False)
    assert (missing.returncode, missing.stderr) == \
        (1, "Error response from daemon: No such container: nosuch\n")


@needs_docker                       # the fixture pulls busybox with the docker client
def test_export_endpoint_answers_a_tar_or_404(api):
    status, _, _ = api.request("POST", "/containers/create?name=idle",
                               {"Image": "busybox", "HostConfig": {"NetworkMode": "none"}})
    assert status == 201
    status, headers, body = api.request("GET", "/containers/idle/export")
    assert status == 200 and headers["Content-Type"] == "application/x-tar"
    assert "bin/busybox" in _names(body)
    status, _, body = api.request("GET", "/containers/nosuch/export")
    assert (status, body.strip()) == (404, b'{"message":"No such container: nosuch"}')


@needs_docker
def test_legacy_build_with_onbuild_and_add_url(api, server, tmp_path):  # noqa: F811
    server.table["/note.txt"] = (b"fetched by the daemon\n", {})
    url = f"{server.base}/note.txt"
    env = {"DOCKER_BUILDKIT": "0"}
    base = tmp_path / "base"
    base.mkdir()
    (base / "Dockerfile").write_text(f"FROM busybox\nONBUILD ADD {url} /in/\n")
    api.docker("build", "-t", "lab/onbuild", str(base), env=env)
    out = api.docker("build", "-t", "lab/child", "-f", "-", str(base),
                     input="FROM lab/onbuild\nCMD [\"cat\", \"/in/note.txt\"]\n", env=env).stdout
    lines = out.splitlines()
    start = lines.index("Step 1/2 : FROM lab/onbuild")
    assert lines[start + 1:start + 3] == ["# Executing 1 build trigger", ""]
    assert api.docker("run", "--rm", "--network", "none", "lab/child").stdout == "fetched by the daemon\n"
    assert api.docker("image", "inspect", "--format", "{{json .Config.OnBuild}}",
                      "lab/onbuild").stdout.strip() == f'["ADD {url} /in/"]'
