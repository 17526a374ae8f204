"""Network modes and options through `docker_main`, on real namespaces and links: the
lab's edge (an address outside fails at once), none, host, container:NAME, -P,
--ip and --network-alias, --internal."""
from __future__ import annotations

import ipaddress
import json
import socket
import urllib.request

import pytest

from cli_support import Docker
from subnets import free_subnet

pytestmark = pytest.mark.root

OUTSIDE = "192.0.2.1"        # TEST-NET-1 (RFC 5737): routed nowhere, and never reached here


@pytest.fixture
def docker(state_root):
    return Docker(state_root)


def run_in(docker: Docker, name: str, script: str) -> tuple[int, str]:
    code, out = docker.engine.exec_run(name, ["sh", "-c", script])
    return code, out.decode()


def test_an_address_outside_the_lab_fails_at_once_with_network_unreachable(docker, state_root):
    docker.ok("network", "create", "--subnet", free_subnet(avoid=(state_root.subnet,)), "other")
    docker.detached("elsewhere", opts=("--network", "other"))
    docker.detached("inside")
    code, out = run_in(docker, "inside", "ip route")
    gateway = docker.ok("inspect", "-f", "{{.NetworkSettings.Gateway}}", "inside").strip()
    assert f"default via {gateway} dev eth0" in out              # Docker's routes are all there
    code, out = run_in(docker, "inside", f"ping -c 1 -W 30 {OUTSIDE}")
    assert code == 1 and "ping: sendto: Network is unreachable" in out    # not a 30 s silence
    code, out = run_in(docker, "inside", f"wget -q -O- http://{OUTSIDE}/")
    assert code == 1 and "Network is unreachable" in out
    code, out = run_in(docker, "inside", f"ping -c 1 -W 5 {gateway}")   # the lab itself answers
    assert code == 0, out
    # another network of the lab is not "outside": its packets are lost, as under Docker
    other = docker.ok("inspect", "-f", "{{.NetworkSettings.Networks.other.IPAddress}}", "elsewhere").strip()
    code, out = run_in(docker, "inside", f"ping -c 1 -W 1 {other}")
    assert code == 1 and "100% packet loss" in out and "unreachable" not in out, out


def test_none_has_only_loopback_and_its_published_ports_are_ignored(docker):
    docker.ok("run", "-d", "--name", "alone", "--network", "none", "-p", "8089:80", "busybox", "sleep", "60")
    code, out = run_in(docker, "alone", "ls /sys/class/net; ip route")
    assert (code, out) == (0, "lo\n")
    assert docker.ok("port", "alone") == ""


def test_host_mode_takes_the_machines_name_and_discards_published_ports(docker):
    r = docker("run", "-d", "--name", "onhost", "--network", "host", "-p", "8089:80", "busybox", "sleep", "60")
    assert r.code == 0
    assert r.err.endswith("\nWARNING: Published ports are discarded when using host network mode\n")
    assert docker.ok("inspect", "-f", "{{.Config.Hostname}}", "onhost") == socket.gethostname() + "\n"
    code, out = run_in(docker, "onhost", "hostname")
    assert out == socket.gethostname() + "\n"
    r = docker("run", "--network", "host", "--link", "onhost:x", "busybox", "true")
    assert r.code == 125 and r.err.startswith(
        "docker: Error response from daemon: conflicting options: host type networking can't be used "
        "with links. This would result in undefined behavior\n")


