"""docker export / docker container export on the real engine: the tar of a container's layers."""
from __future__ import annotations

import io
import os
import tarfile

import pytest

from cli_support import Docker
from dockerlab.cli.context import Context
from dockerlab.cli.main import docker_main

pytestmark = pytest.mark.root


@pytest.fixture
def docker(state_root):
    return Docker(state_root)


def _changed_box(docker) -> str:
    """A stopped container whose root differs from busybox's: added, changed, deleted, linked."""
    docker.ok("run", "--name", "box", "--network", "none", "busybox", "sh", "-c",
              "echo made > /made.txt && mkdir -p /srv/data && echo deep > /srv/data/f && "
              "echo changed > /etc/motd && rm /bin/ls && ln /made.txt /hard && "
              "ln -s /made.txt /soft && chown 1234:5678 /srv/data/f && chmod 0640 /srv/data/f && "
              "rm -rf /var && mkdir /var && echo v > /var/only")      # an opaque directory
    return docker.engine.resolve("box")


def _members(data: bytes) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return {m.name: m for m in tar.getmembers()}


def _read(data: bytes, name: str) -> bytes:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return tar.extractfile(name).read()


def test_export_to_a_file_shows_the_containers_changes(docker, tmp_path):
    _changed_box(docker)
    out = tmp_path / "box.tar"
    assert docker.ok("export", "-o", str(out), "box") == ""
    assert os.stat(out).st_mode & 0o777 == 0o600              # docker's CopyToFile temp file
    data = out.read_bytes()
    members = _members(data)
    assert _read(data, "made.txt") == b"made\n"
    assert _read(data, "srv/data/f") == b"deep\n"
    assert _read(data, "etc/motd") == b"changed\n"
    assert "bin/ls" not in members and "bin/sh" in members     # the whiteout hides the image's file
    assert [n for n in members if n.startswith("var/")] == ["var/only"]   # the image's /var is hidden
    f = members["srv/data/f"]
    assert (f.uid, f.gid, f.mode, f.uname, f.gname) == (1234, 5678, 0o640, "", "")
    # a hard link is stored once, then as a link to the first name in walk order
    assert members["hard"].isreg() and members["made.txt"].islnk()
    assert members["made.txt"].linkname == "hard"
    assert members["soft"].issym() and members["soft"].linkname == "/made.txt"
    assert members["srv"].isdir() and not [n for n in members if n.startswith("proc/")]
    assert not any(n.startswith("/") or n.startswith("./") for n in members)
    names = list(members)
    assert names.index("srv") < names.index("srv/data") < names.index("srv/data/f")
    assert not list(tmp_path.glob(".docker_temp_*"))


def test_container_export_to_stdout_of_a_running_container(docker):
    docker.detached("web", "sh", "-c", "echo live > /live.txt; sleep 60", opts=("--network", "none"))
    deadline = 50
    while docker.engine.exec_run("web", ["test", "-e", "/live.txt"])[0] != 0 and deadline:
        deadline -= 1
    out = io.TextIOWrapper(io.BytesIO())
    ctx = Context(out=out, err=io.StringIO(), _engine=docker.engine)
    assert docker_main(["container", "export", "web"], ctx) == 0, ctx.err.getvalue()
    data = out.buffer.getvalue()
    assert _read(data, "live.txt") == b"live\n"
    assert "bin/busybox" in _members(data)
    assert not any(n.startswith("proc/") or n.startswith("sys/") for n in _members(data))


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_export_errors(docker, tmp_path):
    docker.ok("create", "--name", "idle", "busybox")
    ctx = Context(out=_Terminal(), err=io.StringIO(), _engine=docker.engine)
    assert docker_main(["export", "idle"], ctx) == 1
    assert ctx.err.getvalue() == \
        "cowardly refusing to save to a terminal. Use the -o flag or redirect\n"
    r = docker("export", "-o", "/nonexistent-dir/x.tar", "idle")
    assert (r.code, r.err) == (1, 'failed to export container: invalid output path: directory '
                                  '"/nonexistent-dir" does not exist\n')
    r = docker("export", "-o", str(tmp_path / "x.tar"), "nosuch")
    assert (r.code, r.err) == (1, "Error response from daemon: No such container: nosuch\n")
    assert list(tmp_path.iterdir()) == []
    r = docker("export", "-o", str(tmp_path / "idle.tar"), "idle")       # never started: fine
    assert r.code == 0 and "bin/sh" in _members((tmp_path / "idle.tar").read_bytes())
