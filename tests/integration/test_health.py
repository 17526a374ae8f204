"""HEALTHCHECK and `run --health-*`: the shim runs real probes inside the container
(engine/runtime/health.py) and State.Health, `ps` and the events follow Docker's rules."""
from __future__ import annotations

import os
import time

import pytest

from dockerlab.engine import events
from dockerlab.engine.runtime.monitor import is_slim

from cli_support import Docker

pytestmark = pytest.mark.root

FAST = ("--health-interval", "150ms", "--health-retries", "2")


@pytest.fixture
def docker(state_root):
    return Docker(state_root)


def health(docker: Docker, name: str) -> dict:
    return docker.engine.inspect_container(name)["State"].get("Health") or {}


def wait_status(docker: Docker, name: str, status: str, seconds: float = 10) -> dict:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        h = health(docker, name)
        if h.get("Status") == status:
            return h
        time.sleep(0.05)
    raise AssertionError(f"{name}: health {status!r} never came; last {health(docker, name)}")


def test_a_failing_check_turns_unhealthy_then_healthy_once_it_passes(docker):
    # failures within the start period do not count: "starting" holds for that second, however
    # slow the machine (and only then can it turn unhealthy)
    docker.detached("web", opts=("--health-cmd", "cat /tmp/ready", "--health-start-period", "1s", *FAST))
    assert health(docker, "web")["Status"] == "starting"
    assert "(health: starting)" in docker.ok("ps", "--format", "{{.Status}}")
    h = wait_status(docker, "web", "unhealthy")
    assert h["FailingStreak"] >= 2
    assert all(entry["ExitCode"] == 1 for entry in h["Log"])
    assert "No such file or directory" in h["Log"][-1]["Output"]
    assert "(unhealthy)" in docker.ok("ps", "--format", "{{.Status}}")
    docker.ok("exec", "web", "sh", "-c", "echo ok > /tmp/ready")
    h = wait_status(docker, "web", "healthy")
    assert h["FailingStreak"] == 0 and h["Log"][-1] == {**h["Log"][-1], "ExitCode": 0, "Output": "ok\n"}
    assert docker.ok("ps", "--filter", "health=healthy", "--format", "{{.Names}}") == "web\n"
    assert docker.ok("ps", "--filter", "health=unhealthy", "-q") == ""
    # the shim writes the state, then the event (dockerd's order): the event may come a moment later
    end = time.monotonic() + 10
    while True:
        actions = [e["Action"] for e in events.read(docker.engine.settings, since_ns=0)
                   if e.get("Type") == "container"]
        if "health_status: healthy" in actions or time.monotonic() > end:
            break
        time.sleep(0.05)
    assert "health_status: unhealthy" in actions and "health_status: healthy" in actions
    assert actions.index("health_status: unhealthy") < actions.index("health_status: healthy")


def test_only_the_last_five_results_are_kept(docker):
    docker.detached("chatty", opts=("--health-cmd", "echo $$", "--health-interval", "50ms"))
    end = time.monotonic() + 10
    while len(health(docker, "chatty").get("Log", [])) < 5 and time.monotonic() < end:
        time.sleep(0.05)
    first = health(docker, "chatty")["Log"]
    end = time.monotonic() + 10
    while (later := health(docker, "chatty")["Log"])[0] == first[0] and time.monotonic() < end:
        time.sleep(0.05)
    assert len(first) == len(later) == 5
    assert later[0]["Output"] != first[0]["Output"]        # older results dropped, not new ones
    assert all(entry["Start"] <= entry["End"] for entry in later)


