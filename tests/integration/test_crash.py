"""Crash safety: kill -9 of the CLI or the shim at named points, reboots, races.

Each case runs the real CLI in a subprocess (`python -m dockerlab.main docker
...`) on the test's own state root. DOCKERLAB_CRASH_AT=<point> makes the
CLI, or the shim it forks, SIGKILL itself at that step (engine/fsutil.py
crash_point). Afterwards the state must be truthful (`ps`), nothing may be
left on the machine for containers that no longer run (cgroups, links,
addresses, sockets, mounts), and every container must be startable and
removable.
"""
from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dockerlab.engine.engine import Engine
from dockerlab.engine.images import catalog
from dockerlab.engine.reset import mounts_under

from subnets import free_subnet

pytestmark = pytest.mark.root


def cli(settings, *argv: str, crash: str | None = None, wait: bool = True):
    env = dict(os.environ, DOCKERLAB_ROOT=str(settings.root), DOCKERLAB_LANG="en")
    env.pop("DOCKERLAB_CRASH_AT", None)
    if crash:
        env["DOCKERLAB_CRASH_AT"] = crash
    proc = subprocess.Popen([sys.executable, "-m", "dockerlab.main", "docker", *argv], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL)
    if not wait:
        return proc
    out, err = proc.communicate(timeout=60)
    return proc.returncode, out, err


@pytest.fixture
def engine(state_root):
    eng = Engine(state_root)
    catalog.prepare(eng.images, "busybox")
    return eng


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- what "consistent" means --------------------------------------------------------------

def cgroup_dirs(settings, cid: str) -> list[Path]:
    from dockerlab.engine import cgroups
    return [d for d in cgroups.Cgroup(settings, cid).directories() if d.exists()]


def bridge_ports(settings, expected: int = 0, patience: float = 5.0) -> list[str]:
    """The links on the root's bridges, once there are `expected` or `patience` s passed.

    The veth of a container whose namespace died goes with the namespace, in
    the kernel's own cleanup work, a little after the engine returned (the
    engine does not wait for it: links.unplumb); so a count is waited for.
    """
    from dockerlab.engine.network.store import NetworkStore
    deadline = time.monotonic() + patience
    while True:
        bridges = {settings.bridge} | {r["_lab"]["bridge"] for r in NetworkStore(settings).all()
                                       if (r.get("_lab") or {}).get("bridge")}   # user networks too
        ports = []
        for bridge in sorted(bridges):
            res = subprocess.run(["ip", "-o", "link", "show", "master", bridge], capture_output=True, text=True)
            ports += [line.split(":")[1].strip().split("@")[0] for line in res.stdout.splitlines()]
        if len(ports) == expected or time.monotonic() > deadline:
            return ports
        time.sleep(0.02)


def endpoints(engine) -> set[str]:
    from dockerlab.engine.network.manager import lab
    return {cid for rec in engine.networks.store.all() for cid in lab(rec)["endpoints"]}


def settle(engine, seconds: float = 10) -> None:
    """Wait for shims still on their way (a killed CLI's shim goes on starting)."""
    deadline = time.monotonic() + seconds
    for cid in engine.containers.ids():
        sf = engine.containers.state(cid)
        while time.monotonic() < deadline:
            st = sf.read()
            if not sf.shim_alive(st) or st["Status"] == "running":
                break
            time.sleep(0.02)


def assert_consistent(engine) -> None:
    """`ps` tells the truth and only running containers hold machine resources."""
    from dockerlab.engine.runtime.state import attach_path, process_start_time
    settings = engine.settings
    settle(engine)
    running = set()
    for c in engine.list_containers(all=True):
        cid, st = c["Id"], c["State"]
        if st["Running"]:
            running.add(cid)
            assert process_start_time(st["Pid"]) > 0, f"{cid[:12]} said running, pid gone"
            assert cgroup_dirs(settings, cid)
        else:
            assert st["Pid"] == 0
            assert cgroup_dirs(settings, cid) == [], f"cgroup left for stopped {cid[:12]}"
            assert not attach_path(settings.run_dir, cid).exists()
    assert endpoints(engine) <= running
    plugged = len(running & endpoints(engine))
    assert len(bridge_ports(settings, plugged)) == plugged
    assert mounts_under(settings.root) == []


