"""Letting containers on one lab bridge talk when Docker's firewall is around.

With br_netfilter active (net.bridge.bridge-nf-call-iptables=1), frames
switched inside a bridge traverse iptables' FORWARD chain; Docker sets that
chain's policy to DROP, which would cut containers of the same lab network
apart. In that case (and only then) we add our own chain, DOCKERLAB-FORWARD,
jumped to from FORWARD, with one `-i br -o br -j ACCEPT` per lab bridge.
Docker's chains and rules are never touched; traffic leaving a bridge is not
accepted here (isolation.py stops it from being routed anyway).

iptables has no well-kept Python binding that works with both the legacy
and the nf_tables back ends, so this module runs the `iptables` command, as
Docker does. Without it (or without br_netfilter) there is nothing to do.
"""
from __future__ import annotations

import contextlib
import shutil
import subprocess
from pathlib import Path
from typing import Iterator

from ..fsutil import locked

CHAIN = "DOCKERLAB-FORWARD"
BRIDGE_NF = Path("/proc/sys/net/bridge/bridge-nf-call-iptables")
LOCK = Path("/run/lock/dockerlab-firewall.lock")


def _iptables() -> str | None:
    return shutil.which("iptables")


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([_iptables() or "iptables", "-w", *args],
                          capture_output=True, text=True, check=False)


def _ok(*args: str) -> bool:
    return _run(*args).returncode == 0


@contextlib.contextmanager
def _lock() -> Iterator[None]:
    LOCK.parent.mkdir(parents=True, exist_ok=True)
    with locked(LOCK):
        yield


def bridge_netfilter() -> bool:
    """True when bridged frames go through iptables in this namespace."""
    try:
        return BRIDGE_NF.read_text().strip() == "1"
    except OSError:
        return False


def forward_filters() -> bool:
    """True when the FORWARD chain could drop something (policy or rules).

    Listing does not create the table, so on a host without firewall we
    leave no trace at all.
    """
    res = _run("-S", "FORWARD")
    if res.returncode != 0:
        return False
    lines = res.stdout.splitlines()
    return "-P FORWARD ACCEPT" not in lines or any(l.startswith("-A ") for l in lines)


def needed() -> bool:
    return bool(_iptables()) and bridge_netfilter() and forward_filters()


def allow_bridge(bridge: str) -> bool:
    """Accept traffic switched inside `bridge`; returns True if a rule is in place."""
    if not needed():
        return False
    rule = ("-i", bridge, "-o", bridge, "-j", "ACCEPT")
    with _lock():
        if not _ok("-S", CHAIN):
            _run("-N", CHAIN)
        if not _ok("-C", "FORWARD", "-j", CHAIN):
            _run("-I", "FORWARD", "1", "-j", CHAIN)
        if not _ok("-C", CHAIN, *rule):
            res = _run("-A", CHAIN, *rule)
            if res.returncode != 0:
                raise OSError(f"iptables: {res.stderr.strip()}")
    return True


def forget_bridge(bridge: str) -> None:
    """Remove `bridge`'s rule; drop our chain and jump once they serve nobody."""
    if not _iptables():
        return
    rule = ("-i", bridge, "-o", bridge, "-j", "ACCEPT")
    with _lock():
        if not _ok("-S", CHAIN):
            return
        while _ok("-C", CHAIN, *rule):
            _run("-D", CHAIN, *rule)
        if [l for l in _run("-S", CHAIN).stdout.splitlines() if l.startswith("-A ")]:
            return
        while _ok("-C", "FORWARD", "-j", CHAIN):
            _run("-D", "FORWARD", "-j", CHAIN)
        _run("-X", CHAIN)


def chain_bridges() -> list[str]:
    """Bridges that have a rule in our chain (for cleanup after a crash)."""
    if not _iptables() or not _ok("-S", CHAIN):
        return []
    out = []
    for line in _run("-S", CHAIN).stdout.splitlines():
        parts = line.split()
        if line.startswith("-A ") and "-i" in parts:
            out.append(parts[parts.index("-i") + 1])
    return out
