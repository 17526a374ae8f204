"""Networking on the real kernel: bridges, veths, DNS, isolation, ports, teardown.

"Containers" here are throw-away processes in new network namespaces
(`unshare -n ...`); commands run inside them with nsenter. Every test gets
its own state root and free 10.2xx.y.0/24 subnets, and the fixture kills the
processes and tears everything down even when the test fails. No packet is
sent to an address outside the namespaces and bridges made here.
"""
from __future__ import annotations

import ipaddress
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import traceback
import urllib.request
from pathlib import Path

import pytest
from pyroute2 import IPRoute

from dockerlab.engine.errors import Conflict, EngineError, InvalidArgument, NotFound
from dockerlab.engine.network import NetworkManager, dnsserver, firewall, isolation, links, ports, rtnl, teardown
from dockerlab.engine.network.ipam import host_networks
from dockerlab.engine.network.netns import run_in_netns
from dockerlab.engine.runtime import libc
from dockerlab.engine.settings import Settings

from subnets import free_subnet

pytestmark = pytest.mark.root


class Lab:
    """A state root, a manager, and the processes standing in for containers."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.nm = NetworkManager(settings)
        self.procs: list[subprocess.Popen] = []

    def container(self, *cmd: str) -> int:
        """Start `cmd` (default: sleep) in a new network namespace; return its pid."""
        p = subprocess.Popen(["unshare", "-n", *(cmd or ("sleep", "120"))])
        self.procs.append(p)
        # unshare(1) may not have left our namespace yet: wait until it has, or the
        # veth would be put in ours (a race that showed once starts got faster)
        mine = os.stat("/proc/self/ns/net").st_ino
        deadline = time.monotonic() + 5
        while os.stat(f"/proc/{p.pid}/ns/net").st_ino == mine and time.monotonic() < deadline:
            time.sleep(0.001)
        return p.pid

    @staticmethod
    def run(pid: int, *cmd: str, timeout: float = 20) -> subprocess.CompletedProcess:
        return subprocess.run(["nsenter", "-t", str(pid), "-n", *cmd],
                              capture_output=True, text=True, timeout=timeout)

    def ping(self, pid: int, ip: str) -> bool:
        return self.run(pid, "busybox", "ping", "-c", "1", "-W", "1", ip).returncode == 0

    def nslookup(self, pid: int, name: str) -> subprocess.CompletedProcess:
        # always name the server: the host's resolv.conf must never be used here
        return self.run(pid, "busybox", "nslookup", name, "127.0.0.11")

    def close(self) -> None:
        for p in self.procs:
            p.kill()
            p.wait()


@pytest.fixture
def lab():
    root = Path(tempfile.mkdtemp(prefix="dlabtest-"))
    settings = Settings.load(root)
    settings.subnet = free_subnet()
    settings.save()
    the_lab = Lab(settings)
    try:
        yield the_lab
    finally:
        the_lab.close()
        teardown(settings)
        shutil.rmtree(root, ignore_errors=True)


def host_ping(ip: str) -> bool:
    return subprocess.run(["busybox", "ping", "-c", "1", "-W", "1", ip],
                          capture_output=True).returncode == 0


def link_names() -> set[str]:
    with IPRoute() as ipr:
        return {l.get("ifname") for l in ipr.get_links()}


# -- one network: addresses, ping, DNS ---------------------------------------
def test_two_containers_on_a_network_ping_and_resolve_each_other(lab):
    net = lab.nm.create("dltnet", subnet=free_subnet())
    a, b = lab.container(), lab.container()
    ea = lab.nm.connect("a" * 64, "web", "dltnet", a, aliases=["www"])
    eb = lab.nm.connect("b" * 64, "/db", "dltnet", b)

    subnet = ipaddress.ip_network(net["IPAM"]["Config"][0]["Subnet"])
    assert ipaddress.ip_address(ea["IPAddress"]) in subnet
    assert ea["IPAddress"] != eb["IPAddress"]
    assert ea["Gateway"] == net["IPAM"]["Config"][0]["Gateway"]
    assert ea["DNSNames"] == ["web", "www", "a" * 12]
    assert ea["Aliases"] == ["www"] and ea["NetworkID"] == net["Id"]
    assert lab.ping(a, eb["IPAddress"]) and lab.ping(b, ea["IPAddress"])

    out = lab.nslookup(b, "web")
    assert out.returncode == 0 and f"Address: {ea['IPAddress']}" in out.stdout, out
    assert f"Address: {ea['IPAddress']}" in lab.nslookup(b, "www").stdout
    assert f"Address: {eb['IPAddress']}" in lab.nslookup(a, "db.dltnet").stdout
    assert f"Address: {eb['IPAddress']}" in lab.nslookup(a, "b" * 12).stdout
    missing = lab.nslookup(a, "nothere")
    assert missing.returncode != 0 and "NXDOMAIN" in missing.stdout + missing.stderr
    outside = lab.nslookup(a, "example.com")
    assert outside.returncode != 0 and "REFUSED" in outside.stdout + outside.stderr
    ptr = lab.nslookup(a, eb["IPAddress"])
    assert "db.dltnet" in ptr.stdout, ptr

    inspect = lab.nm.get("dltnet")
    assert inspect["Containers"]["a" * 64]["IPv4Address"] == f"{ea['IPAddress']}/{subnet.prefixlen}"
    assert inspect["Containers"]["b" * 64]["Name"] == "db"


def test_interface_addresses_and_routes_inside_the_namespace(lab):
    one = lab.nm.create("dltone", subnet=free_subnet())
    two = lab.nm.create("dlttwo", subnet=free_subnet(), internal=True)
    pid = lab.container()
    e1 = lab.nm.connect("c" * 64, "multi", "dltone", pid, mac="02:11:22:33:44:55")
    e2 = lab.nm.connect("c" * 64, "multi", "dlttwo", pid)

    def inside():
        with IPRoute() as ipr:
            addrs = {l.get("ifname"): l.get("address") for l in ipr.get_links()}
            ips = {a.get("label"): a.get("address") for a in ipr.get_addr(family=socket.AF_INET)}
            defaults = [r.get("gateway") for r in ipr.get_routes(family=socket.AF_INET, table=254)
                        if r["dst_len"] == 0]
            up = {l.get("ifname"): l.get("state") for l in ipr.get_links()}
        return addrs, ips, defaults, up

    addrs, ips, defaults, up = run_in_netns(pid, inside)
    assert addrs["eth0"] == "02:11:22:33:44:55"
    assert addrs["eth1"] == "02:42:" + ":".join(f"{int(x):02x}" for x in e2["IPAddress"].split("."))
    assert ips["eth0"] == e1["IPAddress"] and ips["eth1"] == e2["IPAddress"]
    assert defaults == [one["IPAM"]["Config"][0]["Gateway"]]      # first network only
    assert up["lo"] == "up" and up["eth0"] == "up"
    assert e2["Gateway"] == ""                                     # internal: no gateway route
    assert two["Internal"] is True


def test_default_bridge_pings_but_has_no_embedded_dns(lab):
    a, b = lab.container(), lab.container()
    ea = lab.nm.connect("a" * 64, "one", "bridge", a)
    eb = lab.nm.connect("b" * 64, "two", "bridge", b)
    gw = ipaddress.ip_network(lab.settings.subnet).network_address + 1
    assert ea["Gateway"] == str(gw) and ea["DNSNames"] is None
    assert lab.ping(a, eb["IPAddress"]) and host_ping(ea["IPAddress"])
    assert not dnsserver.serving(lab.settings, "a" * 64)

    def query():
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(2)
        try:
            s.connect((dnsserver.ADDRESS, 53))
            s.send(b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03two\x00\x00\x01\x00\x01")
            s.recv(512)
            return "answered"
        except ConnectionRefusedError:
            return "refused"
        finally:
            s.close()

    assert run_in_netns(a, query) == "refused"
    assert "nameserver 127.0.0.11" not in lab.nm.resolv_conf("bridge")
    assert "nameserver 127.0.0.11" in lab.nm.resolv_conf(lab.nm.create("dltdns")["Name"])


# -- isolation ---------------------------------------------------------------
def test_networks_are_isolated_from_each_other_but_not_from_the_host(lab):
    lab.nm.create("dltred", subnet=free_subnet())
    lab.nm.create("dltblue", subnet=free_subnet())
    a, b, c = lab.container(), lab.container(), lab.container()
    ea = lab.nm.connect("a" * 64, "red1", "dltred", a)
    eb = lab.nm.connect("b" * 64, "red2", "dltred", b)
    ec = lab.nm.connect("c" * 64, "blue1", "dltblue", c)

    assert lab.ping(a, eb["IPAddress"])
    assert not lab.ping(a, ec["IPAddress"]) and not lab.ping(c, ea["IPAddress"])
    assert host_ping(ea["IPAddress"]) and host_ping(ec["IPAddress"])
    assert "NXDOMAIN" in lab.nslookup(a, "blue1").stdout + lab.nslookup(a, "blue1").stderr

    for name in ("dltred", "dltblue"):
        bridge = lab.nm.store.find(name)["_lab"]["bridge"]
        assert isolation.forwarding(bridge) == 0
        with IPRoute() as ipr:
            assert bridge in isolation.rule_bridges(ipr)


def test_isolation_holds_when_ip_forwarding_is_switched_on(lab):
    """Docker sets net.ipv4.ip_forward=1 (resetting every interface's forwarding);
    our routing rule must still keep networks apart. Done in a private namespace."""
    def scenario(settings: Settings) -> dict:
        nm = NetworkManager(settings)
        nm.create("dltred", subnet="10.1.1.0/24")
        nm.create("dltblue", subnet="10.1.2.0/24")
        kids = [subprocess.Popen(["unshare", "-n", "sleep", "60"]) for _ in range(2)]
        wait_unshared(kids)
        try:
            ea = nm.connect("a" * 64, "red", "dltred", kids[0].pid)
            eb = nm.connect("b" * 64, "blue", "dltblue", kids[1].pid)
            Path("/proc/sys/net/ipv4/ip_forward").write_text("1")
            # The containers' own "unreachable" rule (rtnl._lab_only_rules) would stop the
            # packets before the host sees them: removed, so that the host's rule is tested.
            for kid in kids:
                subprocess.run(["nsenter", "-t", str(kid.pid), "-n", "ip", "rule", "del", "priority",
                                str(rtnl.RULE_UNREACHABLE)], check=True)
            ping = ["nsenter", "-t", str(kids[0].pid), "-n", "busybox", "ping", "-c1", "-W1"]
            blocked = subprocess.run([*ping, eb["IPAddress"]], capture_output=True).returncode != 0
            with IPRoute() as ipr:                      # the proof: without our rules...
                for name in ("dltred", "dltblue"):
                    isolation.unseal(ipr, nm.store.find(name)["_lab"]["bridge"])
            opened = subprocess.run([*ping, eb["IPAddress"]], capture_output=True).returncode == 0
            return {"blocked": blocked, "open_without_rule": opened, "a": ea["IPAddress"]}
        finally:
            for k in kids:
                k.kill()
                k.wait()
            teardown(settings)

    result = in_private_netns(lab.settings, scenario)
    assert result["blocked"], "routing between lab networks must be prohibited"
    assert result["open_without_rule"], "the test must fail if the rule did nothing"


# -- network verbs and Docker's messages ------------------------------------------
def test_remove_of_a_network_in_use_fails_with_dockers_message(lab):
    lab.nm.create("dltbusy", subnet=free_subnet())
    pid = lab.container()
    ep = lab.nm.connect("a" * 64, "worker", "dltbusy", pid)
    bridge = lab.nm.store.find("dltbusy")["_lab"]["bridge"]
    with pytest.raises(Conflict) as err:
        lab.nm.remove("dltbusy")
    assert str(err.value) == ("error while removing network: network dltbusy has active endpoints "
                              f'(name:"worker" id:"{ep["EndpointID"][:12]}")')
    assert bridge in link_names()
    lab.nm.disconnect("a" * 64, "dltbusy")
    lab.nm.remove("dltbusy")
    assert bridge not in link_names()
    with pytest.raises(NotFound, match="^network dltbusy not found$"):
        lab.nm.get("dltbusy")


def test_create_list_inspect_and_messages(lab):
    net = lab.nm.create("dltmsg", labels={"course": "lab1"})
    subnet = ipaddress.ip_network(net["IPAM"]["Config"][0]["Subnet"])
    assert not subnet.overlaps(ipaddress.ip_network("172.17.0.0/16"))
    assert not any(subnet.overlaps(h) for h in host_networks() if not h.subnet_of(subnet))
    assert [n["Name"] for n in lab.nm.list()] == ["bridge", "dltmsg", "host", "none"]
    assert lab.nm.get(net["Id"][:6])["Labels"] == {"course": "lab1"}
    assert list(net)[:4] == ["Name", "Id", "Created", "Scope"]
    with pytest.raises(Conflict, match="^network with name dltmsg already exists$"):
        lab.nm.create("dltmsg")
    with pytest.raises(Conflict, match="^bridge is a pre-defined network and cannot be removed$"):
        lab.nm.remove("bridge")
    with pytest.raises(Conflict, match="^Pool overlaps with other one on this address space$"):
        lab.nm.create("dltover", subnet=str(subnet))
    with pytest.raises(InvalidArgument, match="invalid subnet 10.9.9.1/24: it should be 10.9.9.0/24"):
        lab.nm.create("dltbad", subnet="10.9.9.1/24")
    assert lab.nm.prune() == ["dltmsg"]
    assert [n["Name"] for n in lab.nm.list()] == ["bridge", "host", "none"]


def test_a_bridge_name_option_never_takes_over_a_host_interface(lab):
    with pytest.raises(links.ForeignLink, match="bridge name lo is already used"):
        lab.nm.create("dltsteal", subnet=free_subnet(),
                      options={"com.docker.network.bridge.name": "lo"})
    with IPRoute() as ipr:
        idx = ipr.link_lookup(ifname="lo")[0]
        assert ipr.get_links(idx)[0].get("ifalias") is None
        assert [a.get("address") for a in ipr.get_addr(family=socket.AF_INET, index=idx)] == ["127.0.0.1"]
        assert "lo" not in isolation.rule_bridges(ipr)
    assert "dltsteal" not in [n["Name"] for n in lab.nm.list()]
    named = lab.nm.create("dltnamed", options={"com.docker.network.bridge.name": "dltmybr0"})
    assert named["Options"] == {"com.docker.network.bridge.name": "dltmybr0"}
    assert "dltmybr0" in link_names()


def test_connect_errors_use_dockers_messages(lab):
    sub = free_subnet()
    lab.nm.create("dltconn", subnet=sub)
    a, b = lab.container(), lab.container()
    wanted = str(ipaddress.ip_network(sub).network_address + 50)
    ea = lab.nm.connect("a" * 64, "first", "dltconn", a, ip=wanted)
    assert ea["IPAddress"] == wanted and ea["IPAMConfig"] == {"IPv4Address": wanted}
    with pytest.raises(Conflict, match="^Address already in use$"):
        lab.nm.connect("b" * 64, "second", "dltconn", b, ip=wanted)
    with pytest.raises(Conflict, match="^endpoint with name first already exists in network dltconn$"):
        lab.nm.connect("b" * 64, "first", "dltconn", b)
    with pytest.raises(InvalidArgument, match="no configured subnet contains IP address 192.0.2.9"):
        lab.nm.connect("b" * 64, "second", "dltconn", b, ip="192.0.2.9")
    with pytest.raises(InvalidArgument, match="user-specified IP address is supported on user-defined"):
        lab.nm.connect("b" * 64, "second", "bridge", b, ip=str(ipaddress.ip_network(lab.settings.subnet)[9]))
    with pytest.raises(InvalidArgument, match="network-scoped aliases are only supported"):
        lab.nm.connect("b" * 64, "second", "bridge", b, aliases=["x"])
    with pytest.raises(InvalidArgument, match="sharing network namespace"):
        lab.nm.connect("b" * 64, "second", "host", b)
    with pytest.raises(EngineError, match="is not connected to network dltconn"):
        lab.nm.disconnect("b" * 64, "dltconn")
    assert list(lab.nm.get("dltconn")["Containers"]) == ["a" * 64]   # nothing half-made


def test_disconnect_and_release_free_addresses_names_and_links(lab):
    lab.nm.create("dltfree", subnet=free_subnet())
    a, b = lab.container(), lab.container()
    ea = lab.nm.connect("a" * 64, "gone", "dltfree", a)
    lab.nm.connect("b" * 64, "stays", "dltfree", b)
    veth = lab.nm.store.find("dltfree")["_lab"]["endpoints"]["a" * 64]["HostVeth"]
    assert veth in link_names() and dnsserver.serving(lab.settings, "a" * 64)
    assert ea["IPAddress"] in lab.nslookup(b, "gone").stdout

    lab.nm.disconnect("a" * 64, "dltfree")
    assert veth not in link_names()
    assert not dnsserver.serving(lab.settings, "a" * 64)
    assert "NXDOMAIN" in lab.nslookup(b, "gone").stdout + lab.nslookup(b, "gone").stderr
    again = lab.nm.connect("a" * 64, "gone", "dltfree", a)
    assert again["IPAddress"] == ea["IPAddress"]                     # the address was freed

    lab.nm.release("b" * 64)
    assert "b" * 64 not in lab.nm.get("dltfree")["Containers"]
    assert not dnsserver.serving(lab.settings, "b" * 64)


def test_links_resolve_only_for_the_linking_container(lab):
    lab.nm.create("dltlink", subnet=free_subnet())
    a, b, c = lab.container(), lab.container(), lab.container()
    ea = lab.nm.connect("a" * 64, "database", "dltlink", a)
    lab.nm.connect("b" * 64, "app", "dltlink", b, links=[("database", "db")])
    lab.nm.connect("c" * 64, "other", "dltlink", c)
    assert ea["IPAddress"] in lab.nslookup(b, "db").stdout
    assert "NXDOMAIN" in lab.nslookup(c, "db").stdout + lab.nslookup(c, "db").stderr


def test_stale_endpoint_of_a_dead_container_is_dropped(lab):
    lab.nm.create("dltstale", subnet=free_subnet())
    pid = lab.container()
    lab.nm.connect("a" * 64, "crashed", "dltstale", pid)
    proc = lab.procs.pop()
    proc.kill()
    proc.wait()
    # the shim dies with its container, and its DNS thread with it; here the
    # "shim" is this test process, so stop the thread whose socket pins the namespace
    dnsserver.stop(lab.settings, "a" * 64)
    # now the namespace, and so the veth pair, vanish
    for _ in range(50):
        veth = lab.nm.store.find("dltstale")["_lab"]["endpoints"]["a" * 64]["HostVeth"]
        if veth not in link_names():
            break
        time.sleep(0.1)
    lab.nm.remove("dltstale")         # no "active endpoints": the endpoint was stale


# -- published ports ------------------------------------------------------------
@pytest.fixture
def web(lab, tmp_path):
    """busybox httpd on port 80 inside a namespace on the default bridge."""
    (tmp_path / "index.html").write_text("bonjour du lab\n")
    pid = lab.container("busybox", "httpd", "-f", "-p", "80", "-h", str(tmp_path))
    ep = lab.nm.connect("w" * 64, "web", "bridge", pid)
    return pid, ep


def start_proxy(listeners, ip) -> threading.Thread:
    t = threading.Thread(target=ports.serve, args=(listeners, ip), daemon=True)
    t.start()
    return t


def test_published_port_serves_real_http_from_the_namespace(lab, web):
    _, ep = web
    listeners = ports.publish(lab.settings, "w" * 64, ports.parse_publish("0:80"))
    proxy = start_proxy(listeners, ep["IPAddress"])
    try:
        port = listeners[0].host_port
        assert port != 0 and all(l.host_port == port for l in listeners)
        body = urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html", timeout=5).read()
        assert body == b"bonjour du lab\n"
        assert ports.port_map(listeners)["80/tcp"][0] == {"HostIp": "0.0.0.0", "HostPort": str(port)}
    finally:
        for l in listeners:
            l.close()
        proxy.join(timeout=5)
    assert not proxy.is_alive()
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html", timeout=2)


def test_tcp_relay_keeps_every_byte_and_half_closes(lab):
    """8 MiB up, then (after the client's FIN) the same 8 MiB back: back-pressure both ways."""
    pid = lab.container()
    ep = lab.nm.connect("t" * 64, "tcpecho", "bridge", pid)

    def bind_server():
        s = socket.socket()
        s.bind(("0.0.0.0", 7000))
        s.listen(1)
        return s

    server_sock = run_in_netns(pid, bind_server)

    def serve_once():
        conn, _ = server_sock.accept()
        chunks = []
        while data := conn.recv(1 << 16):
            chunks.append(data)
        conn.sendall(b"".join(chunks))
        conn.close()

    server = threading.Thread(target=serve_once, daemon=True)
    server.start()
    listeners = ports.publish(lab.settings, "t" * 64, ports.parse_publish("127.0.0.1::7000"))
    proxy = start_proxy(listeners, ep["IPAddress"])
    payload = os.urandom(8 << 20)
    try:
        client = socket.create_connection(("127.0.0.1", listeners[0].host_port), timeout=20)
        client.sendall(payload)
        client.shutdown(socket.SHUT_WR)
        got = bytearray()
        while data := client.recv(1 << 16):
            got += data
        client.close()
        assert bytes(got) == payload
    finally:
        for l in listeners:
            l.close()
        proxy.join(timeout=5)
        server.join(timeout=5)
        server_sock.close()


def test_serving_again_after_a_restart_follows_the_new_address(lab, web, tmp_path):
    _, first = web
    other_dir = tmp_path / "other"
    other_dir.mkdir()
    (other_dir / "index.html").write_text("second life\n")
    pid = lab.container("busybox", "httpd", "-f", "-p", "80", "-h", str(other_dir))
    second = lab.nm.connect("v" * 64, "web-restarted", "bridge", pid)
    listeners = ports.publish(lab.settings, "w" * 64, ports.parse_publish("127.0.0.1:0:80"))
    proxy = start_proxy(listeners, first["IPAddress"])
    url = f"http://127.0.0.1:{listeners[0].host_port}/index.html"
    try:
        assert urllib.request.urlopen(url, timeout=5).read() == b"bonjour du lab\n"
        again = start_proxy(listeners, second["IPAddress"])
        again.join(timeout=5)
        assert not again.is_alive()                    # returned at once: no second loop
        assert urllib.request.urlopen(url, timeout=5).read() == b"second life\n"
    finally:
        for l in listeners:
            l.close()
        proxy.join(timeout=5)


def test_same_host_port_twice_gives_dockers_message(lab, web):
    _, ep = web
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    first = ports.publish(lab.settings, "w" * 64, ports.parse_publish(f"{port}:80"))
    try:
        with pytest.raises(ports.PortAllocationError) as err:
            ports.publish(lab.settings, "x" * 64, ports.parse_publish(f"{port}:80"),
                          endpoint_name="web2", endpoint_id="e" * 64)
        assert str(err.value) == (
            "failed to set up container networking: driver failed programming external "
            f"connectivity on endpoint web2 ({'e' * 64}): Bind for 0.0.0.0:{port} failed: "
            "port is already allocated")
    finally:
        for l in first:
            l.close()
    again = ports.publish(lab.settings, "x" * 64, ports.parse_publish(f"{port}:80"))
    for l in again:
        l.close()


def test_port_held_by_another_program_gives_the_kernels_reason(lab):
    other = socket.socket()
    other.bind(("0.0.0.0", 0))
    other.listen()
    port = other.getsockname()[1]
    try:
        with pytest.raises(ports.PortAllocationError,
                           match=f"failed to bind host port 0.0.0.0:{port}/tcp: address already in use$"):
            ports.publish(lab.settings, "y" * 64, ports.parse_publish(f"{port}:80"))
    finally:
        other.close()


def test_udp_port_is_relayed_both_ways(lab):
    pid = lab.container()
    ep = lab.nm.connect("u" * 64, "echo", "bridge", pid)

    def bind_echo():
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("0.0.0.0", 5300))
        return s

    echo = run_in_netns(pid, bind_echo)
    stop = threading.Event()

    def serve_echo():
        echo.settimeout(0.2)
        while not stop.is_set():
            try:
                data, peer = echo.recvfrom(2048)
                echo.sendto(data.upper(), peer)
            except socket.timeout:
                continue

    server = threading.Thread(target=serve_echo, daemon=True)
    server.start()
    listeners = ports.publish(lab.settings, "u" * 64, ports.parse_publish("127.0.0.1::5300/udp"))
    proxy = start_proxy(listeners, ep["IPAddress"])
    try:
        client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        client.settimeout(5)
        client.sendto(b"salut", ("127.0.0.1", listeners[0].host_port))
        assert client.recvfrom(2048)[0] == b"SALUT"
        client.close()
    finally:
        for l in listeners:
            l.close()
        proxy.join(timeout=5)
        stop.set()
        server.join(timeout=5)
        echo.close()


# -- firewall (br_netfilter + FORWARD DROP), in a private namespace ----------------
@pytest.mark.skipif(not shutil.which("iptables"), reason="iptables is not installed")
def test_forward_drop_policy_gets_our_own_accept_rule(lab):
    def scenario(settings: Settings) -> dict:
        knob = Path("/proc/sys/net/bridge/bridge-nf-call-iptables")
        if not knob.exists() or knob.read_text().strip() != "1":
            return {"skip": "br_netfilter is not loaded, or not active in a new namespace"}
        subprocess.run(["iptables", "-w", "-P", "FORWARD", "DROP"], check=True)
        subprocess.run(["iptables", "-w", "-A", "FORWARD", "-j", "DROP"], check=True)  # Docker-like
        nm = NetworkManager(settings)
        kids = [subprocess.Popen(["unshare", "-n", "sleep", "60"]) for _ in range(2)]
        wait_unshared(kids)
        try:
            ea = nm.connect("a" * 64, "one", "bridge", kids[0].pid)
            eb = nm.connect("b" * 64, "two", "bridge", kids[1].pid)
            ping = ["nsenter", "-t", str(kids[0].pid), "-n", "busybox", "ping", "-c1", "-W1",
                    eb["IPAddress"]]
            works = subprocess.run(ping, capture_output=True).returncode == 0
            chain = subprocess.run(["iptables", "-S", firewall.CHAIN], capture_output=True, text=True).stdout
            forward = subprocess.run(["iptables", "-S", "FORWARD"], capture_output=True, text=True).stdout
            firewall.forget_bridge(settings.bridge)
            cut = subprocess.run(ping, capture_output=True).returncode != 0
        finally:
            for k in kids:
                k.kill()
                k.wait()
            teardown(settings)
        left = subprocess.run(["iptables", "-S"], capture_output=True, text=True).stdout
        return {"works": works, "cut": cut, "chain": chain, "forward": forward, "left": left,
                "a": ea["IPAddress"]}

    result = in_private_netns(lab.settings, scenario)
    if "skip" in result:
        pytest.skip(result["skip"])
    assert result["works"], result
    assert f"-A {firewall.CHAIN} -i {lab.settings.bridge} -o {lab.settings.bridge} -j ACCEPT" in result["chain"]
    assert result["forward"].splitlines()[1] == f"-A FORWARD -j {firewall.CHAIN}"
    assert "-A FORWARD -j DROP" in result["forward"]          # Docker's rules untouched
    assert result["cut"], "without our rule the DROP policy must cut them apart"
    assert firewall.CHAIN not in result["left"]


# -- automatic subnet choice, in a private namespace ------------------------------------
def test_default_subnet_avoids_host_routes_and_docker0(lab):
    def scenario(settings: Settings) -> dict:
        with IPRoute() as ipr:
            ipr.link("add", ifname="dltfake", kind="bridge")   # any link will do
            idx = ipr.link_lookup(ifname="dltfake")[0]
            ipr.link("set", index=idx, state="up")
            ipr.addr("add", index=idx, address="172.18.0.1", prefixlen=16)
            ipr.route("add", dst="172.19.0.0/16", oif=idx)
        settings.subnet = ""
        nm = NetworkManager(settings)
        try:
            default = nm.ensure_default()
            user = nm.create("dltauto")
            return {"default": default["IPAM"]["Config"][0], "user": user["IPAM"]["Config"][0],
                    "saved": Settings.load(settings.root).subnet, "notices": nm.notices}
        finally:
            teardown(settings)

    result = in_private_netns(lab.settings, scenario)
    assert result["default"] == {"Subnet": "172.20.0.0/16", "Gateway": "172.20.0.1"}
    assert result["user"] == {"Subnet": "172.21.0.0/16", "Gateway": "172.21.0.1"}
    assert result["saved"] == "172.20.0.0/16"
    assert "172.20.0.0/16" in result["notices"][0]


# -- teardown ----------------------------------------------------------------------
def test_teardown_leaves_no_link_rule_server_or_file(lab):
    lab.nm.create("dltgone", subnet=free_subnet())
    a = lab.container()
    lab.nm.connect("a" * 64, "x", "bridge", a)
    lab.nm.connect("a" * 64, "x", "dltgone", a)
    listeners = ports.publish(lab.settings, "a" * 64, ports.parse_publish("127.0.0.1:0:80"))
    port = listeners[0].host_port
    proxy = start_proxy(listeners, "127.0.0.1")
    bridges = {r["_lab"]["bridge"] for r in lab.nm.store.all() if r["_lab"]["bridge"]}
    veths = {e["HostVeth"] for r in lab.nm.store.all() for e in r["_lab"]["endpoints"].values()}
    assert bridges | veths <= link_names()
    threads_before = {t.name for t in threading.enumerate()}
    assert f"dns-{'a' * 12}" in threads_before

    teardown(lab.settings)

    proxy.join(timeout=5)
    assert not proxy.is_alive()
    assert not (bridges | veths) & link_names()
    assert links.tagged_links(links.tag_for(lab.settings)) == []
    with IPRoute() as ipr:
        assert not bridges & set(isolation.rule_bridges(ipr))
    assert not dnsserver.serving(lab.settings, "a" * 64)
    assert f"dns-{'a' * 12}" not in {t.name for t in threading.enumerate()}
    assert not lab.settings.networks_dir.exists()
    assert not (lab.settings.run_dir / "ports.json").exists()
    s = socket.socket()
    s.bind(("127.0.0.1", port))                # the published port is free again
    s.close()


# -- helper: run a scenario in a forked child with its own network namespace ---------
def wait_unshared(procs: list[subprocess.Popen]) -> None:
    """Until each `unshare -n` child has left our namespace (see Lab.container)."""
    mine = os.stat("/proc/self/ns/net").st_ino
    deadline = time.monotonic() + 5
    for p in procs:
        while os.stat(f"/proc/{p.pid}/ns/net").st_ino == mine and time.monotonic() < deadline:
            time.sleep(0.001)



def in_private_netns(settings: Settings, scenario) -> dict:
    """Fork; the child unshares its network namespace, runs `scenario`, reports JSON.

    Whatever the scenario changes (sysctls, iptables, routes) dies with the
    child's namespace; links it made there vanish too.
    """
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        code = 0
        try:
            libc.unshare(libc.CLONE_NEWNET)
            out = {"ok": scenario(settings)}
        except BaseException:
            out, code = {"error": traceback.format_exc()}, 1
        with os.fdopen(w, "w") as f:
            json.dump(out, f)
        os._exit(code)
    os.close(w)
    with os.fdopen(r) as f:
        data = f.read()
    os.waitpid(pid, 0)
    out = json.loads(data)
    assert "error" not in out, out.get("error")
    return out["ok"]