def assert_all_removable(engine) -> None:
    from dockerlab.engine.lifecycle import collect_orphans
    for c in engine.list_containers(all=True):
        engine.remove(c["Id"], force=True)
    collect_orphans(engine)                   # what a create killed half-way left
    assert [p for p in engine.settings.containers_dir.iterdir()] == []
    assert engine.list_containers(all=True) == []
    assert [p for p in engine.settings.containers_dir.iterdir()
            if (p / "config.json").exists()] == []
    assert [n for n in (engine.settings.root / "names").iterdir() if not n.name.startswith(".")] == []
    from dockerlab.engine.cgroups.cgroup import parent_path
    from dockerlab.engine.cgroups.layout import Layout
    for layout in Layout.everywhere():
        for root in layout.roots.values():
            parent = root / parent_path(engine.settings)
            assert not parent.is_dir() or [d for d in parent.iterdir() if d.is_dir()] == []
    assert bridge_ports(engine.settings) == []
    assert endpoints(engine) == set()


def serves(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(2)
        return s.connect_ex(("127.0.0.1", port)) == 0


# --- kill -9 at named points ---------------------------------------------------------------

RUN_POINTS = ["start:planned", "start:forked", "shim:cgroup", "shim:running"]


@pytest.mark.parametrize("point", RUN_POINTS)
def test_kill_during_run_leaves_a_consistent_restartable_container(engine, point):
    port = free_port()
    code, out, err = cli(engine.settings, "run", "-d", "--name", "web", "-p", f"{port}:80",
                         "busybox", "sh", "-c", "nc -ll -p 80 -e echo hi", crash=point)
    if point.startswith("start:"):
        assert code == -signal.SIGKILL            # the CLI itself died
    if point == "start:forked":          # the shim was on its own: it finishes the start
        deadline = time.monotonic() + 10
        while not engine.state("web")["Running"] and time.monotonic() < deadline:
            time.sleep(0.02)
    assert_consistent(engine)
    assert engine.state("web")["Running"] == (point == "start:forked") == serves(port)
    assert cli(engine.settings, "start", "web")[0] == 0
    assert engine.state("web")["Running"] and serves(port)
    assert_consistent(engine)
    code, out, err = cli(engine.settings, "rm", "-f", "web")
    assert code == 0, err
    assert_all_removable(engine)


def test_kill_of_the_shim_after_exit_is_cleaned(engine):
    code, out, err = cli(engine.settings, "run", "-d", "--name", "quick", "busybox", "true",
                         crash="shim:exited")
    assert code == 0, err
    cid = out.strip()
    deadline = time.monotonic() + 10
    while engine.containers.state(cid).shim_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert_consistent(engine)
    assert engine.state("quick")["Status"] == "exited"
    assert_all_removable(engine)


def test_kill_of_the_cli_during_stop_and_rm(engine):
    assert cli(engine.settings, "run", "-d", "--name", "s1", "busybox", "sleep", "60")[0] == 0
    assert cli(engine.settings, "stop", "-t", "0", "s1", crash="stop:sent")[0] == -signal.SIGKILL
    engine.wait("s1")
    assert_consistent(engine)
    assert engine.state("s1")["Status"] == "exited"

    assert cli(engine.settings, "start", "s1")[0] == 0
    assert cli(engine.settings, "rm", "-f", "s1", crash="rm:stopped")[0] == -signal.SIGKILL
    assert_consistent(engine)
    assert engine.state("s1")["Status"] == "exited"         # stopped, not yet removed
    code, out, err = cli(engine.settings, "rm", "s1")
    assert (code, out.strip()) == (0, "s1"), err
    assert_all_removable(engine)


def test_kill_of_a_running_shim_stops_its_container(engine):
    assert cli(engine.settings, "run", "-d", "--name", "orphan", "busybox", "sleep", "60")[0] == 0
    state = engine.containers.state(engine.resolve("orphan")).read()
    os.kill(state["ShimPid"], signal.SIGKILL)
    deadline = time.monotonic() + 10
    while process_exists(state["ShimPid"]) and time.monotonic() < deadline:
        time.sleep(0.02)
    code, out, err = cli(engine.settings, "ps", "-a", "--format", "{{.Names}} {{.Status}}")
    assert out.startswith("orphan Exited (137)")
    assert not process_exists(state["Pid"])             # no container process without a shim
    assert_consistent(engine)
    assert cli(engine.settings, "start", "orphan")[0] == 0
    assert_all_removable(engine)


def process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return not Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()[0] == "Z"


def test_cli_killed_at_random_moments(engine):
    rng = random.Random(9)
    port = free_port()
    for i in range(8):
        proc = cli(engine.settings, "run", "-d", "--name", f"r{i}", "-p", f"{port}:80",
                   "busybox", "sleep", "30", wait=False)
        time.sleep(rng.uniform(0.0, 0.5))
        proc.kill()
        proc.communicate()
        assert_consistent(engine)
        for c in engine.list_containers(all=True):     # free the port for the next round
            engine.remove(c["Id"], force=True)
    assert_all_removable(engine)


# --- reboot --------------------------------------------------------------------------------

def simulate_reboot(engine) -> None:
    """Lose every process, mount, cgroup and link, and run/ (a tmpfs): keep only the files,
    the network records among them (the reset's teardown deletes those: put back)."""
    import shutil
    from dockerlab.engine.reset import reset
    kept = engine.settings.root / "networks.kept"
    shutil.copytree(engine.settings.networks_dir, kept)
    reset(engine.settings, remove_files=False)
    shutil.rmtree(engine.settings.run_dir, ignore_errors=True)
    kept.rename(engine.settings.networks_dir)


def test_after_a_reboot_containers_start_again(engine):
    port = free_port()
    assert cli(engine.settings, "run", "-d", "--name", "up", "-p", f"{port}:80", "busybox",
               "sh", "-c", "nc -ll -p 80 -e echo hi")[0] == 0
    assert cli(engine.settings, "run", "-d", "--name", "always", "--restart", "always",
               "busybox", "sleep", "60")[0] == 0
    assert cli(engine.settings, "create", "--name", "never", "busybox", "true")[0] == 0
    assert cli(engine.settings, "run", "--name", "done", "busybox", "true")[0] == 0
    assert cli(engine.settings, "network", "create", "--subnet", free_subnet(avoid=(engine.settings.subnet,)),
               "mine")[0] == 0
    assert cli(engine.settings, "run", "-d", "--name", "member", "--network", "mine", "--network-alias",
               "m", "busybox", "sleep", "60")[0] == 0
    simulate_reboot(engine)
    after = Engine(engine.settings)
    code, out, err = cli(after.settings, "ps", "-a", "--format", "{{.Names}} {{.Status}}")
    status = dict(line.split(" ", 1) for line in out.splitlines())
    assert status["up"].startswith("Exited (137)") and status["always"].startswith("Exited (137)")
    assert status["never"] == "Created" and status["done"].startswith("Exited (0)")
    assert_consistent(after)
    for name in ("up", "always", "never", "done", "member"):
        code, out, err = cli(after.settings, "start", name)
        assert code == 0, err
    for name in ("never", "done"):
        after.wait(name)
    assert after.state("up")["Running"] and serves(port)
    code, out = after.exec_run("member", ["ping", "-c", "1", "-W", "5", "m"])   # its network's DNS
    assert code == 0, out
    assert_consistent(after)
    assert_all_removable(after)


# --- races -------------------------------------------------------------------------------

def test_two_clis_racing_for_one_name(engine):
    procs = [cli(engine.settings, "create", "--name", "xx", "busybox", "true", wait=False)
             for _ in range(6)]
    results = [(p.wait(timeout=60), p.stderr.read()) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    winners = [r for r in results if r[0] == 0]
    losers = [r for r in results if r[0] != 0]
    assert len(winners) == 1
    owner = engine.resolve("xx")
    for code, err in losers:
        assert code == 125
        assert f'Conflict. The container name "/xx" is already in use by container "{owner}"' in err
    assert len(engine.list_containers(all=True)) == 1
    assert_all_removable(engine)


def test_two_clis_racing_for_one_port(engine):
    port = free_port()
    procs = [cli(engine.settings, "run", "-d", "-p", f"{port}:80", "busybox", "sleep", "30",
                 wait=False) for _ in range(4)]
    results = [(p.wait(timeout=60), p.stderr.read()) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    assert sorted(code for code, _ in results) == [0, 125, 125, 125]
    for code, err in results:
        if code:
            assert f"Bind for 0.0.0.0:{port} failed: port is already allocated" in err
    assert_consistent(engine)
    assert_all_removable(engine)


# --- OOM is per run ------------------------------------------------------------------------

def test_oom_killed_describes_the_last_run_only(engine):
    """First run is OOM-killed, the restart exits normally: OOMKilled goes back to false."""
    script = ("if [ -e /ran ]; then exit 3; fi; touch /ran; "
              "dd if=/dev/zero of=/dev/null bs=64M count=1")
    cid = engine.create({"Image": "busybox", "Cmd": ["sh", "-c", script],
                         "HostConfig": {"Memory": 32 << 20, "MemorySwap": 32 << 20,
                                        "RestartPolicy": {"Name": "on-failure",
                                                          "MaximumRetryCount": 1}}})["Id"]
    engine.start(cid)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        state = engine.state(cid)
        if state["RestartCount"] == 1 and not state["Running"] and not state["Restarting"] \
                and state["ExitCode"] == 3:
            break
        time.sleep(0.05)
    assert (state["ExitCode"], state["OOMKilled"], state["RestartCount"]) == (3, False, 1)
    assert engine.inspect_container(cid)["State"]["OOMKilled"] is False
    assert_all_removable(engine)


# --- a create killed half-way ----------------------------------------------------------------

def _reserve_in_child(engine, name: str, cid: str, hold: bool) -> tuple[int, int]:
    """A process that reserves `name` and makes the directory, then dies or waits."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        try:
            engine.containers.reserve_name(name, cid)
            (engine.containers.path(cid) / "upper").mkdir(parents=True)
            os.write(w, b"x")
            if hold:
                time.sleep(30)
        finally:
            os._exit(0)
    os.close(w)
    os.read(r, 1)
    os.close(r)
    return pid, r


def test_a_create_killed_half_way_is_collected_but_a_live_one_is_not(engine):
    from dockerlab.engine.errors import Conflict
    from dockerlab.engine.lifecycle import collect_orphans
    dead, _ = _reserve_in_child(engine, "halfway", "a" * 64, hold=False)
    os.waitpid(dead, 0)
    live, _ = _reserve_in_child(engine, "busy", "b" * 64, hold=True)
    try:
        with pytest.raises(Conflict, match='The container name "/busy" is already in use'):
            engine.create({"Image": "busybox", "Cmd": ["true"]}, name="busy")
        assert collect_orphans(engine) == ["a" * 64]
        assert engine.containers.path("b" * 64).exists()
        assert engine.create({"Image": "busybox", "Cmd": ["true"]}, name="halfway")["Id"]
    finally:
        os.kill(live, signal.SIGKILL)
        os.waitpid(live, 0)
    assert sorted(collect_orphans(engine)) == ["b" * 64]
    assert_all_removable(engine)
