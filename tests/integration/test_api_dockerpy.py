"""The Engine API with docker-py (the `docker` package from PyPI): the chapter-3 scenario again."""
from __future__ import annotations

import io
import os
import tarfile
import time
import urllib.request

import pytest

from test_api_cli import api  # noqa: F401 - the daemon fixture

docker = pytest.importorskip("docker", reason="docker-py is in the test extra (pip install -e .[test])")
pytestmark = pytest.mark.root


@pytest.fixture
def client(api):  # noqa: F811
    c = docker.DockerClient(base_url=f"unix://{api.socket}", timeout=60)
    try:
        yield c
    finally:
        c.close()


def _context(dockerfile: str) -> io.BytesIO:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        data = dockerfile.encode()
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    buf.seek(0)
    return buf


def test_chapter3_scenario_with_docker_py(client):
    assert client.ping() is True
    assert client.version()["ApiVersion"] == "1.44"
    port = 30000 + os.getpid() % 20000
    c = client.containers.run("busybox", ["sh", "-c", "echo ready; exec httpd -f -p 80"], detach=True,
                              name="web", ports={"80/tcp": port})
    assert [x.name for x in client.containers.list()] == ["web"]
    c.reload()
    assert c.status == "running" and c.attrs["HostConfig"]["PortBindings"]["80/tcp"][0]["HostPort"] == str(port)
    assert c.ports["80/tcp"][0]["HostPort"] == str(port)
    body = ""
    for _ in range(50):
        try:
            body = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read().decode()
            break
        except urllib.error.HTTPError as e:      # busybox httpd answers 404 with no index: it listens
            body = str(e.code)
            break
        except OSError:
            time.sleep(0.1)
    assert body == "404"
    assert c.logs() == b"ready\n"
    code, out = c.exec_run(["sh", "-c", "echo $((6*7)); exit 0"])
    assert (code, out) == (0, b"42\n")
    code, (out, err) = c.exec_run(["sh", "-c", "echo o; echo e >&2; exit 4"], demux=True)
    assert (code, out, err) == (4, b"o\n", b"e\n")
    assert "httpd -f -p 80" in str(c.top()["Processes"])
    c.stop(timeout=1)
    c.reload()
    assert (c.status, c.attrs["State"]["ExitCode"]) == ("exited", 137)
    c.remove()
    with pytest.raises(docker.errors.NotFound):
        client.containers.get("web")


def test_run_wait_logs_build_images_with_docker_py(client):
    assert client.containers.run("busybox", ["echo", "hi"], remove=True) == b"hi\n"
    with pytest.raises(docker.errors.ContainerError) as failed:
        client.containers.run("busybox", ["sh", "-c", "exit 3"], remove=True)
    assert failed.value.exit_status == 3
    image, logs = client.images.build(fileobj=_context('FROM busybox\nRUN echo built > /b\nCMD ["cat", "/b"]\n'),
                                      custom_context=True, tag="lab/py:1")
    assert "lab/py:1" in image.tags
    assert any("Successfully built" in (chunk.get("stream") or "") for chunk in logs)
    assert client.containers.run("lab/py:1", remove=True) == b"built\n"
    assert any("lab/py:1" in i.tags for i in client.images.list())
    assert image.history()[0]["Tags"] == ["lab/py:1"]
    client.images.remove("lab/py:1")
    with pytest.raises(docker.errors.ImageNotFound):
        client.images.get("lab/py:1")
    net = client.networks.create("pynet")
    vol = client.volumes.create("pyvol")
    assert client.containers.run("busybox", ["sh", "-c", "echo saved > /v/f; cat /v/f"], remove=True,
                                 network="pynet", volumes={"pyvol": {"bind": "/v", "mode": "rw"}}) == b"saved\n"
    net.remove()
    vol.remove()
    with pytest.raises(docker.errors.APIError) as conflict:
        client.containers.create("busybox", name="twice")
        client.containers.create("busybox", name="twice")
    assert conflict.value.status_code == 409
    client.containers.get("twice").remove()
