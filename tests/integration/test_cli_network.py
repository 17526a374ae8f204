"""docker network * through `docker_main`: create, ls, inspect, rm (in use), connect, prune."""
from __future__ import annotations

import io
import json
import re
import sys

import pytest

from cli_support import Docker
from subnets import free_subnet

pytestmark = pytest.mark.root


@pytest.fixture
def docker(state_root):
    return Docker(state_root)


def _subnet(settings) -> str:
    return free_subnet(avoid=(settings.subnet,))


def test_network_create_ls_inspect_rm(docker, state_root):
    subnet = _subnet(state_root)
    nid = docker.ok("network", "create", "--subnet", subnet, "--label", "lab=1", "front").strip()
    assert re.fullmatch(r"[0-9a-f]{64}", nid)
    lines = docker.ok("network", "ls").splitlines()
    assert re.split(r"\s{2,}", lines[0]) == ["NETWORK ID", "NAME", "DRIVER", "SCOPE"]
    assert [re.split(r"\s+", l)[1:] for l in lines[1:]] == [
        ["bridge", "bridge", "local"], ["front", "bridge", "local"], ["host", "host", "local"],
        ["none", "null", "local"]]
    assert docker.ok("network", "ls", "-q", "-f", "name=front") == nid[:12] + "\n"
    assert docker.ok("network", "ls", "-f", "type=custom", "--format", "{{.Name}} {{.Labels}}") == "front lab=1\n"
    doc = json.loads(docker.ok("network", "inspect", "front"))[0]
    assert doc["IPAM"]["Config"][0]["Subnet"] == subnet and doc["Id"] == nid
    assert docker.ok("network", "inspect", "-f", "{{.Driver}}", "front") == "bridge\n"
    r = docker("network", "create", "front")
    assert (r.code, r.err) == (1, "Error response from daemon: network with name front already exists\n")
    assert docker.ok("network", "rm", "front") == "front\n"
    r = docker("network", "rm", "front")
    assert (r.code, r.err) == (1, "Error response from daemon: network front not found\n")
    r = docker("network", "rm", "bridge")
    assert (r.code, r.err) == (1, "Error response from daemon: bridge is a pre-defined network and "
                                  "cannot be removed\n")


def test_network_in_use_connect_disconnect(docker, state_root):
    docker.ok("network", "create", "--subnet", _subnet(state_root), "back")
    cid = docker.detached("db", opts=("--network", "back"))
    r = docker("network", "rm", "back")
    assert r.code == 1
    ep = docker.ok("inspect", "-f", "{{.NetworkSettings.Networks.back.EndpointID}}", "db").strip()
    assert r.err == ('Error response from daemon: error while removing network: network back has '
                     f'active endpoints (name:"db" id:"{ep[:12]}")\n')
    web = docker.detached("web")
    assert docker.ok("network", "connect", "back", "web") == ""
    nets = docker.ok("inspect", "-f", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}", "web")
    assert nets.split() == ["back", "bridge"]
    db_ip = docker.ok("inspect", "-f", "{{.NetworkSettings.Networks.back.IPAddress}}", "db").strip()
    assert docker.engine.exec_run("web", ["ping", "-c", "1", "-W", "2", db_ip])[0] == 0
    docker.ok("network", "disconnect", "back", "web")
    assert docker.engine.exec_run("web", ["ping", "-c", "1", "-W", "1", db_ip])[0] != 0
    docker.ok("network", "connect", "back", "web")
    assert docker.ok("ps", "-f", "network=back", "--format", "{{.Names}}").split() == ["web", "db"]
    docker.ok("network", "disconnect", "back", "web")
    assert docker.ok("ps", "-f", "network=back", "--format", "{{.Names}}") == "db\n"
    docker.ok("rm", "-f", "db")
    monkey_stdin = io.StringIO("y\n")
    old, sys.stdin = sys.stdin, monkey_stdin
    try:
        out = docker.ok("network", "prune")
    finally:
        sys.stdin = old
    assert out == ("WARNING! This will remove all custom networks not used by at least one container.\n"
                   "Are you sure you want to continue? [y/N] Deleted Networks:\nback\n\n")
    assert docker.ok("network", "ls", "--format", "{{.Name}}") == "bridge\nhost\nnone\n"


def test_a_start_that_fails_keeps_no_endpoint_and_frees_its_address(docker, state_root):
    """Docker: a container whose program cannot be run stays "Created" with no endpoint;
    its address goes back to the pool (it used to stay taken until the machine was reset)."""
    subnet = _subnet(state_root)
    docker.ok("network", "create", "--subnet", subnet, "failnet")
    r = docker("run", "--name", "nocmd", "--network", "failnet", "busybox", "nosuchcmd")
    assert r.code == 127 and 'exec: "nosuchcmd": executable file not found in $PATH' in r.err
    assert docker.ok("network", "inspect", "-f", "{{json .Containers}}", "failnet") == "{}\n"
    first = subnet.rsplit(".", 1)[0] + ".2"
    docker.detached("next", opts=("--network", "failnet"))
    shown = docker.ok("inspect", "-f", "{{.NetworkSettings.Networks.failnet.IPAddress}}", "next")
    assert shown == f"{first}\n"                       # the failed start's address, reused
    docker.ok("rm", "-f", "nocmd", "next")
    docker.ok("network", "rm", "failnet")
