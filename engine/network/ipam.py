"""Address management: validating and choosing subnets, handing out addresses.

A lab must never shadow a route the host already uses (the student's LAN, a
VPN, Docker's own docker0), so automatic subnets are picked by looking at the
host's routes and addresses. The pools are Docker's own (172.18-31.0.0/16,
then 192.168.x.0/20), so a student sees the same kind of addresses as with
Docker; 172.17.0.0/16 is always skipped because it belongs to docker0 even
when Docker is not running yet.
"""
from __future__ import annotations

import contextlib
import ipaddress
import os
import socket
from pathlib import Path
from typing import Iterable, Iterator

from ..errors import Conflict, EngineError, InvalidArgument
from ..fsutil import locked

Net = ipaddress.IPv4Network
Addr = ipaddress.IPv4Address

DOCKER0 = ipaddress.ip_network("172.17.0.0/16")
# Host-wide, not per state root: two roots must not pick the same subnet.
HOST_LOCK = Path("/run/lock/dockerlab-subnets.lock")


def candidate_pools() -> Iterator[Net]:
    """Docker's default address pools, in Docker's order, without docker0's."""
    for b in range(18, 32):
        yield ipaddress.ip_network(f"172.{b}.0.0/16")
    for c in range(0, 256, 16):
        yield ipaddress.ip_network(f"192.168.{c}.0/20")


@contextlib.contextmanager
def host_lock() -> Iterator[None]:
    """Serialise subnet choice + bridge creation across every state root."""
    HOST_LOCK.parent.mkdir(parents=True, exist_ok=True)
    with locked(HOST_LOCK):
        yield


def host_networks() -> list[Net]:
    """Every IPv4 prefix the host routes or owns (default routes excluded)."""
    from pyroute2 import IPRoute

    found: list[Net] = []
    with IPRoute() as ipr:
        for r in ipr.get_routes(family=socket.AF_INET):     # every table
            if r["dst_len"] and r.get("dst"):
                found.append(ipaddress.ip_network(f"{r.get('dst')}/{r['dst_len']}", strict=False))
        for a in ipr.get_addr(family=socket.AF_INET):
            found.append(ipaddress.ip_network(f"{a.get('address')}/{a['prefixlen']}", strict=False))
    return found


def choose_subnet(taken: Iterable[Net]) -> Net:
    """First pool that overlaps nothing in `taken` nor docker0's subnet."""
    taken = [*taken, DOCKER0]
    for pool in candidate_pools():
        if not any(pool.overlaps(t) for t in taken):
            return pool
    raise EngineError("could not find an available, non-overlapping IPv4 address pool "
                      "among the defaults to assign to the network")


def parse_subnet(text: str) -> Net:
    """Parse a --subnet value with Docker's messages (IPv4 only in the lab)."""
    try:
        iface = ipaddress.ip_interface(text)
    except ValueError:
        raise InvalidArgument(f"invalid CIDR address: {text}") from None
    if "/" not in text:
        raise InvalidArgument(f"invalid CIDR address: {text}")
    if iface.version != 4:
        raise InvalidArgument(f"invalid subnet {text}: IPv6 is not supported in the lab "
                              "(dockerlab networks are IPv4 only)")
    if iface.ip != iface.network.network_address:
        raise InvalidArgument(f"invalid network config:\ninvalid subnet {text}: "
                              f"it should be {iface.network}")
    if iface.network.prefixlen > 30:
        raise InvalidArgument(f"invalid network config:\ninvalid subnet {text}: "
                              "no address left for containers")
    return iface.network


def ipam_config(subnet: str | None, gateway: str | None, ip_range: str | None) -> dict | None:
    """Validate user IPAM options into Docker's IPAM.Config entry (None = automatic)."""
    if subnet is None:
        if gateway or ip_range:
            raise InvalidArgument("every ip-range or gateway must have a corresponding subnet")
        return None
    net = parse_subnet(subnet)
    conf = {"Subnet": str(net)}
    if ip_range:
        rng = _parse_range(ip_range, net)
        conf["IPRange"] = str(rng)
    gw = _parse_gateway(gateway, net) if gateway else Addr(int(net.network_address) + 1)
    conf["Gateway"] = str(gw)
    return conf


def _parse_range(text: str, net: Net) -> Net:
    try:
        rng = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise InvalidArgument(f"invalid CIDR address: {text}") from None
    if not net.overlaps(rng):
        raise InvalidArgument(f"no matching subnet for range {text}")
    if rng.prefixlen < net.prefixlen:
        raise InvalidArgument(f"invalid network config:\ninvalid ip-range {text}: "
                              f"CIDR block is bigger than its parent subnet {net}")
    if str(rng) != text:
        raise InvalidArgument(f"invalid network config:\ninvalid ip-range {text}: it should be {rng}")
    return rng


def _parse_gateway(text: str, net: Net) -> Addr:
    try:
        gw = ipaddress.ip_address(text)
    except ValueError:
        raise InvalidArgument(f'invalid argument "{text}" for "--gateway" flag: '
                              "invalid string being converted to IP address") from None
    if gw not in net:
        raise InvalidArgument(f"no matching subnet for gateway {text}")
    return gw


def overlapping(conf_subnet: str, others: Iterable[str]) -> bool:
    """True when `conf_subnet` overlaps any subnet in `others`."""
    net = ipaddress.ip_network(conf_subnet)
    return any(net.overlaps(ipaddress.ip_network(o)) for o in others)


def allocate(conf: dict, used: Iterable[str], requested: str | None,
             network_name: str, network_id: str) -> str:
    """An address for a new endpoint: `requested` if free, else the lowest free one.

    Docker's messages: a requested address outside the subnet, or taken, or
    no address left at all.
    """
    net = ipaddress.ip_network(conf["Subnet"])
    taken = {int(ipaddress.ip_address(u)) for u in used}
    taken |= {int(ipaddress.ip_address(conf["Gateway"])),
              int(net.network_address), int(net.broadcast_address)}
    if requested is not None:
        return _check_requested(requested, net, taken)
    rng = ipaddress.ip_network(conf.get("IPRange") or conf["Subnet"])
    for value in range(int(rng.network_address), int(rng.broadcast_address) + 1):
        if value not in taken:
            return str(Addr(value))
    raise EngineError("no available IPv4 addresses on this network's address pools: "
                      f"{network_name} ({network_id})")


def _check_requested(requested: str, net: Net, taken: set[int]) -> str:
    try:
        addr = ipaddress.ip_address(requested)
    except ValueError:
        raise InvalidArgument(f"invalid IPv4 address: {requested}") from None
    if addr.version != 4 or addr.is_unspecified:
        raise InvalidArgument(f"invalid IPv4 address: {requested}")
    if addr not in net:
        raise InvalidArgument(f"invalid endpoint settings:\n"
                              f"no configured subnet contains IP address {requested}")
    if int(addr) in taken:
        raise Conflict("Address already in use")
    return str(addr)


def mac_for(ip: str) -> str:
    """Docker's classic container MAC: 02:42 followed by the IPv4 address."""
    b = ipaddress.ip_address(ip).packed
    return "02:42:" + ":".join(f"{x:02x}" for x in b)


def random_mac() -> str:
    """A locally administered unicast MAC (used for bridges, so it never changes)."""
    b = bytearray(os.urandom(6))
    b[0] = 0x02
    b[1] = 0x42
    return ":".join(f"{x:02x}" for x in b)
