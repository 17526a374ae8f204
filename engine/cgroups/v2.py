"""A container's cgroup on cgroup v2: one directory in the unified hierarchy.

A controller only appears in a v2 cgroup once every ancestor lists it in
cgroup.subtree_control, so creation enables them on the way down. Swap is
limited separately from memory (memory.swap.max), devices are filtered by an
eBPF program (devfilter.py), and cgroup.kill / cgroup.freeze act on the whole
subtree atomically.
"""
from __future__ import annotations

import signal
import time
from pathlib import Path, PurePosixPath

from ..errors import EngineError
from . import devfilter, files, stats, tree
from .devices import DeviceRule
from .layout import V2_CONTROLLERS, Layout
from .limits import CFS_PERIOD_US, UNLIMITED, Limits, cfs_quota_us, cpu_weight, swap_max_v2

FREEZE_TIMEOUT = 2.0


class V2Cgroup:
    def __init__(self, layout: Layout, relpath: PurePosixPath):
        self.layout = layout
        self.relpath = relpath
        self.path = layout.root / relpath

    # -- directories -----------------------------------------------------
    def unique_dirs(self) -> list[Path]:
        return [self.path]

    def exists(self) -> bool:
        return self.path.is_dir()

    def make_dirs(self) -> None:
        """mkdir down to the container, enabling our controllers at each level."""
        root = self.layout.root
        offered = (files.read_optional(root / "cgroup.controllers") or "").split()
        wanted = [c for c in V2_CONTROLLERS if c in offered]
        node = root
        for part in self.relpath.parts:
            _enable(node, wanted)
            node = node / part
            node.mkdir(exist_ok=True)

    def features(self) -> frozenset[str]:
        """What this cgroup can enforce: the controllers it actually received."""
        have = set((files.read_optional(self.path / "cgroup.controllers") or "").split())
        have &= set(V2_CONTROLLERS)
        if (self.path / "memory.swap.max").exists():
            have.add("swap")
        if (self.path / "cgroup.freeze").exists():
            have.add("freezer")
        return frozenset(have | {"devices"})

    def remove(self, on_retry) -> None:
        tree.remove([self.path], on_retry)

    # -- limits ----------------------------------------------------------
    def apply_devices(self, rules: tuple[DeviceRule, ...] | list[DeviceRule]) -> None:
        devfilter.attach(self.path, rules)

    def apply(self, limits: Limits) -> None:
        """Write the planned limits; fields left at None are not touched."""
        p = self.path
        if limits.memory is not None:
            files.write(p / "memory.max", limits.memory)
        if limits.memory_swap is not None and (p / "memory.swap.max").exists():
            memory = limits.memory or files.read_int(p / "memory.max")
            if memory is None and limits.memory_swap != UNLIMITED:
                raise EngineError("unable to set swap limit without memory limit")
            files.write(p / "memory.swap.max", swap_max_v2(limits.memory_swap, memory or 0))
        if limits.nano_cpus is not None:
            files.write(p / "cpu.max", f"{cfs_quota_us(limits.nano_cpus)} {CFS_PERIOD_US}")
        if limits.cpu_shares is not None:
            files.write(p / "cpu.weight", cpu_weight(limits.cpu_shares))
        if limits.cpuset_cpus is not None:
            files.write(p / "cpuset.cpus", limits.cpuset_cpus)
        if limits.pids_limit is not None:
            value = "max" if limits.pids_limit == UNLIMITED else limits.pids_limit
            files.write(p / "pids.max", value)

    def current_memory_swap(self) -> int | None:
        """memory.max + memory.swap.max (Docker's memory+swap), None if either is unlimited."""
        memory = files.read_int(self.path / "memory.max")
        swap = files.read_int(self.path / "memory.swap.max")
        return None if memory is None or swap is None else memory + swap

    # -- processes -------------------------------------------------------
    def procs_files(self) -> list[Path]:
        return [self.path / "cgroup.procs"]

    def pids(self) -> list[int]:
        return tree.pids_below([self.path])

    def is_frozen(self) -> bool:
        return files.read_keyed(self.path / "cgroup.events").get("frozen") == 1

    def freeze(self) -> None:
        self._set_frozen(1)

    def thaw(self) -> None:
        self._set_frozen(0)

    def _set_frozen(self, value: int) -> None:
        """Write cgroup.freeze, then wait for cgroup.events to confirm it."""
        control = self.path / "cgroup.freeze"
        if not control.exists():
            raise EngineError("the kernel has no cgroup v2 freezer (Linux 5.2 or later is needed)")
        files.write(control, value)
        deadline = time.monotonic() + FREEZE_TIMEOUT
        while files.read_keyed(self.path / "cgroup.events").get("frozen") != value:
            if time.monotonic() > deadline:
                if value:
                    files.write(control, 0)
                raise EngineError("unable to freeze the container: its processes did not stop")
            time.sleep(0.005)

    def signal_all(self, sig: int) -> None:
        """cgroup.kill for SIGKILL (atomic, fork-proof); else freeze, signal, thaw."""
        if sig == signal.SIGKILL and (self.path / "cgroup.kill").exists():
            files.write(self.path / "cgroup.kill", 1)
            return
        was_frozen = self.path.is_dir() and self.is_frozen()
        froze = False
        if "freezer" in self.features():
            try:
                self.freeze()
                froze = True
            except EngineError:
                pass
        try:
            tree.signal_pids(self.pids(), sig)
        finally:
            if froze and not was_frozen:
                self.thaw()

    # -- accounting ------------------------------------------------------
    def oom_kills(self) -> int:
        return files.read_keyed(self.path / "memory.events").get("oom_kill", 0)

    def stats(self) -> dict:
        return stats.v2_stats(self.path)


def _enable(node: Path, wanted: list[str]) -> None:
    """Enable `wanted` controllers for the children of `node` (what can be enabled).

    One write first; if the kernel refuses one controller (e.g. cpu while a
    realtime task runs), enable the others one by one. The container's own
    cgroup.controllers then shows what it really got.
    """
    control = node / "cgroup.subtree_control"
    current = set((files.read_optional(control) or "").split())
    missing = [c for c in wanted if c not in current]
    if not missing:
        return
    try:
        files.write(control, " ".join(f"+{c}" for c in missing))
    except EngineError:
        for controller in missing:
            try:
                files.write(control, f"+{controller}")
            except EngineError:
                pass
