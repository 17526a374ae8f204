"""An idle shim re-executes itself as a lean interpreter (engine/runtime/monitor.py)
and keeps doing all of its work: logs, attach and stdin, stop, wait, restart, --rm."""
from __future__ import annotations

import json
import socket
import time

import pytest

from dockerlab.engine.runtime import streams
from dockerlab.engine.runtime.logs import read_records
from dockerlab.engine.runtime.monitor import is_slim
from dockerlab.engine.runtime.state import attach_path

from cli_support import Docker

pytestmark = pytest.mark.root


@pytest.fixture
def docker(state_root):
    return Docker(state_root)


def shim_of(docker: Docker, name: str) -> tuple[int, int]:
    state = docker.engine.state(name)
    return state["ShimPid"], state["ShimStart"]


def logs(docker: Docker, name: str) -> str:
    """The container's log as `docker logs` prints it (which writes to the real stdout)."""
    cid = docker.engine.resolve(name)
    path = docker.engine.settings.containers_dir / cid / "json.log"
    return "".join(record["log"] for record, _ in read_records(path))


def wait_slim(pid: int, seconds: float = 10) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if is_slim(pid):
            return
        time.sleep(0.1)
    raise AssertionError(f"the shim {pid} did not slim down within {seconds} s")


def private_kb(pid: int) -> int:
    fields = dict(line.split(":", 1) for line in open(f"/proc/{pid}/smaps_rollup") if ":" in line)
    return sum(int(fields[k].split()[0]) for k in ("Private_Clean", "Private_Dirty"))


def send_stdin(docker: Docker, cid: str, data: bytes) -> None:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(str(attach_path(docker.engine.settings.run_dir, cid)))
    with sock:
        streams.send_json_line(sock, {"op": "attach", "stdin": True})
        sock.sendall(streams.frame(streams.STDIN, data))
        time.sleep(0.3)


def wait_for(predicate, seconds: float = 10) -> None:
    end = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < end, "condition not met in time"
        time.sleep(0.1)


def test_idle_shim_slims_keeps_its_identity_and_serves(docker, capfd):
    cid = docker.detached("slim", "sh", "-c", "echo one; read line; echo got $line; sleep 60", opts=("-i",))
    before = shim_of(docker, "slim")
    wait_slim(before[0])
    assert shim_of(docker, "slim") == before          # same pid, same start time: still "alive"
    assert private_kb(before[0]) < 15 * 1024, "a slim shim should cost well under 15 MB"
    assert logs(docker, "slim") == "one\n"
    capfd.readouterr()
    docker.ok("exec", "slim", "echo", "in")           # exec writes to the real stdout
    assert capfd.readouterr().out == "in\n"
    send_stdin(docker, cid, b"two\n")
    wait_for(lambda: "got two" in logs(docker, "slim"))
    assert "Up " in docker.ok("ps", "--filter", "name=s", "--format", "{{.Status}}")
    docker.ok("kill", "-s", "TERM", "slim")            # sh as pid 1 ignores TERM, as in Docker
    docker.ok("stop", "-t", "1", "slim")
    assert docker.ok("wait", "slim") == "137\n"
    assert docker.ok("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "slim") == "exited 137\n"


def test_slim_shim_restarts_its_container_and_slims_again(docker):
    docker.detached("again", "sh", "-c", "sleep 2.5; echo ran; exit 3", opts=("--restart", "on-failure:2"))
    wait_slim(shim_of(docker, "again")[0])
    wait_for(lambda: docker.engine.state("again")["Status"] == "exited" and
             docker.engine.state("again").get("RestartCount") == 2, seconds=45)
    assert logs(docker, "again") == "ran\nran\nran\n"
    assert docker.ok("inspect", "-f", "{{.RestartCount}} {{.State.ExitCode}}", "again") == "2 3\n"


def test_slim_shim_of_a_rm_container_removes_it(docker):
    docker.ok("run", "-d", "--rm", "--name", "gone", "busybox", "sleep", "3")
    wait_slim(shim_of(docker, "gone")[0])
    wait_for(lambda: docker("inspect", "gone").code != 0, seconds=15)
    assert docker("inspect", "gone").err.strip() == "Error: No such object: gone"


def test_slim_shim_keeps_a_tty_and_its_partial_line(docker):
    cid = docker.detached("tty1", "sh", "-c", "printf 'no newline yet'; read x; echo; stty size; sleep 60",
                          opts=("-t", "-i"))
    wait_slim(shim_of(docker, "tty1")[0])
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(str(attach_path(docker.engine.settings.run_dir, cid)))
    with sock:
        streams.send_json_line(sock, {"op": "attach", "stdin": True})
        sock.sendall(streams.frame(streams.RESIZE, json.dumps({"h": 33, "w": 99}).encode()))
        sock.sendall(streams.frame(streams.STDIN, b"go\r"))
        wait_for(lambda: "33 99" in logs(docker, "tty1"))
    assert logs(docker, "tty1").startswith("no newline yet")
    docker.ok("rm", "-f", "tty1")


def test_a_stop_while_waiting_to_restart_cancels_the_restart(docker):
    """Docker: `stop` of a container in "restarting" leaves it exited, not started again."""
    docker.detached("flaky", "sh", "-c", "exit 1", opts=("--restart", "always"))
    wait_for(lambda: docker.engine.state("flaky").get("RestartCount", 0) >= 3, seconds=20)
    wait_for(lambda: docker.engine.state("flaky").get("Restarting"), seconds=20)
    docker.ok("stop", "-t", "1", "flaky")
    count = docker.engine.state("flaky")["RestartCount"]
    time.sleep(2)                       # longer than the backoff it was waiting out
    state = docker.engine.state("flaky")
    assert (state["Status"], state["Restarting"], state["RestartCount"]) == ("exited", False, count)
    assert docker.ok("ps", "-q", "--filter", "name=flaky") == ""


def test_a_container_about_to_restart_never_shows_as_exited(docker):
    """Between two runs the state goes from running straight to restarting (Docker's
    SetRestarting): `docker ps -q` lists it all along, so `docker stop $(docker ps -q)`
    cannot miss it and see it come back. Only the last exit is "exited"."""
    docker.detached("fragile", "sh", "-c", "exit 3", opts=("--restart", "on-failure:3"))
    seen = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        state = docker.engine.state("fragile")
        seen.append((state["Status"], state.get("RestartCount", 0)))
        if state["Status"] == "exited" and state.get("RestartCount") == 3:
            break
        time.sleep(0.0005)
    exited_early = sorted({count for status, count in seen if status == "exited" and count < 3})
    assert exited_early == []
    assert ("exited", 3) == seen[-1] and ("restarting", 1) in seen
