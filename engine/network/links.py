"""Netlink work on the host: lab bridges, veth pairs, and finding our links again.

Every link we create carries an interface alias naming its state root
(`ip link` shows it as `alias dockerlab /var/lib/dockerlab`), so a reset
finds them from what is on the machine even when state files are lost, and
never touches the links of another root or of anybody else.
"""
from __future__ import annotations

import hashlib
import os
import socket

from pyroute2 import IPRoute
from pyroute2.netlink.exceptions import NetlinkError

from ..errors import EngineError
from ..settings import Settings
from . import firewall, isolation
from .ipam import random_mac
from .netns import run_in_netns

ENOENT, ENODEV = 2, 19


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


_checked: set[tuple] = set()


def _still_up(name: str, tag: str) -> bool:
    """One netlink lookup: the bridge is there, ours and up (no iptables calls)."""
    with IPRoute() as ipr:
        links = ipr.get_links(ifname=name) if index_of(ipr, name) is not None else []
    if not links:
        return False
    return links[0].get("ifalias") == tag and bool(links[0]["flags"] & 1)


def ensure_bridge(name: str, gateway: str, prefixlen: int, tag: str) -> None:
    """Create (or repair) a lab bridge with its gateway address, up and sealed.

    An existing interface of that name is used only if it carries our tag:
    `-o com.docker.network.bridge.name=eth0` must never take over eth0.
    A process that already checked the bridge in this network namespace only
    looks it up again (the full check, with its iptables calls, took 20-40 ms
    of every start in the guided shell and the daemon).
    """
    key = (os.stat("/proc/self/ns/net").st_ino, name, gateway, prefixlen, tag)
    if key in _checked and _still_up(name, tag):
        return
    _checked.discard(key)
    _full_ensure_bridge(name, gateway, prefixlen, tag)
    _checked.add(key)


def _full_ensure_bridge(name: str, gateway: str, prefixlen: int, tag: str) -> None:
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


def remove_bridge(name: str, tag: str) -> None:
    """Delete a lab bridge, its routing rule and its firewall rule."""
    with IPRoute() as ipr:
        delete_link(ipr, name, tag)
        isolation.unseal(ipr, name)
    firewall.forget_bridge(name)


def delete_link(ipr: IPRoute, ifname: str, tag: str) -> None:
    """Delete `ifname` if it exists and carries `tag` (never somebody else's link)."""
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
    with IPRoute() as ipr:
        found = [(l.get("ifname"), l.get_nested("IFLA_LINKINFO", "IFLA_INFO_KIND") or "")
                 for l in ipr.get_links() if l.get("ifalias") == tag]
    return sorted(found, key=lambda nk: nk[1] == "bridge")


def plumb(pid: int, *, bridge: str, host_name: str, ip: str, prefixlen: int, mac: str,
          gateway: str | None, tag: str) -> str:
    """Give process `pid`'s namespace an interface on `bridge`; return its name (ethN).

    The veth peer is created directly inside the namespace under a temporary
    name, then renamed to the first free ethN, so no name ever collides in
    the host namespace. A default route via `gateway` is added when given and
    when the namespace has none yet (the first network wins, as in Docker).
    """
    peer = "dlp" + host_name[3:]
    with IPRoute() as ipr:
        delete_link(ipr, host_name, tag)        # stale leftover of the same endpoint
        ipr.link("add", ifname=host_name, kind="veth", peer={"ifname": peer, "net_ns_pid": pid})
        h = index_of(ipr, host_name)
        ipr.link("set", index=h, ifalias=tag)
        ipr.link("set", index=h, master=index_of(ipr, bridge), state="up")
    try:
        return run_in_netns(pid, lambda: _configure_inside(peer, ip, prefixlen, mac, gateway))
    except BaseException:
        with IPRoute() as ipr:
            delete_link(ipr, host_name, tag)
        raise


def _configure_inside(peer: str, ip: str, prefixlen: int, mac: str, gateway: str | None) -> str:
    with IPRoute() as ipr:
        names = {l.get("ifname") for l in ipr.get_links()}
        ifname = next(f"eth{n}" for n in range(len(names) + 1) if f"eth{n}" not in names)
        idx = index_of(ipr, peer)
        ipr.link("set", index=idx, ifname=ifname, address=mac)
        ipr.addr("add", index=idx, address=ip, prefixlen=prefixlen)
        ipr.link("set", index=idx, state="up")
        ipr.link("set", index=index_of(ipr, "lo"), state="up")
        has_default = any(r["dst_len"] == 0 for r in ipr.get_routes(family=socket.AF_INET, table=254))
        if gateway and not has_default:
            ipr.route("add", dst="0.0.0.0/0", gateway=gateway)
    return ifname


def ensure_default_route(pid: int, gateway: str) -> None:
    """Add a default route via `gateway` in `pid`'s namespace if it has none."""
    def add() -> None:
        with IPRoute() as ipr:
            if not any(r["dst_len"] == 0 for r in ipr.get_routes(family=socket.AF_INET, table=254)):
                ipr.route("add", dst="0.0.0.0/0", gateway=gateway)
    run_in_netns(pid, add)


def unplumb(host_name: str, tag: str) -> None:
    """Delete an endpoint's veth pair (its peer and routes vanish with it)."""
    with IPRoute() as ipr:
        delete_link(ipr, host_name, tag)
