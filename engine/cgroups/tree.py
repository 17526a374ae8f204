"""Walking a cgroup subtree: its directories, its processes, signalling them.

A container may create cgroups below its own (v2 delegation, or a v1
hierarchy it can write to), so removal and kills always cover the subtree.
"""
from __future__ import annotations

import os
from pathlib import Path

from . import files


def subtree(top: Path) -> list[Path]:
    """`top` and every cgroup below it, deepest first (empty if `top` is gone)."""
    if not top.is_dir():
        return []
    found = [Path(dirpath) for dirpath, _, _ in os.walk(top)]
    return sorted(found, key=lambda p: len(p.parts), reverse=True)


def pids_below(tops: list[Path]) -> list[int]:
    """Every process in the given cgroups or below them."""
    found: set[int] = set()
    for top in tops:
        for sub in subtree(top):
            found.update(files.read_pids(sub / "cgroup.procs"))
    return sorted(found)


def signal_pids(pids: list[int], sig: int) -> None:
    """Signal each pid; one that exited meanwhile is fine, the caller is spared."""
    me = os.getpid()
    for pid in pids:
        if pid == me:
            continue                   # never take the caller down with the container
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def remove(tops: list[Path], on_retry) -> None:
    """rmdir every cgroup of the subtrees, deepest first, retrying EBUSY after `on_retry`."""
    for top in tops:
        for sub in subtree(top):
            files.rmdir_when_empty(sub, on_retry=on_retry)
