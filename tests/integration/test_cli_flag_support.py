"""Flags dockerlab used to parse and then ignore: those now carried out, those named as
having no effect, and a prune --filter refused before anything is removed."""
from __future__ import annotations

import os
import sys

import pytest

from dockerlab.engine import cgroups
from dockerlab.tutor.i18n import use_language

from cli_support import Docker

pytestmark = pytest.mark.root


@pytest.fixture
def docker(state_root):
    return Docker(state_root)


def test_flags_with_no_effect_are_named_and_the_command_goes_on(docker):
    with use_language("en"):
        r = docker("run", "--rm", "--sysctl", "net.ipv4.ip_forward=1", "--oom-kill-disable", "busybox", "true")
    assert r.code == 0
    assert "dockerlab: --sysctl is accepted but has no effect here\n" in r.err
    assert "dockerlab: --oom-kill-disable is accepted but has no effect here\n" in r.err
    with use_language("fr"):
        r = docker("run", "--rm", "--log-driver", "local", "busybox", "true")
    assert "dockerlab : --log-driver est accepté mais n'a pas d'effet ici\n" in r.err
    r = docker("run", "--rm", "-e", "A=1", "busybox", "true")
    assert "dockerlab" not in r.err                                 # a flag carried out: no notice


def test_a_prune_filter_is_refused_and_nothing_is_removed(docker):
    docker.ok("create", "--name", "kept", "busybox", "true")
    with use_language("en"):
        r = docker("container", "prune", "-f", "--filter", "until=1h")
    assert (r.code, r.err) == (1, "dockerlab: --filter is not supported by 'docker container prune': "
                                  "nothing was done\n")
    assert docker.ok("ps", "-aq", "--filter", "name=kept") != ""


def test_cidfile_label_file_domainname_and_cpuset(docker, tmp_path):
    (tmp_path / "labels").write_text("# team labels\ntier=web\nowner=lab\n")
    cidfile = tmp_path / "cid"
    cid = docker.ok("run", "-d", "--name", "flagged", "--cidfile", str(cidfile), "--label-file",
                    str(tmp_path / "labels"), "--label", "tier=front", "--domainname", "example.org",
                    "--cpuset-cpus", "0", "busybox", "sleep", "60").strip()
    assert cidfile.read_text() == cid
    labels = docker.engine.inspect_container("flagged")["Config"]["Labels"]
    assert (labels["tier"], labels["owner"]) == ("front", "lab")       # --label wins over the file
    assert docker.engine.inspect_container("flagged")["Config"]["Domainname"] == "example.org"
    cpus = [d / name for d in cgroups.Cgroup(docker.engine.settings, cid).directories()
            for name in ("cpuset.cpus",) if (d / name).exists()]
    assert cpus[0].read_text().strip() == "0"
    r = docker("run", "--cidfile", str(cidfile), "busybox", "true")
    assert r.code == 125 and r.err.startswith(
        f"docker: container ID file found, make sure the other container isn't running or delete {cidfile}\n")


def test_start_i_attaches_and_restart_takes_a_signal(docker, capfd, monkeypatch):
    monkeypatch.setattr(sys, "stdin", open(os.devnull))             # -i reads stdin: an empty one
    docker.ok("create", "--name", "once", "busybox", "echo", "attached output")
    capfd.readouterr()
    assert docker.ok("start", "-i", "once") == ""                    # attached: no name printed
    assert "attached output" in capfd.readouterr().out
    docker.detached("stubborn", "sh", "-c", "trap '' TERM; sleep 60")
    docker.ok("restart", "-s", "KILL", "-t", "30", "stubborn")       # KILL: no 30 s grace
    state = docker.engine.inspect_container("stubborn")["State"]
    assert state["Running"] and docker.engine.state("stubborn").get("RestartCount", 0) == 0
    events = docker.ok("events", "--since", "1m", "--until", "0s", "--filter", "container=stubborn",
                       "--filter", "event=die", "--format", "{{.Actor.Attributes.exitCode}}")
    assert events.split() == ["137"]


def test_pid_host_shares_the_hosts_process_table(docker):
    me = os.getpid()
    docker.detached("seer", opts=("--pid", "host"))
    docker.detached("blind")
    code, out = docker.engine.exec_run("seer", ["sh", "-c", f"test -d /proc/{me} && cat /proc/{me}/cmdline"])
    assert code == 0 and b"python" in out
    code, _ = docker.engine.exec_run("blind", ["test", "-d", f"/proc/{me}"])
    assert code == 1
    assert docker.ok("inspect", "-f", "{{.HostConfig.PidMode}}", "seer") == "host\n"
    r = docker("run", "--pid", "container:seer", "busybox", "true")
    assert r.code == 125 and "--pid container:NAME is not supported (only --pid host)" in r.err


def test_ulimit_and_shm_size_reach_the_container(docker):
    docker.detached("limited", opts=("--ulimit", "nofile=64:128", "--ulimit", "nproc=50", "--shm-size", "16m"))
    code, out = docker.engine.exec_run("limited", ["sh", "-c", "ulimit -n; ulimit -Hn; ulimit -u; "
                                                   "df -k /dev/shm | tail -1"])
    lines = out.decode().splitlines()
    assert lines[:3] == ["64", "128", "50"]         # an exec gets the container's limits too
    assert lines[3].split()[1] == "16384"
    assert docker.engine.inspect_container("limited")["HostConfig"]["Ulimits"] == [
        {"Name": "nofile", "Hard": 128, "Soft": 64}, {"Name": "nproc", "Hard": 50, "Soft": 50}]
    docker.ok("run", "--name", "first-process", "--ulimit", "nofile=77", "busybox", "sh", "-c",
              "ulimit -n > /tmp/n")
    cid = docker.engine.resolve("first-process")
    assert (docker.engine.settings.containers_dir / cid / "upper" / "tmp" / "n").read_text() == "77\n"


def test_init_runs_tini_as_pid_1_so_a_plain_stop_is_quick(docker):
    docker.ok("run", "-d", "--name", "with-init", "--init", "busybox", "sleep", "300")
    code, out = docker.engine.exec_run("with-init", ["cat", "/proc/1/comm"])
    assert out == b"docker-init\n"
    docker.ok("stop", "-t", "30", "with-init")       # tini passes TERM on: no 30 s grace, no KILL
    assert docker.ok("inspect", "-f", "{{.State.ExitCode}} {{.Path}} {{.HostConfig.Init}}",
                     "with-init") == "143 sleep true\n"
    assert docker.ok("diff", "with-init") == ""      # the init's mount point is not a change