def test_a_probe_past_its_timeout_is_killed_and_counts_as_a_failure(docker):
    docker.detached("slow", opts=("--health-cmd", "sleep 30", "--health-timeout", "200ms",
                                  "--health-interval", "100ms", "--health-retries", "1"))
    h = wait_status(docker, "slow", "unhealthy")
    assert h["Log"][0]["ExitCode"] == -1
    assert h["Log"][0]["Output"] == "Health check exceeded timeout (200ms)"
    end = time.monotonic() + 20
    while len(health(docker, "slow")["Log"]) < 4 and time.monotonic() < end:
        time.sleep(0.05)
    assert len(health(docker, "slow")["Log"]) >= 4                # four probes killed so far...
    # ...and they took their program with them: the one running now, and at most one dying
    assert len(sleepers()) <= 2, sleepers()
    docker.ok("stop", "-t", "0", "slow")
    end = time.monotonic() + 5
    while sleepers() and time.monotonic() < end:
        time.sleep(0.05)
    assert sleepers() == []                                       # none outlives the container


def sleepers() -> list[str]:
    return [p for p in os.listdir("/proc") if p.isdigit() and _cmdline(p) == "sleep 30"]


def test_the_image_healthcheck_runs_and_no_healthcheck_turns_it_off(docker, tmp_path):
    (tmp_path / "Dockerfile").write_text(
        "FROM busybox\nHEALTHCHECK --interval=100ms --retries=1 CMD [\"sh\", \"-c\", \"exit 3\"]\n")
    docker.ok("build", "-q", "-t", "checked", str(tmp_path))
    docker.ok("run", "-d", "--name", "aa", "checked", "sleep", "60")
    docker.ok("run", "-d", "--name", "bb", "--no-healthcheck", "checked", "sleep", "60")
    h = wait_status(docker, "aa", "unhealthy")
    assert h["Log"][0]["ExitCode"] == 3
    time.sleep(0.4)
    assert "Health" not in docker.engine.inspect_container("bb")["State"]
    # merged as dockerd merges: NONE wins, the image's other settings stay
    assert docker.engine.inspect_container("bb")["Config"]["Healthcheck"] == {
        "Test": ["NONE"], "Interval": 100_000_000, "Retries": 1}
    assert docker.ok("ps", "--filter", "health=none", "--format", "{{.Names}}") == "bb\n"


def test_a_restart_starts_over_and_a_slim_shim_keeps_probing(docker):
    docker.detached("again", opts=("--health-cmd", "true", "--health-interval", "200ms"))
    wait_status(docker, "again", "healthy")
    end = time.monotonic() + 10
    while not is_slim(docker.engine.state("again")["ShimPid"]) and time.monotonic() < end:
        time.sleep(0.1)
    assert is_slim(docker.engine.state("again")["ShimPid"])
    count = len(health(docker, "again")["Log"])
    time.sleep(0.6)
    assert len(health(docker, "again")["Log"]) > count or count == 5   # probes go on after the exec
    docker.ok("stop", "-t", "0", "again")
    assert health(docker, "again")["Status"] == "healthy"              # kept, as dockerd keeps it
    docker.ok("start", "again")
    assert health(docker, "again")["Status"] == "starting"
    assert health(docker, "again")["FailingStreak"] == 0
    wait_status(docker, "again", "healthy")


def test_bad_health_options_get_dockers_messages(docker):
    r = docker("run", "--no-healthcheck", "--health-cmd", "true", "busybox")
    assert (r.code, r.err.splitlines()[0]) == (125, "docker: --no-healthcheck conflicts with --health-* options")
    r = docker("run", "--health-interval", "-1s", "busybox")
    assert (r.code, r.err.splitlines()[0]) == (125, "docker: --health-interval cannot be negative")
    r = docker("run", "--health-timeout", "500us", "--health-cmd", "true", "busybox")
    assert r.code == 125
    assert "docker: Error response from daemon: Timeout in Healthcheck cannot be less than 1ms\n" in r.err
    r = docker("ps", "--filter", "health=sick")
    assert (r.code, r.err.strip()) == (1, "Error response from daemon: Unrecognised filter value for health: sick")


def _cmdline(pid: str) -> str:
    try:
        return open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode().strip()
    except OSError:
        return ""
