"""Keeping lab traffic inside its bridge: no routing out, no routing across.

Two locks on the same door, both per bridge and both without NAT:
- the IPv4 per-interface `forwarding` sysctl is set to 0 on the bridge, so
  the kernel refuses to route anything that arrives on it;
- a policy-routing rule `iif <bridge> prohibit` does the same even when
  someone later writes net.ipv4.ip_forward=1 (which resets every interface's
  `forwarding` to 1 - Docker does that when it starts).
Packets for the host's own addresses (the gateway, ...) are delivered by the
`local` table, consulted before our rule, so the host and its embedded
services stay reachable; containers on one bridge talk at layer 2 and never
hit the routing table at all.
"""
from __future__ import annotations

import socket

RULE_PRIORITY = 1000   # after `local` (0), before `main` (32766)
PROHIBIT = "FR_ACT_PROHIBIT"
PROHIBIT_CODE = 8       # the same action, as netlink reports it


def set_forwarding(ifname: str, value: int = 0) -> None:
    path = f"/proc/sys/net/ipv4/conf/{ifname}/forwarding"
    with open(path, "w") as f:
        f.write(str(value))


def forwarding(ifname: str) -> int:
    with open(f"/proc/sys/net/ipv4/conf/{ifname}/forwarding") as f:
        return int(f.read().strip())


def _rules(ipr, bridge: str) -> list:
    return [r for r in ipr.get_rules(family=socket.AF_INET)
            if r.get("iifname") == bridge and r.get("priority") == RULE_PRIORITY]


def seal(ipr, bridge: str) -> None:
    """Make sure nothing that enters `bridge` is routed elsewhere."""
    set_forwarding(bridge, 0)
    if not _rules(ipr, bridge):
        ipr.rule("add", family=socket.AF_INET, priority=RULE_PRIORITY,
                 iifname=bridge, action=PROHIBIT)


def unseal(ipr, bridge: str) -> None:
    """Remove our rule for `bridge` (the sysctl goes away with the link)."""
    for _ in _rules(ipr, bridge):
        ipr.rule("del", family=socket.AF_INET, priority=RULE_PRIORITY,
                 iifname=bridge, action=PROHIBIT)


def rule_bridges(ipr) -> list[str]:
    """Bridge names that have one of our rules (for cleanup after a crash)."""
    return sorted({r.get("iifname") for r in ipr.get_rules(family=socket.AF_INET)
                   if r.get("priority") == RULE_PRIORITY and r.get("iifname")
                   and r["action"] == PROHIBIT_CODE})
