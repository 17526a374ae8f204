"""docker cp / diff / prune / volume through `docker_main`, on running and stopped containers."""
from __future__ import annotations

import io
import sys
import tarfile

import pytest

from cli_support import Docker

pytestmark = pytest.mark.root


@pytest.fixture
def docker(state_root):
    return Docker(state_root)


def test_cp_both_ways_on_a_running_container(docker, tmp_path):
    docker.detached("web")
    (tmp_path / "in.txt").write_text("from the host\n")
    (tmp_path / "tree" / "sub").mkdir(parents=True)
    (tmp_path / "tree" / "sub" / "f").write_text("deep\n")
    assert docker.ok("cp", str(tmp_path / "in.txt"), "web:/tmp/") == ""
    assert docker.ok("cp", str(tmp_path / "tree"), "web:/srv") == ""       # /srv does not exist: created
    r = docker.engine.exec_run("web", ["cat", "/tmp/in.txt", "/srv/sub/f"])
    assert r == (0, b"from the host\ndeep\n")
    docker.ok("cp", "web:/tmp/in.txt", str(tmp_path / "back.txt"))
    assert (tmp_path / "back.txt").read_text() == "from the host\n"
    docker.ok("cp", "web:/srv/.", str(tmp_path / "tree"))                 # contents into an existing dir
    assert (tmp_path / "tree" / "sub" / "f").read_text() == "deep\n"
    docker.ok("cp", "web:/etc", str(tmp_path))
    assert (tmp_path / "etc" / "passwd").read_text().startswith("root:")


def test_cp_on_a_stopped_container_and_no_escape(docker, tmp_path):
    docker.ok("create", "--name", "box", "busybox", "sleep", "60")
    (tmp_path / "note").write_text("written while stopped\n")
    docker.ok("cp", str(tmp_path / "note"), "box:/note")
    docker.ok("cp", "box:/note", str(tmp_path / "again"))
    assert (tmp_path / "again").read_text() == "written while stopped\n"
    # `..` and absolute links resolve inside the container, never on the host
    docker.ok("cp", "box:/../../../../etc/passwd", str(tmp_path / "escaped"))
    docker.ok("cp", "box:/etc/passwd", str(tmp_path / "inside"))
    assert (tmp_path / "escaped").read_bytes() == (tmp_path / "inside").read_bytes()
    assert (tmp_path / "inside").read_bytes() != open("/etc/passwd", "rb").read()
    docker.ok("start", "box")   # the file written while stopped is in the container's layer
    assert docker.engine.exec_run("box", ["cat", "/note"]) == (0, b"written while stopped\n")


def test_cp_errors(docker, tmp_path):
    docker.detached("web")
    r = docker("cp", "web:/nope", str(tmp_path))
    assert (r.code, r.err) == (1, "Error response from daemon: Could not find the file /nope in container web\n")
    r = docker("cp", "web:/etc/hostname", "/nonexistent-dir/x")
    assert (r.code, r.err) == (1, 'invalid output path: directory "/nonexistent-dir" does not exist\n')
    r = docker("cp", str(tmp_path / "missing"), "web:/tmp")
    assert (r.code, r.err) == (1, f"lstat {tmp_path}/missing: no such file or directory\n")
    r = docker("cp", "web:/a", "web:/b")
    assert (r.code, r.err) == (1, "copying between containers is not supported\n")
    r = docker("cp", "a", "b")
    assert (r.code, r.err) == (1, "must specify at least one container source\n")


def test_cp_tar_streams(docker, tmp_path, monkeypatch):
    docker.detached("web")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo("streamed.txt")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"abc"))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(buf.getvalue())))
    docker.ok("cp", "-", "web:/tmp")
    assert docker.engine.exec_run("web", ["cat", "/tmp/streamed.txt"]) == (0, b"abc")
    r = docker("cp", "-", "web:/etc/hostname")
    assert (r.code, r.err) == (1, 'destination "web:/etc/hostname" must be a directory\n')
    out = io.TextIOWrapper(io.BytesIO())
    from dockerlab.cli.context import Context
    from dockerlab.cli.main import docker_main
    assert docker_main(["cp", "web:/tmp/streamed.txt", "-"], Context(out=out, err=io.StringIO(),
                                                                    _engine=docker.engine)) == 0
    with tarfile.open(fileobj=io.BytesIO(out.buffer.getvalue())) as tar:
        assert tar.getnames() == ["streamed.txt"]
        assert tar.extractfile("streamed.txt").read() == b"abc"


def test_diff_reports_added_changed_deleted(docker):
    docker.detached("web")
    assert docker.ok("diff", "web") == ""
    code, _ = docker.engine.exec_run("web", ["sh", "-c", "echo x > /tmp/new; rm /bin/cat; mkdir /data"])
    assert code == 0
    assert docker.ok("diff", "web") == "C /bin\nD /bin/cat\nA /data\nC /tmp\nA /tmp/new\n"


def test_container_prune_and_system_prune(docker, monkeypatch):
    docker.ok("create", "--name", "aa", "busybox")
    docker.ok("run", "--name", "bb", "busybox", "sh", "-c", "echo data > /file")
    keep = docker.detached("keep")
    docker.ok("network", "create", "unused")
    monkeypatch.setattr(sys, "stdin", io.StringIO("n\n"))
    r = docker("container", "prune")
    assert r.out == "WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] "
    assert docker.ok("ps", "-aq").count("\n") == 3
    monkeypatch.setattr(sys, "stdin", io.StringIO("y\n"))
    out = docker.ok("container", "prune")
    assert out.startswith("WARNING! This will remove all stopped containers.\n"
                          "Are you sure you want to continue? [y/N] Deleted Containers:\n")
    assert out.endswith("\n\nTotal reclaimed space: 5B\n")
    assert docker.ok("ps", "-aq") == keep[:12] + "\n"
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    r = docker("system", "prune")
    assert r.out == ("WARNING! This will remove:\n  - all stopped containers\n"
                     "  - all networks not used by at least one container\n  - all dangling images\n"
                     "  - unused build cache\n\nAre you sure you want to continue? [y/N] ")
    docker.ok("stop", "-t", "0", "keep")
    assert docker.ok("system", "prune", "-f") == (f"Deleted Containers:\n{keep}\n\n"
                                                  "Deleted Networks:\nunused\n\nTotal reclaimed space: 0B\n")
    assert docker.ok("images", "-q") != ""     # tagged images stay without -a


def test_volume_commands(docker):
    assert docker.ok("volume", "create", "data") == "data\n"
    docker.ok("run", "--rm", "-v", "data:/data", "busybox", "sh", "-c", "echo kept > /data/f")
    out = docker.ok("run", "--rm", "-v", "data:/data", "busybox", "cat", "/data/f")
    assert docker.ok("volume", "ls") == "DRIVER    VOLUME NAME\nlocal     data\n"
    assert docker.ok("volume", "inspect", "-f", "{{.Name}} {{.Driver}}", "data") == "data local\n"
    docker.detached("user", opts=("-v", "data:/data"))
    r = docker("volume", "rm", "data")
    assert r.code == 1 and r.err.startswith("Error response from daemon: remove data: volume is in use")
    docker.ok("rm", "-f", "user")
    assert docker.ok("volume", "rm", "data") == "data\n"
    assert docker.ok("volume", "ls", "-q") == ""
