"""Removing every cgroup of a state root, also after a crash.

Works from what the hierarchies contain, not from state files: every
directory under <hierarchy>/<cgroup_parent> in every cgroup mount is a
container cgroup of this root, whatever version wrote it.
"""
from __future__ import annotations

import signal

from ..errors import EngineError, InvalidArgument
from ..settings import Settings
from . import tree
from .cgroup import Cgroup, parent_path
from .layout import Layout


def remove_all(settings: Settings) -> None:
    """Kill every process in the root's cgroups, then remove them and the parent."""
    try:
        layouts = Layout.everywhere()
    except EngineError:
        return                                   # no cgroups mounted: nothing to remove
    for layout in layouts:
        _remove_in(settings, layout)


def _remove_in(settings: Settings, layout: Layout) -> None:
    parent_rel = parent_path(settings)
    parents = list(dict.fromkeys(root / parent_rel for root in layout.roots.values()))
    names = {child.name for p in parents if p.is_dir() for child in p.iterdir() if child.is_dir()}
    for name in sorted(names):
        try:
            Cgroup(settings, name, layout).destroy()
        except InvalidArgument:
            pass                                 # not a container id: swept below

    def sweep() -> None:
        tree.signal_pids(tree.pids_below(parents), signal.SIGKILL)

    sweep()
    tree.remove(parents, on_retry=sweep)
