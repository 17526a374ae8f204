"""Netlink work on the host: lab bridges, veth pairs, and finding our links again.

Every link we create carries an interface alias naming its state root
(`ip link` shows it as `alias dockerlab /var/lib/dockerlab`), so a reset
finds them from what is on the machine even when state files are lost, and
never touches the links of another root or of anybody else.
"""
from __future__ import annotations

import errno
import hashlib
import os
import socket
import threading
import time
from typing import TYPE_CHECKING

from ..errors import EngineError
from ..settings import Settings
from . import firewall, isolation, rtnl
from .ipam import random_mac

if TYPE_CHECKING:
    # pyroute2 (~90 ms to import) serves the rare paths: making and removing bridges,
    # teardown; the start path (ensure_bridge's quick check, plumb, unplumb) uses rtnl.
    from pyroute2 import IPRoute

ENOENT, ENODEV = errno.ENOENT, errno.ENODEV


def tag_for(settings: Settings) -> str:
    """The interface alias that marks links of this state root."""
    root = str(settings.root)
    if len(root) > 200:
        root = "sha256:" + hashlib.sha256(root.encode()).hexdigest()
    return f"dockerlab {root}"


def index_of(ipr: IPRoute, ifname: str) -> int | None:
    found = ipr.link_lookup(ifname=ifname)
    return found[0] if found else None


class ForeignLink(EngineError):
    """A link name we would use belongs to something else on the host."""


def _alias(ipr: IPRoute, idx: int) -> str | None:
    return ipr.get_links(idx)[0].get("ifalias")


def _seal_fingerprint(name: str, index: int) -> dict:
    """What the full check of bridge `name` depended on, read cheaply (~50 us, no iptables).

    The link (namespace and ifindex: a re-created bridge gets a new index),
    the sysctls that decide whether frames go through iptables, and the
    forwarding switches that writing net.ipv4.ip_forward=1 resets (Docker
    does that, and sets FORWARD's policy to DROP, when it starts).
    """
    def read(path: str) -> str:
        try:
            with open(path) as f:
                return f.read().strip()
        except OSError:
            return ""
    return {"netns": os.stat("/proc/self/ns/net").st_ino, "ifindex": index,
            "nf": read(str(firewall.BRIDGE_NF)), "ip_forward": read("/proc/sys/net/ipv4/ip_forward"),
            "forwarding": read(f"/proc/sys/net/ipv4/conf/{name}/forwarding")}


def ensure_bridge(name: str, gateway: str, prefixlen: int, tag: str,
                  checked: dict | None = None) -> tuple[int, dict]:
    """Create (or repair) a lab bridge with its gateway address, up and sealed.

    An existing interface of that name is used only if it carries our tag:
    `-o com.docker.network.bridge.name=eth0` must never take over eth0.
    Returns the bridge's ifindex and the fingerprint of the check, which the
    caller keeps in the network's record: when the bridge is still ours, up
    and the fingerprint unchanged (`checked`), one netlink request replaces
    the full check (its iptables calls took 20-40 ms of every start).
    """
    with rtnl.Rtnl() as r:
        link = r.link(name)
    if checked and link is not None and link.alias == tag and link.up:
        seen = _seal_fingerprint(name, link.index)
        if seen == checked:
            return link.index, seen
    index = _full_ensure_bridge(name, gateway, prefixlen, tag)
    return index, _seal_fingerprint(name, index)


def _full_ensure_bridge(name: str, gateway: str, prefixlen: int, tag: str) -> int:
    from pyroute2 import IPRoute
    with IPRoute() as ipr:
        idx = index_of(ipr, name)
        if idx is None:
            ipr.link("add", ifname=name, kind="bridge", address=random_mac())
            idx = index_of(ipr, name)
            ipr.link("set", index=idx, ifalias=tag)
        elif _alias(ipr, idx) != tag:
            raise ForeignLink(f"bridge name {name} is already used by an interface "
                              "that dockerlab did not create")
        have = {(a.get("address"), a["prefixlen"])
                for a in ipr.get_addr(family=socket.AF_INET, index=idx)}
        if (gateway, prefixlen) not in have:
            ipr.addr("add", index=idx, address=gateway, prefixlen=prefixlen)
        ipr.link("set", index=idx, state="up")
        isolation.seal(ipr, name)
    firewall.allow_bridge(name)
    return idx


def remove_bridge(name: str, tag: str) -> None:
    """Delete a lab bridge, its routing rule and its firewall rule."""
    from pyroute2 import IPRoute
    with IPRoute() as ipr:
        delete_link(ipr, name, tag)
        isolation.unseal(ipr, name)
    firewall.forget_bridge(name)


def delete_link(ipr: IPRoute, ifname: str, tag: str) -> None:
    """Delete `ifname` if it exists and carries `tag` (never somebody else's link)."""
    from pyroute2.netlink.exceptions import NetlinkError
    idx = index_of(ipr, ifname)
    try:
        if idx is None or _alias(ipr, idx) != tag:
            return
        ipr.link("del", index=idx)
    except NetlinkError as err:
        if err.code not in (ENOENT, ENODEV):
            raise