def test_container_mode_shares_the_stack_and_the_name_of_the_other_container(docker):
    docker.ok("run", "-d", "--name", "first", "-h", "webhost", "busybox", "httpd", "-f", "-p", "80", "-h", "/etc")
    docker.ok("run", "-d", "--name", "second", "--network", "container:first", "busybox", "sleep", "60")
    code, out = run_in(docker, "second", "hostname; cat /etc/hostname; wget -q -O- http://127.0.0.1/hostname")
    assert out == "webhost\nwebhost\nwebhost\n"
    assert docker.ok("inspect", "-f", "{{.Config.Hostname}}", "second") == "webhost\n"
    for opts, what in ((("-h", "x"), "hostname and the network mode"),
                       (("-p", "80"), "port publishing and the container type network mode"),
                       (("--expose", "80"), "port exposing and the container type network mode"),
                       (("--dns", "10.0.0.1"), "dns and the network mode"),
                       (("--add-host", "a:10.0.0.1"), "custom host-to-IP mapping and the network mode")):
        r = docker("run", "--network", "container:first", *opts, "busybox", "true")
        assert r.code == 125 and r.err.startswith(
            f"docker: Error response from daemon: conflicting options: {what}\n"), (opts, r.err)
    assert docker.ok("ps", "-aq", "--filter", "status=created") == ""     # nothing half-made


def test_publish_all_gives_each_exposed_port_its_own_free_host_port(docker):
    docker.ok("run", "-d", "--name", "pa", "-P", "--expose", "80", "--expose", "81",
              "busybox", "httpd", "-f", "-p", "80", "-h", "/etc")
    docker.ok("run", "-d", "--name", "pb", "-P", "--expose", "80", "busybox", "sleep", "60")
    ports = {c: json.loads(docker.ok("inspect", "-f", "{{json .NetworkSettings.Ports}}", c)) for c in ("pa", "pb")}
    host_ports = [int(b["HostPort"]) for c in ports.values() for binds in c.values() for b in binds
                  if b["HostIp"] == "0.0.0.0"]
    assert sorted(ports["pa"]) == ["80/tcp", "81/tcp"] and list(ports["pb"]) == ["80/tcp"]
    assert len(host_ports) == len(set(host_ports)) == 3
    assert all(32768 <= p <= 60999 for p in host_ports)           # the kernel's ephemeral range
    port = docker.ok("port", "pa", "80/tcp").splitlines()[0].rsplit(":", 1)[1]
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/hostname", timeout=10) as reply:
        assert reply.read().decode().strip() == docker.ok("inspect", "-f", "{{.Config.Hostname}}", "pa").strip()


def test_ip_and_alias_on_a_user_network(docker, state_root):
    subnet = ipaddress.ip_network(free_subnet(avoid=(state_root.subnet,)))
    fixed = str(subnet.network_address + 50)
    docker.ok("network", "create", "--subnet", str(subnet), "app")
    docker.ok("run", "-d", "--name", "api", "--network", "app", "--ip", fixed, "--network-alias", "backend",
              "busybox", "sleep", "60")
    docker.detached("client", opts=("--network", "app"))
    assert docker.ok("inspect", "-f", "{{.NetworkSettings.Networks.app.IPAddress}}", "api") == fixed + "\n"
    code, out = run_in(docker, "client", "ping -c 1 -W 5 backend && ping -c 1 -W 5 api")
    assert code == 0 and out.count(f"({fixed})") == 2, out
    r = docker("run", "--name", "fixed", "--ip", "10.1.2.3", "busybox", "true")      # the default bridge
    assert (r.code, r.err.splitlines()[:2]) == (125, [
        "docker: Error response from daemon: invalid endpoint settings:",
        "user-specified IP address is supported on user-defined networks only"])
    assert docker("inspect", "fixed").code == 1                      # refused at create


def test_an_internal_network_reaches_its_members_only(docker, state_root):
    docker.ok("network", "create", "-d", "bridge", "--internal", "--subnet",
              free_subnet(avoid=(state_root.subnet,)), "closed")
    assert docker.ok("network", "inspect", "-f", "{{.Internal}} {{.Driver}}", "closed") == "true bridge\n"
    docker.detached("peer1", opts=("--network", "closed"))
    docker.detached("peer2", opts=("--network", "closed"))
    code, out = run_in(docker, "peer1", "ip route; ping -c 1 -W 5 peer2")
    assert code == 0 and "default" not in out, out
    code, out = run_in(docker, "peer1", f"ping -c 1 -W 30 {OUTSIDE}")
    assert code == 1 and "Network is unreachable" in out
