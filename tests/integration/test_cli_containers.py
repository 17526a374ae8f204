"""Container commands end to end through `docker_main`: lifecycle, logs, ps, inspect, top, port, stats."""
from __future__ import annotations

import json
import re
import time

import pytest

from cli_support import Docker

pytestmark = pytest.mark.root


@pytest.fixture
def docker(state_root):
    return Docker(state_root)


def test_stop_kill_restart_wait_rename(docker):
    cid = docker.detached("web")
    assert docker.ok("stop", "-t", "0", "web") == "web\n"
    state = json.loads(docker.ok("inspect", "web"))[0]["State"]
    assert (state["Status"], state["ExitCode"]) == ("exited", 137)
    assert docker.ok("wait", "web") == "137\n"
    assert docker.ok("restart", "-t", "0", "web") == "web\n"
    assert docker.ok("inspect", "-f", "{{.State.Running}}", "web") == "true\n"
    assert docker.ok("kill", "web") == "web\n"
    assert docker.ok("wait", "web") == "137\n"
    r = docker("kill", "web")
    assert (r.code, r.err) == (1, f"Error response from daemon: Cannot kill container: web: "
                                  f"Container {cid} is not running\n")
    assert docker.ok("rename", "web", "site") == ""
    assert docker.ok("ps", "-a", "--format", "{{.Names}}") == "site\n"
    r = docker("rename", "nosuch", "x")
    assert (r.code, r.err) == (1, "Error response from daemon: No such container: nosuch\n")


def test_run_exit_code_and_logs_tail_and_timestamps(docker):
    r = docker("run", "--name", "job", "busybox", "sh", "-c", "echo one; echo two; echo three; exit 3")
    assert r.code == 3
    assert docker.ok("logs", "--tail", "2", "job") == ""   # the CLI writes log lines to sys.stdout
    assert docker.ok("wait", "job") == "3\n"


def test_logs_tail_and_timestamps_on_the_real_stdout(docker, capfd):
    docker.ok("run", "--name", "job", "busybox", "sh", "-c", "echo one; echo two; echo three")
    capfd.readouterr()
    docker.ok("logs", "--tail", "2", "job")
    assert capfd.readouterr().out == "two\nthree\n"
    docker.ok("logs", "-t", "--tail", "1", "job")
    line = capfd.readouterr().out
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z three\n", line), line


def test_ps_all_quiet_latest_last_filters_and_formats(docker):
    first = docker.ok("create", "--name", "first", "--label", "tier=db", "busybox").strip()
    assert docker("run", "--name", "second", "busybox", "sh", "-c", "exit 2").code == 2
    third = docker.detached("third", opts=("-p", "127.0.0.1:18089:80"))
    assert docker.ok("ps", "-q") == third[:12] + "\n"
    assert docker.ok("ps", "-aq") .split() == [third[:12], docker.engine.resolve("second")[:12], first[:12]]
    assert docker.ok("ps", "-l", "--format", "{{.Names}}") == "third\n"
    assert docker.ok("ps", "-n", "2", "--format", "{{.Names}}") == "third\nsecond\n"
    assert docker.ok("ps", "-a", "-f", "exited=2", "--format", "{{.Names}}") == "second\n"
    assert docker.ok("ps", "-f", "status=created", "--format", "{{.Names}}") == "first\n"
    assert docker.ok("ps", "-a", "-f", "label=tier=db", "-q") == first[:12] + "\n"
    assert docker.ok("ps", "-a", "-f", "name=^/th", "--format", "{{.ID}}") == third[:12] + "\n"
    assert docker.ok("ps", "-a", "-f", "ancestor=busybox", "-q").count("\n") == 3
    assert docker.ok("ps", "-f", "network=bridge", "--format", "{{.Names}} {{.Networks}}") == "third bridge\n"
    table = docker.ok("ps", "--format", "table {{.Names}}\t{{.Ports}}\t{{.Status}}")
    assert table.splitlines()[0] == "NAMES     PORTS" + " " * 21 + "STATUS"
    assert re.fullmatch(r"third     127\.0\.0\.1:18089->80/tcp   Up (Less than a second|\d+ seconds?)",
                        table.splitlines()[1]), table
    plain = docker.ok("ps", "-a")
    assert plain.splitlines()[0].split() == ["CONTAINER", "ID", "IMAGE", "COMMAND", "CREATED",
                                             "STATUS", "PORTS", "NAMES"]
    assert re.search(r'"sh -c \'exit 2\'"\s+.*Exited \(2\) (Less than a second|\d+ seconds?) ago', plain), plain