def tagged_links(tag: str) -> list[tuple[str, str]]:
    """(name, kind) of every link carrying `tag`, bridges last."""
    from pyroute2 import IPRoute
    with IPRoute() as ipr:
        found = [(l.get("ifname"), l.get_nested("IFLA_LINKINFO", "IFLA_INFO_KIND") or "")
                 for l in ipr.get_links() if l.get("ifalias") == tag]
    return sorted(found, key=lambda nk: nk[1] == "bridge")


def plumb(pid: int, *, bridge_index: int, host_name: str, ip: str, prefixlen: int, mac: str,
          gateway: str | None, tag: str, lab_subnets: tuple[str, ...] = ()) -> str:
    """Give process `pid`'s namespace an interface on a bridge; return its name (ethN).

    Five netlink round trips, no dump of the host's links: the veth is made
    in one request with its host end up on the bridge and its peer created
    directly inside the namespace under its final name (the first free ethN
    there) and MAC, so no name ever collides in the host namespace; then a
    socket opened in the namespace sets the peer up with its address and,
    when given and when the namespace has none yet, a default route via
    `gateway` (the first network wins, as in Docker), with the rules that
    keep it to `lab_subnets` (rtnl._lab_only_rules).
    """
    inside = rtnl.open_in(pid)
    try:
        ours, theirs = os.stat("/proc/self/ns/net"), os.fstat(inside.netns_fd)
        if (ours.st_dev, ours.st_ino) == (theirs.st_dev, theirs.st_ino):   # never plumb the host
            raise EngineError(f"process {pid} has no network namespace of its own")
        with rtnl.Rtnl() as host:
            ifname = _add_veth(host, inside, host_name, mac, bridge_index, tag)
            try:
                host.set_alias(host_name, tag)
                peer = inside.link(ifname)
                if peer is None:
                    raise EngineError(f"the interface {ifname} vanished from the container")
                inside.configure(peer.index, ip, prefixlen, gateway, lab_subnets)
            except BaseException:
                _delete(host, host_name, None)       # ours even if the alias was not set yet
                raise
    finally:
        inside.close()
    return ifname


def _add_veth(host: rtnl.Rtnl, inside: rtnl.Rtnl, host_name: str, mac: str,
              bridge_index: int, tag: str) -> str:
    """Create the pair; a leftover of the same endpoint (a crash) is deleted and replaced."""
    for attempt in range(3):
        names = {l.name for l in inside.links()}
        ifname = next(f"eth{n}" for n in range(len(names) + 1) if f"eth{n}" not in names)
        try:
            host.add_veth(host_name, ifname, inside.netns_fd, mac, bridge_index)
            return ifname
        except rtnl.NetlinkError as err:
            if err.errno != errno.EEXIST or attempt == 2:
                raise
            stale = host.link(host_name)
            if stale is not None and stale.alias != tag:
                raise ForeignLink(f"interface name {host_name} is already used by an interface "
                                  "that dockerlab did not create") from None
            if stale is not None:
                _delete(host, host_name, tag)
            # else the name ethN was taken inside meanwhile: list again
    raise AssertionError("unreachable")


def _delete(r: rtnl.Rtnl, ifname: str, tag: str | None) -> None:
    """Delete `ifname` if it exists (and carries `tag` unless None); gone already is fine."""
    link = r.link(ifname)
    if link is not None and (tag is None or link.alias == tag):
        _delete_until_unlisted(r, link)


def ensure_default_route(pid: int, gateway: str) -> None:
    """Add a default route via `gateway` in `pid`'s namespace if it has none."""
    with rtnl.open_in(pid) as inside:
        inside.add_default_route(gateway)


def unplumb(host_name: str, tag: str) -> None:
    """Delete an endpoint's veth pair (its peer and routes vanish with it).

    Returns once the pair is gone from the host's links, ~1 ms after the
    request; the kernel then spends ~20 ms on RCU grace periods before the
    request returns, on every container's exit: a thread waits for that
    tail (the device is committed to deletion, nobody needs the answer).
    When the container's namespace is already dying (its last process has
    exited and nothing holds it), the kernel deletes the pair with it.
    """
    with rtnl.Rtnl() as r:
        link = r.link(host_name)
        if link is None or link.alias != tag:
            return
        if link.netnsid is not None and not r.netns_alive(link.netnsid):
            return
        _delete_until_unlisted(r, link)


def _delete_until_unlisted(r: rtnl.Rtnl, link: rtnl.Link) -> None:
    """Delete `link` in a thread; return when `r` no longer finds it (or the thread failed)."""
    box: dict = {}

    def work() -> None:
        try:
            with rtnl.Rtnl() as own:
                own.delete(link.index)
        except BaseException as exc:  # handed to the caller unless the link is gone anyway
            box["error"] = exc

    worker = threading.Thread(target=work, name=f"unplumb-{link.name}", daemon=True)
    worker.start()
    while worker.is_alive():
        now = r.link(link.name)
        if now is None or now.index != link.index:
            return
        time.sleep(0.0002)
    err = box.get("error")
    if err is not None and not (isinstance(err, rtnl.NetlinkError) and err.errno in (ENOENT, ENODEV)):
        raise err


def link_names() -> set[str]:
    """Names of the links of this namespace (one dump, for finding stale endpoints)."""
    with rtnl.Rtnl() as r:
        return {l.name for l in r.links()}
