"""The lab's package cache on the lab bridges' gateways, used from real containers, offline.

The cache's store is seeded here with packages made by dpkg-deb; its mirror
is a loopback port where nothing listens, so nothing leaves the machine.
"""
from __future__ import annotations

import subprocess

import pytest

from cli_support import Docker
from proc_support import ended
from debrepo import make_deb, write_archive
from dockerlab.engine.pkgcache import lab
from dockerlab.engine.pkgcache.config import PORT
from dockerlab.engine.reset import reset

pytestmark = pytest.mark.root
OFFLINE = "http://127.0.0.1:9/debian"
HELLO = "#!/bin/sh\necho hello from a Debian package made by a test\n"


@pytest.fixture
def seeded(state_root, tmp_path):
    """The root's cache: a private store with two packages, no reachable mirror."""
    debs = tmp_path / "debs"
    debs.mkdir()
    hello = make_deb(debs, "dlab-hello", depends="libdlab1",
                     files={"usr/bin/dlab-hello": (HELLO, 0o755)})
    lib = make_deb(debs, "libdlab1", files={"usr/lib/dlab/data.txt": ("data\n", 0o644)})
    store = tmp_path / "pkgstore"
    write_archive(store, "bookworm", [hello, lib], release=False)
    write_archive(store, "dlabtest", [hello, lib])
    state_root.extra.update(pkgcache_dir=str(store), pkgcache_upstream=OFFLINE)
    state_root.save()
    return state_root




def listeners(pid: int) -> list[str]:
    out = subprocess.run(["ss", "-Hltnp"], capture_output=True, text=True, check=True).stdout
    return sorted(line.split()[3] for line in out.splitlines() if f"pid={pid}," in line)


def gateway_of(docker: Docker, network: str) -> str:
    return docker.engine.networks.get(network)["IPAM"]["Config"][0]["Gateway"]


def test_cache_runs_on_the_gateway_only_and_reset_stops_it(seeded, capfd):
    docker = Docker(seeded)
    docker.ok("run", "--rm", "busybox", "true")
    gateway = docker.engine.networks.get("bridge")["IPAM"]["Config"][0]["Gateway"]
    pid = lab.running_pid(seeded)
    assert pid is not None and lab.listening_on(seeded) == [f"{gateway}:{PORT}"]
    assert listeners(pid) == [f"{gateway}:{PORT}"]
    docker.ok("run", "--rm", "busybox", "true")
    assert lab.running_pid(seeded) == pid                  # one per root, reused
    capfd.readouterr()
    docker.ok("run", "--rm", "busybox", "wget", "-q", "-O", "-",
              f"http://{gateway}:{PORT}/debian/dists/dlabtest/Release")
    assert capfd.readouterr().out.startswith("Suite: dlabtest")
    reset(seeded, remove_files=False)
    assert lab.running_pid(seeded) is None and ended(pid)


def test_reset_finds_a_cache_whose_pid_file_was_lost(seeded):
    """A CLI killed between starting the cache and writing its pid file leaves no record."""
    Docker(seeded).engine.networks.ensure_default()
    pid = lab.running_pid(seeded)
    assert pid is not None
    lab.pidfile(seeded).unlink()
    reset(seeded, remove_files=False)
    assert ended(pid)


def test_apk_add_in_the_alpine_stand_in_installs_the_debian_package(seeded, capfd):
    docker = Docker(seeded)
    docker.ok("run", "--rm", "alpine", "sh", "-c",
              "apk add dlab-hello && dlab-hello && cat /usr/lib/dlab/data.txt && apk info")
    out = capfd.readouterr().out
    assert "(1/2) Installing libdlab1 (1.0)" in out
    assert "(2/2) Installing dlab-hello (1.0)" in out
    assert "OK: 2 Debian packages installed (dockerlab stand-in for apk)" in out
    assert "hello from a Debian package made by a test\ndata\n" in out
    assert "dlab-hello-1.0" in out
    assert docker("run", "--rm", "alpine", "apk", "add", "php82").code == 1
    out = capfd.readouterr().out
    assert "php82 (no such package)" in out and "no Debian package by that name" in out


def test_apk_add_on_user_networks_through_their_own_gateways(seeded, capfd):
    """`network create` + `run --network`: the cache listens on that bridge's gateway too."""
    docker = Docker(seeded)
    docker.ok("network", "create", "labnet1")
    gw1 = gateway_of(docker, "labnet1")
    docker.ok("run", "--rm", "--network", "labnet1", "alpine", "sh", "-c",
              "ip route && apk add dlab-hello && dlab-hello")
    out = capfd.readouterr().out
    assert f"default via {gw1} " in out                 # the only way out it knows
    assert "(2/2) Installing dlab-hello (1.0)" in out
    assert "hello from a Debian package made by a test" in out
    pid = lab.running_pid(seeded)
    assert pid is not None and listeners(pid) == [f"{gw1}:{PORT}"]  # no default-bridge container yet

    docker.ok("run", "--rm", "busybox", "true")         # the default bridge: same process
    bridge = gateway_of(docker, "bridge")
    assert lab.running_pid(seeded) == pid
    assert listeners(pid) == sorted([f"{gw1}:{PORT}", f"{bridge}:{PORT}"])

    docker.ok("network", "create", "--internal", "labsecret")   # no gateway route: no cache
    docker.ok("run", "--rm", "--network", "labsecret", "busybox", "true")
    assert listeners(pid) == sorted([f"{gw1}:{PORT}", f"{bridge}:{PORT}"])

    # a removed network's address is given up (at the next hand-over, or within 30 s)
    docker.ok("network", "rm", "labnet1")
    docker.ok("network", "create", "labnet2")
    gw2 = gateway_of(docker, "labnet2")
    docker.ok("run", "-d", "--name", "lent", "--network", "labnet2", "busybox", "sleep", "60")
    docker.ok("network", "create", "labnet3")           # a live `network connect` too
    gw3 = gateway_of(docker, "labnet3")
    docker.ok("network", "connect", "labnet3", "lent")
    assert listeners(pid) == sorted(f"{gw}:{PORT}" for gw in (bridge, gw2, gw3))
    assert lab.listening_on(seeded) == listeners(pid)
    capfd.readouterr()
    docker.ok("exec", "lent", "wget", "-q", "-O", "-",
              f"http://{gw3}:{PORT}/debian/dists/dlabtest/Release")
    assert capfd.readouterr().out.startswith("Suite: dlabtest")
    docker.ok("rm", "-f", "lent")
    reset(seeded, remove_files=False)
    assert ended(pid) and not lab.control_path(seeded).exists()
