"""Subnets for test networks: a /24 in 10.200-250.x.0 that no route of the host covers.

A test network over a route of the host (a VPN's 10/8, say) would shadow it for
the length of the test; an earlier pick of this run is not handed out twice.
"""
from __future__ import annotations

import ipaddress
import random

from dockerlab.engine.network.ipam import host_networks

_picked: set[str] = set()


def free_subnet(avoid: tuple[str, ...] = ()) -> str:
    taken = host_networks() + [ipaddress.ip_network(a) for a in avoid]
    for _ in range(1000):
        net = ipaddress.ip_network(f"10.{random.randint(200, 250)}.{random.randint(0, 255)}.0/24")
        if str(net) not in _picked and not any(net.overlaps(t) for t in taken):
            _picked.add(str(net))
            return str(net)
    raise RuntimeError("no free /24 in 10.200.0.0-10.250.255.0: the host routes them all")
