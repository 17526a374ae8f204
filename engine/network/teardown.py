"""`system reset` for networking: every link, rule, server and file of a root.

Works from what is on the machine as well as from the records: links are
found by their alias tag, routing rules and firewall rules by the names of
our bridges, so a crash that lost the records still gets cleaned. Proxies
and DNS servers live in shims (killed by the reset before this runs); the
ones running in this very process are stopped here.
"""
from __future__ import annotations

import shutil

from pyroute2 import IPRoute

from ..settings import Settings
from . import dnsserver, firewall, isolation, links, ports
from .store import NetworkStore


def _our_bridges(settings: Settings, tag: str) -> set[str]:
    names = {settings.bridge}
    names |= {r.get("_lab", {}).get("bridge") for r in NetworkStore(settings).all()}
    names |= {n for n, kind in links.tagged_links(tag) if kind == "bridge"}
    return {n for n in names if n}


def _orphan_rule_bridges(ipr: IPRoute) -> set[str]:
    """Our-style routing rules left for bridges that no longer exist (a crashed teardown);
    `teardown` does the same for the firewall's accept rules."""
    return {b for b in isolation.rule_bridges(ipr)
            if b.startswith("dlb-") and links.index_of(ipr, b) is None}


def teardown(settings: Settings) -> None:
    """Remove bridges, veths, rules, DNS servers, proxies and state of this root."""
    dnsserver.stop_all(settings)
    ports.close_all(settings)
    from ..pkgcache import stop as stop_package_cache   # started with the default bridge
    stop_package_cache(settings)
    tag = links.tag_for(settings)
    bridges = _our_bridges(settings, tag)
    with IPRoute() as ipr:
        for name, _kind in links.tagged_links(tag):      # veths first, bridges last
            links.delete_link(ipr, name, tag)
        for name in bridges | _orphan_rule_bridges(ipr):
            isolation.unseal(ipr, name)
    with IPRoute() as ipr:
        orphans = {b for b in firewall.chain_bridges()
                   if b.startswith("dlb-") and links.index_of(ipr, b) is None}
    for name in bridges | orphans:
        firewall.forget_bridge(name)
    shutil.rmtree(settings.networks_dir, ignore_errors=True)
    for leftover in ("ports.json", ".ports.lock"):
        try:
            (settings.run_dir / leftover).unlink()
        except FileNotFoundError:
            pass
