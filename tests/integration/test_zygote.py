"""Shims of a long-lived process are forked by its zygote (engine/runtime/zygote.py):
they run containers as the caller's own forks did, take the caller's environment as of
each start, and the zygote goes when its caller lets go of it."""
from __future__ import annotations

import os
import time

import pytest

from dockerlab.engine.runtime import zygote
from dockerlab.engine.runtime.monitor import is_slim

from cli_support import Docker

pytestmark = pytest.mark.root


@pytest.fixture
def docker(state_root):
    return Docker(state_root)


def parent_of(pid: int) -> int:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("PPid:"):
            return int(line.split()[1])
    raise AssertionError(f"no PPid for {pid}")


def ready_zygote(docker: Docker) -> zygote.Zygote:
    """Start containers until this process's zygote answers (it is started on first use)."""
    end = time.monotonic() + 20
    while time.monotonic() < end:
        assert docker.ok("run", "--rm", "--network", "none", "busybox", "true") == ""
        current = zygote._current
        if current is not None and current.poll_ready():
            return current
        time.sleep(0.05)
    raise AssertionError("the zygote never became ready")


def test_shims_are_forked_by_the_zygote_and_run_containers(docker, capfd):
    z = ready_zygote(docker)
    capfd.readouterr()
    docker.ok("run", "--rm", "busybox", "sh", "-c", "echo hi from $(hostname)")   # to the real stdout
    assert capfd.readouterr().out.startswith("hi from ")
    docker.ok("run", "-d", "--name", "z1", "--network", "none", "busybox", "sleep", "30")
    shim = docker.engine.state("z1")["ShimPid"]
    assert parent_of(shim) == z.proc.pid
    assert parent_of(z.proc.pid) == os.getpid()
    docker.ok("stop", "-t", "1", "z1")
    assert docker.ok("wait", "z1") == "137\n"
    assert docker.ok("inspect", "-f", "{{.State.Status}}", "z1") == "exited\n"


def test_a_shim_takes_the_callers_environment_of_its_start(docker, monkeypatch):
    ready_zygote(docker)
    monkeypatch.setenv("DOCKERLAB_SHIM_SLIM", "0")       # set after the zygote started
    docker.ok("run", "-d", "--name", "fat", "--network", "none", "busybox", "sleep", "30")
    shim = docker.engine.state("fat")["ShimPid"]
    time.sleep(2.0)                                       # a slimming shim execs after 1 s idle
    assert not is_slim(shim), "the shim ran with the zygote's environment, not the caller's"
    docker.ok("rm", "-f", "fat")


def test_without_the_zygote_the_caller_forks_its_shims(docker, monkeypatch):
    monkeypatch.setenv("DOCKERLAB_ZYGOTE", "0")
    docker.ok("run", "-d", "--name", "own", "--network", "none", "busybox", "sleep", "30")
    assert parent_of(docker.engine.state("own")["ShimPid"]) == os.getpid()
    docker.ok("rm", "-f", "own")


def test_published_ports_are_forked_by_the_caller(docker):
    """Port proxies hold sockets and a thread: the zygote does not carry them."""
    ready_zygote(docker)
    docker.ok("run", "-d", "--name", "web", "-p", "127.0.0.1::80", "busybox", "sleep", "30")
    assert parent_of(docker.engine.state("web")["ShimPid"]) == os.getpid()
    docker.ok("rm", "-f", "web")


def test_the_zygote_ends_when_its_caller_closes_it(state_root):
    z = zygote.Zygote()
    end = time.monotonic() + 20
    while not z.poll_ready():
        assert time.monotonic() < end and not z.broken, "the zygote never became ready"
        time.sleep(0.05)
    pid = z.proc.pid
    z.close()                                             # EOF on its socket
    assert z.proc.returncode == 0
    assert not os.path.exists(f"/proc/{pid}")
