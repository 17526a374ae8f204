"""docker pause / unpause / update / events through `docker_main`: the freezer really
stops the processes, update really changes the cgroup, events come from the journal."""
from __future__ import annotations

import re
import time

import pytest

from dockerlab.engine import cgroups

from cli_support import Docker

pytestmark = pytest.mark.root

TICKER = ("sh", "-c", "while true; do cat /proc/uptime > /tmp/t; sleep 0.05; done")


@pytest.fixture
def docker(state_root):
    return Docker(state_root)


def ticks(docker: Docker, name: str) -> str:
    cid = docker.engine.resolve(name)
    return (docker.engine.settings.containers_dir / cid / "upper" / "tmp" / "t").read_text()


def test_pause_freezes_the_processes_and_unpause_lets_them_go_on(docker):
    docker.detached("ticker", *TICKER)
    end = time.monotonic() + 10
    while not (docker.engine.settings.containers_dir / docker.engine.resolve("ticker") / "upper" / "tmp"
               / "t").exists() and time.monotonic() < end:
        time.sleep(0.05)
    assert docker.ok("pause", "ticker") == "ticker\n"
    assert docker.ok("ps", "--format", "{{.Status}}").endswith("(Paused)\n")
    assert docker.ok("inspect", "-f", "{{.State.Status}} {{.State.Paused}}", "ticker") == "paused true\n"
    frozen = ticks(docker, "ticker")
    time.sleep(0.4)
    assert ticks(docker, "ticker") == frozen                      # nothing ran while paused
    cid = docker.engine.resolve("ticker")
    r = docker("pause", "ticker")
    assert (r.code, r.err) == (1, f"Error response from daemon: Container {cid} is already paused\n")
    r = docker("exec", "ticker", "true")
    assert r.code != 0 and f"container {cid} is paused, unpause the container before exec" in r.err
    assert docker.ok("unpause", "ticker") == "ticker\n"
    end = time.monotonic() + 10
    while ticks(docker, "ticker") == frozen and time.monotonic() < end:
        time.sleep(0.05)
    assert ticks(docker, "ticker") != frozen                      # it runs again
    r = docker("unpause", "ticker")
    assert (r.code, r.err) == (1, f"Error response from daemon: Container {cid} is not paused\n")


def test_a_paused_container_still_stops(docker):
    docker.detached("frozen")
    docker.ok("pause", "frozen")
    docker.ok("stop", "-t", "1", "frozen")          # busybox sleep ignores nothing: TERM lands
    assert docker.ok("inspect", "-f", "{{.State.Status}} {{.State.Paused}}", "frozen") == "exited false\n"


def test_update_changes_the_live_cgroup_and_the_record(docker):
    docker.detached("tuned")
    cid = docker.engine.resolve("tuned")
    assert docker.ok("update", "--memory", "48m", "--pids-limit", "33", "--restart", "on-failure:2",
                     "tuned") == "tuned\n"
    limit = [d / name for d in cgroups.Cgroup(docker.engine.settings, cid).directories()
             for name in ("memory.limit_in_bytes", "memory.max") if (d / name).exists()]
    assert int(limit[0].read_text()) == 48 * 1024 * 1024        # cgroup v1 or v2
    assert docker.ok("inspect", "-f", "{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}} "
                     "{{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}",
                     "tuned") == f"{48 * 1024 * 1024} 33 on-failure:2\n"
    pids = [d / "pids.max" for d in cgroups.Cgroup(docker.engine.settings, cid).directories()
            if (d / "pids.max").exists()]
    assert pids[0].read_text().strip() == "33"
    r = docker("update", "tuned")
    assert (r.code, r.err) == (1, "you must provide one or more flags when using this command\n")
    r = docker("update", "--memory", "1m", "tuned")
    assert (r.code, r.err) == (1, "Error response from daemon: Minimum memory limit allowed is 6MB\n")


def test_events_lists_the_journal_in_dockers_format_with_filters(docker):
    since = str(time.time() - 1)
    docker.detached("watched")
    docker.ok("pause", "watched")
    docker.ok("unpause", "watched")
    docker.ok("stop", "-t", "0", "watched")
    until = str(time.time() + 0.1)
    lines = docker.ok("events", "--since", since, "--until", until, "--filter", "container=watched").splitlines()
    cid = docker.engine.resolve("watched")
    actions = [line.split()[2] for line in lines]
    assert actions[:4] == ["create", "start", "pause", "unpause"] and "die" in actions, lines
    assert re.fullmatch(rf"\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{9}}(Z|[+-]\d\d:\d\d) container create {cid} "
                        r"\(image=busybox, name=watched.*\)", lines[0]), lines[0]
    assert docker.ok("events", "--since", since, "--until", until, "--filter", "event=pause",
                     "--format", "{{.Action}} {{.Actor.Attributes.name}} {{.Type}}") == "pause watched container\n"
    assert docker.ok("events", "--since", "10m", "--until", until, "--filter", "event=unpause",
                     "--format", "{{.ID}}") == cid + "\n"