def test_inspect_formats(docker):
    docker.detached("web")
    ip = docker.ok("inspect", "--format", "{{ .NetworkSettings.IPAddress }}", "web").strip()
    gateway = docker.ok("network", "inspect", "-f", "{{(index .IPAM.Config 0).Gateway}}", "bridge").strip()
    assert ip.rsplit(".", 1)[0] == gateway.rsplit(".", 1)[0] and ip != gateway
    config = json.loads(docker.ok("inspect", "-f", "{{json .Config}}", "web"))
    assert config["Cmd"] == ["sleep", "60"] and config["Image"] == "busybox"
    assert docker.ok("container", "inspect", "-f", "{{.Name}} {{.HostConfig.NetworkMode}}", "web") == "/web bridge\n"
    r = docker("inspect", "-f", "{{.Nope}}", "web")
    assert r.code == 1 and 'map has no entry for key "Nope"' in r.err


def test_top_lists_the_container_processes(docker):
    docker.detached("web", "sh", "-c", "sleep 61 & sleep 62; true")
    wanted = ["sh -c sleep 61 & sleep 62; true", "sleep 61", "sleep 62"]
    for _ in range(100):   # the shell forks its children just after the start
        lines = docker.ok("top", "web").splitlines()
        if sorted(line.split(None, 7)[7] for line in lines[1:]) == wanted:
            break
        time.sleep(0.05)
    assert lines[0].split() == ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]
    assert lines[0].startswith("UID                 PID                 PPID")
    cmds = sorted(line.split(None, 7)[7] for line in lines[1:])
    assert cmds == ["sh -c sleep 61 & sleep 62; true", "sleep 61", "sleep 62"]
    assert all(line.split()[0] == "root" for line in lines[1:])
    docker.ok("stop", "-t", "0", "web")
    cid = docker.engine.resolve("web")
    r = docker("top", "web")
    assert (r.code, r.err) == (1, f"Error response from daemon: container {cid} is not running\n")


def test_port_all_and_one(docker):
    docker.detached("web", opts=("-p", "127.0.0.1:18090:80", "-p", "127.0.0.1:18091:53/udp"))
    assert docker.ok("port", "web") == "53/udp -> 127.0.0.1:18091\n80/tcp -> 127.0.0.1:18090\n"
    assert docker.ok("port", "web", "80") == "127.0.0.1:18090\n"
    assert docker.ok("port", "web", "53/udp") == "127.0.0.1:18091\n"
    r = docker("port", "web", "81")
    assert (r.code, r.err) == (1, "Error: No public port '81' published for web\n")


def test_stats_no_stream(docker):
    docker.detached("web", opts=("-m", "64m"))
    docker.ok("create", "--name", "idle", "busybox")
    lines = docker.ok("stats", "--no-stream").splitlines()
    assert re.split(r"\s{2,}", lines[0]) == ["CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT",
                                             "MEM %", "NET I/O", "BLOCK I/O", "PIDS"]
    assert len(lines) == 2
    row = re.split(r"\s{2,}", lines[1])
    assert row[1] == "web" and row[-1] == "1"
    assert re.fullmatch(r"\d+\.\d\d%", row[2])
    assert re.fullmatch(r"[\d.]+[KM]iB / 64MiB", row[3]), row
    out = docker.ok("stats", "--no-stream", "--format", "{{.Name}} {{.MemUsage}} {{.PIDs}}", "idle")
    assert out == "idle 0B / 0B 0\n"
