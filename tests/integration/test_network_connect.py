"""`docker network connect/disconnect` of running and stopped containers, as Docker 28.

Real veths, namespaces and the embedded DNS server in the container's shim,
all through `docker_main` on the test's own state root.
"""
from __future__ import annotations

import ipaddress
import json
import random

import pytest

from cli_support import Docker

pytestmark = pytest.mark.root


@pytest.fixture
def docker(state_root):
    return Docker(state_root)


@pytest.fixture
def usernet(docker, state_root) -> ipaddress.IPv4Network:
    """A user-defined network `usr` on a subnet other than the root's bridge."""
    taken = state_root.subnet.split(".")[1]
    second = random.choice([n for n in range(200, 251) if str(n) != taken])
    subnet = ipaddress.ip_network(f"10.{second}.{random.randint(0, 255)}.0/24")
    docker.ok("network", "create", "--subnet", str(subnet), "usr")
    return subnet


def _sh(docker: Docker, name: str, script: str) -> tuple[int, str]:
    code, out = docker.engine.exec_run(name, ["sh", "-c", script])
    return code, out.decode()


def _networks(docker: Docker, name: str) -> dict:
    return json.loads(docker.ok("inspect", "-f", "{{json .NetworkSettings.Networks}}", name))


def _members(docker: Docker, network: str) -> list[str]:
    doc = json.loads(docker.ok("network", "inspect", network))[0]
    return sorted(c["Name"] for c in doc["Containers"].values())


def test_running_container_gains_and_loses_dns_by_name(docker, usernet):
    cid = docker.detached("front")                           # default bridge only
    docker.detached("db", opts=("--network", "usr"))
    assert "nameserver 127.0.0.11" not in _sh(docker, "front", "cat /etc/resolv.conf")[1]

    assert docker.ok("network", "connect", "usr", "front") == ""
    assert _sh(docker, "front", "ping -c 1 -W 2 db")[0] == 0           # by name, via 127.0.0.11
    assert "nameserver 127.0.0.11\n" in _sh(docker, "front", "cat /etc/resolv.conf")[1]
    nets = _networks(docker, "front")
    assert sorted(nets) == ["bridge", "usr"]
    assert ipaddress.ip_address(nets["usr"]["IPAddress"]) in usernet
    assert nets["usr"]["DNSNames"] == ["front", cid[:12]]
    hosts = _sh(docker, "front", "cat /etc/hosts")[1].splitlines()
    assert hosts[-2:] == [f"{nets['bridge']['IPAddress']}\t{cid[:12]}",
                          f"{nets['usr']['IPAddress']}\t{cid[:12]}"]
    assert _members(docker, "usr") == ["db", "front"]

    assert docker.ok("network", "disconnect", "usr", "front") == ""
    assert _sh(docker, "front", "ping -c 1 -W 1 db")[0] != 0
    assert sorted(_networks(docker, "front")) == ["bridge"]
    assert _sh(docker, "front", "cat /etc/hosts")[1].splitlines()[-1] == \
        f"{nets['bridge']['IPAddress']}\t{cid[:12]}"
    assert _members(docker, "usr") == ["db"]


def test_stopped_container_is_connected_at_its_next_start(docker, usernet):
    docker.detached("db", opts=("--network", "usr"))
    docker.ok("create", "--name", "web", "busybox", "sleep", "60")
    wanted = str(usernet[50])
    assert docker.ok("network", "connect", "--ip", wanted, "--alias", "www", "usr", "web") == ""
    nets = _networks(docker, "web")
    assert sorted(nets) == ["bridge", "usr"]
    assert (nets["usr"]["IPAMConfig"], nets["usr"]["Aliases"], nets["usr"]["IPAddress"]) == \
        ({"IPv4Address": wanted}, ["www"], "")
    assert _members(docker, "usr") == ["db"]                  # not plugged before it runs
    assert docker.ok("network", "connect", "usr", "web") == ""   # Docker keeps the first config

    docker.ok("start", "web")
    nets = _networks(docker, "web")
    assert nets["usr"]["IPAddress"] == wanted and nets["bridge"]["IPAddress"]
    assert _sh(docker, "db", "ping -c 1 -W 2 www")[0] == 0
    assert _sh(docker, "web", "ping -c 1 -W 2 db")[0] == 0
    route = _sh(docker, "web", "ip route")[1]
    assert f"default via {nets['bridge']['Gateway']} " in route     # the first network's gateway

    docker.ok("stop", "-t", "0", "web")
    assert docker.ok("network", "disconnect", "usr", "web") == ""
    assert sorted(_networks(docker, "web")) == ["bridge"]
    docker.ok("start", "web")
    assert sorted(_networks(docker, "web")) == ["bridge"]
    assert _sh(docker, "web", "ls /sys/class/net")[1].split() == ["eth0", "lo"]


def test_disconnect_of_the_last_network_leaves_only_loopback(docker, usernet):
    docker.detached("solo", opts=("--network", "usr"))
    docker.ok("network", "disconnect", "usr", "solo")
    assert _networks(docker, "solo") == {}
    assert docker.ok("inspect", "-f", "{{.NetworkSettings.IPAddress}}|{{.HostConfig.NetworkMode}}",
                     "solo") == "|usr\n"
    assert _sh(docker, "solo", "ls /sys/class/net")[1].split() == ["lo"]
    docker.ok("restart", "-t", "0", "solo")                   # still none after a restart
    assert _sh(docker, "solo", "ls /sys/class/net")[1].split() == ["lo"]
    assert _members(docker, "usr") == []
    docker.ok("network", "connect", "usr", "solo")            # and back, live
    assert _sh(docker, "solo", "ls /sys/class/net")[1].split() == ["eth0", "lo"]
    assert "default via " in _sh(docker, "solo", "ip route")[1]


def test_errors_are_dockers(docker, usernet):
    cid = docker.detached("app", opts=("--network", "usr"))
    docker.ok("create", "--name", "idle", "busybox")
    idle = docker.engine.resolve("idle")
    cases = [
        (("network", "connect", "usr", "app"),
         "endpoint with name app already exists in network usr"),
        (("network", "disconnect", "bridge", "app"),
         f"container {cid} is not connected to network bridge"),
        (("network", "disconnect", "usr", "idle"),
         f"container {idle} is not connected to the network usr"),
        (("network", "connect", "host", "app"),
         "container cannot be disconnected from host network or connected to host network"),
        (("network", "connect", "none", "app"),
         "container cannot be connected to multiple networks with one of the networks in "
         "private (none) mode"),
        (("network", "connect", "--ip", "192.0.2.9", "usr", "idle"),
         "invalid endpoint settings:\nno configured subnet contains IP address 192.0.2.9"),
        (("network", "connect", "--alias", "x", "bridge", "idle"),
         "invalid endpoint settings:\n"
         "network-scoped aliases are only supported for user-defined networks"),
        (("network", "connect", "nope", "app"), "network nope not found"),
        (("network", "connect", "usr", "ghost"), "No such container: ghost"),
    ]
    for argv, message in cases:
        r = docker(*argv)
        assert (r.code, r.err) == (1, f"Error response from daemon: {message}\n"), argv
    assert sorted(_networks(docker, "app")) == ["usr"]         # nothing half-made
    assert sorted(_networks(docker, "idle")) == ["bridge"]
    assert _members(docker, "usr") == ["app"]
