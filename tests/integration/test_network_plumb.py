"""The start path's netlink work on the real kernel: rtnl.py and links.plumb/unplumb.

"Containers" are `unshare -n sleep` processes, as in test_network.py; every
test has its own state root, bridge and 10.2xx.y.0/24 subnet, and the
fixture kills the processes and tears everything down even on failure.
"""
from __future__ import annotations

import errno
import os
import subprocess
import time

import pytest

from dockerlab.engine.network import isolation, links, rtnl
from dockerlab.engine.network.manager import endpoint_id, host_veth_name
from test_network import lab  # noqa: F401 - the lab fixture

pytestmark = pytest.mark.root


def host_link(name: str) -> rtnl.Link | None:
    with rtnl.Rtnl() as r:
        return r.link(name)


def wait_gone(name: str, seconds: float = 3.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if host_link(name) is None:
            return True
        time.sleep(0.01)
    return False


def test_the_peer_is_born_inside_with_its_name_mac_address_and_route(lab):
    pid = lab.container()
    ep = lab.nm.connect("a" * 64, "one", "bridge", pid)
    host = host_link(host_veth_name(ep["EndpointID"]))
    assert host is not None and host.up and host.alias == lab.nm.tag
    out = lab.run(pid, "ip", "-o", "-4", "addr", "show", "dev", "eth0").stdout
    brd = ep["IPAddress"].rsplit(".", 1)[0] + ".255"
    assert f"inet {ep['IPAddress']}/{ep['IPPrefixLen']} brd {brd} scope global eth0" in out, out
    link = lab.run(pid, "ip", "-o", "link", "show", "dev", "eth0").stdout
    assert ep["MacAddress"] in link and "state UP" in link, link
    assert lab.run(pid, "ip", "route").stdout.splitlines()[0].strip() == f"default via {ep['Gateway']} dev eth0"
    # the host end is a port of the bridge
    master = subprocess.run(["ip", "-o", "link", "show", "dev", host.name], capture_output=True, text=True)
    assert f"master {lab.settings.bridge}" in master.stdout


def test_a_leftover_veth_of_the_same_endpoint_is_replaced(lab):
    """A crash can leave the host end of an endpoint: the next plug deletes and remakes it."""
    pid, old = lab.container(), lab.container()
    lab.nm.prepare_default()
    name = host_veth_name(endpoint_id("a" * 64, lab.nm.store.by_name("bridge")["Id"]))
    fd = os.open(f"/proc/{old}/ns/net", os.O_RDONLY)
    try:
        with rtnl.Rtnl() as r:
            r.add_veth(name, "eth0", fd, "02:42:00:00:00:09", r.link(lab.settings.bridge).index)
            r.set_alias(name, lab.nm.tag)
            stale = r.link(name).index
    finally:
        os.close(fd)
    ep = lab.nm.connect("a" * 64, "one", "bridge", pid)
    now = host_link(name)
    assert now is not None and now.index != stale
    assert lab.ping(pid, ep["Gateway"])


def test_a_foreign_link_with_the_endpoint_name_is_never_taken(lab):
    pid = lab.container()
    lab.nm.prepare_default()
    name = host_veth_name(endpoint_id("f" * 64, lab.nm.store.by_name("bridge")["Id"]))
    subprocess.run(["ip", "link", "add", name, "type", "bridge"], check=True)   # not tagged
    try:
        with pytest.raises(links.ForeignLink, match=f"interface name {name} is already used"):
            lab.nm.connect("f" * 64, "one", "bridge", pid)
        assert host_link(name) is not None                     # left alone
        assert lab.nm.get("bridge")["Containers"] == {}        # no half-made endpoint
    finally:
        subprocess.run(["ip", "link", "del", name], check=False)


def test_release_of_a_dead_container_frees_everything(lab):
    pid = lab.container()
    ep = lab.nm.connect("a" * 64, "gone", "bridge", pid)
    veth = host_veth_name(ep["EndpointID"])
    proc = lab.procs.pop()
    proc.kill()
    proc.wait()
    lab.nm.release("a" * 64)
    assert lab.nm.get("bridge")["Containers"] == {}
    assert wait_gone(veth), "the veth pair must vanish with the namespace"
    again = lab.nm.connect("b" * 64, "next", "bridge", lab.container())
    assert again["IPAddress"] == ep["IPAddress"]               # the lease was freed


def test_release_deletes_the_pair_of_a_namespace_still_held(lab):
    """A namespace kept alive by another process (here: a second one in it) loses its veth."""
    pid = lab.container()
    ep = lab.nm.connect("a" * 64, "held", "bridge", pid)
    holder = subprocess.Popen(["nsenter", "-t", str(pid), "-n", "sleep", "60"])
    lab.procs.append(holder)
    try:
        deadline = time.monotonic() + 5
        while os.stat(f"/proc/{holder.pid}/ns/net").st_ino != os.stat(f"/proc/{pid}/ns/net").st_ino:
            assert time.monotonic() < deadline
            time.sleep(0.001)
        first = lab.procs.pop(0)
        first.kill()
        first.wait()
        lab.nm.release("a" * 64)
        assert host_link(host_veth_name(ep["EndpointID"])) is None     # at once, not later
        assert "eth0" not in lab.run(holder.pid, "ip", "-o", "link").stdout
    finally:
        holder.kill()
        holder.wait()


def test_netns_alive_follows_the_namespace(lab):
    pid = lab.container()
    ep = lab.nm.connect("a" * 64, "one", "bridge", pid)
    with rtnl.Rtnl() as r:
        link = r.link(host_veth_name(ep["EndpointID"]))
        assert link.netnsid is not None and r.netns_alive(link.netnsid)
        proc = lab.procs.pop()
        proc.kill()
        proc.wait()
        deadline = time.monotonic() + 3
        while r.netns_alive(link.netnsid):
            assert time.monotonic() < deadline, "a namespace without process must die"
            time.sleep(0.005)


def test_a_bridge_unsealed_behind_our_back_is_sealed_again_at_the_next_start(lab):
    """Writing net.ipv4.ip_forward=1 (Docker does) resets every interface's forwarding."""
    lab.nm.connect("a" * 64, "one", "bridge", lab.container())
    sealed = lab.nm.store.by_name("bridge")["_lab"]["sealed"]
    assert sealed["forwarding"] == "0" and sealed["ifindex"] == host_link(lab.settings.bridge).index
    isolation.set_forwarding(lab.settings.bridge, 1)
    lab.nm.connect("b" * 64, "two", "bridge", lab.container())
    assert isolation.forwarding(lab.settings.bridge) == 0


def test_kernel_errors_carry_errno_and_message(lab):
    pid = lab.container()
    ep = lab.nm.connect("a" * 64, "one", "bridge", pid)
    with rtnl.open_in(pid) as inside:
        assert inside.link("lo").index == rtnl.LOOPBACK_IFINDEX
        assert inside.link("eth9") is None
        eth0 = inside.link("eth0")
        with pytest.raises(rtnl.NetlinkError) as info:
            inside.configure(eth0.index, ep["IPAddress"], ep["IPPrefixLen"], ep["Gateway"])
        assert info.value.errno == errno.EEXIST and "File exists" in str(info.value)
        other = ep["IPAddress"].rsplit(".", 1)[0] + ".200"
        inside.add_default_route(other)               # one exists already: kept, no error
    assert lab.run(pid, "ip", "route").stdout.splitlines()[0].strip() == f"default via {ep['Gateway']} dev eth0"


def test_rtnl_sockets_stay_in_their_namespace(lab):
    pid = lab.container()
    with rtnl.Rtnl() as here:
        mine = {l.name for l in here.links()}
    with rtnl.open_in(pid) as inside:
        theirs = {l.name for l in inside.links()}
    assert theirs == {"lo"}
    assert lab.settings.bridge not in theirs and mine != theirs


def test_a_run_on_the_default_bridge_imports_no_pyroute2(state_root):
    """The start path speaks rtnetlink itself: pyroute2 cost ~90 ms per CLI process."""
    from importcheck import run
    env = dict(os.environ, DOCKERLAB_ROOT=str(state_root.root), DOCKERLAB_LANG="en")
    argv = ["docker", "run", "--rm", "busybox", "true"]
    first = run(argv, env)                   # prepares busybox and creates the bridge
    assert first.code == 0, first.err
    report = run(argv, env)
    assert report.code == 0, report.err
    assert "dockerlab.engine.network.rtnl" in report.modules        # it did plug a network
    assert not {m for m in report.modules if m.split(".")[0] in ("pyroute2", "asyncio")}


def test_a_process_in_our_own_namespace_is_never_plumbed(lab):
    """No eth0, address or default route may ever be added to the host."""
    lab.nm.prepare_default()
    veth = host_veth_name(endpoint_id("a" * 64, lab.nm.store.by_name("bridge")["Id"]))
    with pytest.raises(Exception, match="has no network namespace of its own"):
        lab.nm.connect("a" * 64, "one", "bridge", os.getpid())
    assert lab.nm.get("bridge")["Containers"] == {}
    assert host_link(veth) is None
