"""/.dockerenv: in every container, as dockerd's init layer makes it, never a change of its own."""
from __future__ import annotations

import io
import tarfile

import pytest

from cli_support import Docker

pytestmark = pytest.mark.root


@pytest.fixture
def docker(state_root):
    return Docker(state_root)


def logs(docker: Docker, capfd, name: str) -> str:
    """`docker logs` as a terminal shows it (the CLI streams it to our stdout's descriptor)."""
    capfd.readouterr()
    return docker.ok("logs", name) + capfd.readouterr().out


def test_every_container_has_an_empty_dockerenv_that_diff_and_commit_leave_out(docker, tmp_path,
                                                                               capfd):
    docker.ok("run", "--name", "env1", "--network", "none", "busybox", "sh", "-c",
              "stat -c '%n %s %a %u:%g' /.dockerenv && echo x > /made")
    assert logs(docker, capfd, "env1") == "/.dockerenv 0 755 0:0\n"        # -rwxr-xr-x root root
    assert docker.ok("diff", "env1") == "A /made\n"                       # not C/A /.dockerenv
    out = tmp_path / "env1.tar"
    docker.ok("export", "-o", str(out), "env1")
    with tarfile.open(out) as tar:
        env = tar.getmember(".dockerenv")
    assert (env.isreg(), env.size, env.mode, env.uid) == (True, 0, 0o755, 0)
    docker.ok("commit", "env1", "dlab/committed")
    image = docker.engine.images.get("dlab/committed")
    assert not any((d / ".dockerenv").exists() for d in docker.engine.images.layer_dirs(image))
    # a container of the committed image gets its own (from its init layer, not the image)
    docker.ok("run", "--name", "env2", "--network", "none", "dlab/committed", "cat", "/made",
              "/.dockerenv")
    assert logs(docker, capfd, "env2") == "x\n"
    docker.ok("rm", "env1", "env2")


def test_read_only_and_exec_see_it_too(docker):
    docker.ok("run", "-d", "--name", "ro", "--read-only", "--network", "none", "busybox",
              "sleep", "30")
    r = docker("exec", "ro", "test", "-f", "/.dockerenv")
    assert r.code == 0, r.err
    docker.ok("rm", "-f", "ro")


def test_an_unchanged_container_has_no_diff_yet_exports_it(docker):
    """diff reads the writable layer only; export merges every layer, the init one too."""
    docker.ok("run", "--name", "quiet", "--network", "none", "busybox", "true")
    assert docker.ok("diff", "quiet") == ""
    data = io.BytesIO()
    from dockerlab.engine.containerexport import export
    export(docker.engine, "quiet", data.write)
    data.seek(0)
    with tarfile.open(fileobj=data) as tar:
        assert ".dockerenv" in tar.getnames()
    docker.ok("rm", "quiet")
