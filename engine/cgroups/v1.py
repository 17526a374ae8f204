"""A container's cgroup on cgroup v1: one directory per controller hierarchy.

Each controller lives in its own mount (cpu and cpuacct are sometimes
co-mounted, then they share a directory). The container's directory is
<mount>/<cgroup_parent>/<id> in every hierarchy, like Docker's cgroupfs
driver. v1 quirks handled here: a new cpuset cgroup starts with no CPUs and
no memory nodes (they are copied from the parent), memory.limit_in_bytes may
never exceed memory.memsw.limit_in_bytes (so the write order depends on
the direction of the change), and frozen tasks only die once thawed.
"""
from __future__ import annotations

import signal
import time
from pathlib import Path, PurePosixPath

from ..errors import EngineError
from . import files, stats, tree
from .devices import DeviceRule
from .layout import Layout
from .limits import CFS_PERIOD_US, UNLIMITED, Limits, cfs_quota_us

FREEZE_TIMEOUT = 2.0


class V1Cgroup:
    def __init__(self, layout: Layout, relpath: PurePosixPath):
        self.layout = layout
        self.relpath = relpath
        self.dirs = {name: root / relpath for name, root in layout.roots.items()}

    # -- directories -----------------------------------------------------
    def unique_dirs(self) -> list[Path]:
        """One directory per hierarchy (co-mounted controllers share one)."""
        return list(dict.fromkeys(self.dirs.values()))

    def exists(self) -> bool:
        return any(d.is_dir() for d in self.unique_dirs())

    def make_dirs(self) -> None:
        for name, root in self.layout.roots.items():
            if name == "cpuset":
                self._make_cpuset(root)
            else:
                (root / self.relpath).mkdir(parents=True, exist_ok=True)

    def _make_cpuset(self, root: Path) -> None:
        """mkdir each level, giving it its parent's CPUs and memory nodes if empty."""
        node = root
        for part in self.relpath.parts:
            parent, node = node, node / part
            node.mkdir(exist_ok=True)
            for name in ("cpuset.cpus", "cpuset.mems"):
                if not files.read(node / name):
                    files.write(node / name, files.read(parent / name))

    def features(self) -> frozenset[str]:
        return self.layout.features()

    def remove(self, on_retry) -> None:
        """rmdir every directory, deepest first; EBUSY is retried after `on_retry`."""
        tree.remove(self.unique_dirs(), on_retry)

    # -- limits ----------------------------------------------------------
    def apply_devices(self, rules: tuple[DeviceRule, ...] | list[DeviceRule]) -> None:
        path = self.dirs.get("devices")
        if path is None:
            return
        for rule in rules:
            files.write(path / ("devices.allow" if rule.allow else "devices.deny"), rule.v1_line())

    def apply(self, limits: Limits) -> None:
        """Write the planned limits; fields left at None are not touched."""
        if "memory" in self.dirs:
            self._apply_memory(self.dirs["memory"], limits)
        cpu = self.dirs.get("cpu")
        if cpu and limits.nano_cpus is not None:
            files.write(cpu / "cpu.cfs_period_us", CFS_PERIOD_US)
            files.write(cpu / "cpu.cfs_quota_us", cfs_quota_us(limits.nano_cpus))
        if cpu and limits.cpu_shares is not None:
            files.write(cpu / "cpu.shares", limits.cpu_shares)
        if "cpuset" in self.dirs and limits.cpuset_cpus is not None:
            files.write(self.dirs["cpuset"] / "cpuset.cpus", limits.cpuset_cpus)
        if "pids" in self.dirs and limits.pids_limit is not None:
            value = "max" if limits.pids_limit == UNLIMITED else limits.pids_limit
            files.write(self.dirs["pids"] / "pids.max", value)

    @staticmethod
    def _apply_memory(path: Path, limits: Limits) -> None:
        """memory <= memory+swap must hold after every write, so order them."""
        memsw_file = path / "memory.memsw.limit_in_bytes"
        mem, memsw = limits.memory, limits.memory_swap
        if not memsw_file.exists():
            memsw = None
        writes = []
        if mem is not None:
            writes.append((path / "memory.limit_in_bytes", mem))
        if memsw is not None:
            current = files.read_int(path / "memory.limit_in_bytes") or 0
            first = mem is None or memsw == UNLIMITED or current < memsw
            writes.insert(0 if first else len(writes), (memsw_file, memsw))
        for file, value in writes:
            files.write(file, value)

    def current_memory_swap(self) -> int | None:
        """The memory+swap limit in force (None: no limit or no swap accounting)."""
        mem = self.dirs.get("memory")
        value = files.read_int(mem / "memory.memsw.limit_in_bytes") if mem else None
        return None if value is None or value >= stats.machine_memory() else value

    # -- processes -------------------------------------------------------
    def procs_files(self) -> list[Path]:
        return [d / "cgroup.procs" for d in self.unique_dirs()]

    def pids(self) -> list[int]:
        """Every process in the cgroup or below it, in any hierarchy."""
        return tree.pids_below(self.unique_dirs())

    def is_frozen(self) -> bool:
        freezer = self.dirs.get("freezer")
        return bool(freezer) and files.read_optional(freezer / "freezer.state") == "FROZEN"

    def freeze(self) -> None:
        freezer = self._freezer()
        deadline = time.monotonic() + FREEZE_TIMEOUT
        while True:
            files.write(freezer / "freezer.state", "FROZEN")
            if files.read(freezer / "freezer.state") == "FROZEN":
                return
            if time.monotonic() > deadline:
                self.thaw()
                raise EngineError("unable to freeze the container: its processes did not stop")
            time.sleep(0.005)

    def thaw(self) -> None:
        files.write(self._freezer() / "freezer.state", "THAWED")

    def _freezer(self) -> Path:
        if "freezer" not in self.dirs:
            raise EngineError("the freezer cgroup is not mounted: cannot pause containers")
        return self.dirs["freezer"]

    def signal_all(self, sig: int) -> None:
        """Signal every process; frozen first so a fork cannot escape the sweep."""
        was_frozen = self.is_frozen()
        froze = False
        if "freezer" in self.dirs and self.dirs["freezer"].is_dir():
            try:
                self.freeze()
                froze = True
            except EngineError:
                pass                   # still signal what is there
        try:
            tree.signal_pids(self.pids(), sig)
        finally:
            # frozen tasks only act on SIGKILL once thawed
            if froze and (not was_frozen or sig == signal.SIGKILL):
                try:
                    self.thaw()
                except EngineError:
                    pass

    # -- accounting ------------------------------------------------------
    def oom_kills(self) -> int:
        """OOM kills in the cgroup (oom_kill counter, Linux >= 4.13).

        Older kernels have no counter: a non-zero failcnt (the limit was hit)
        is the best available sign, so it is reported as one kill.
        """
        mem = self.dirs.get("memory")
        if mem is None:
            return 0
        control = files.read_keyed(mem / "memory.oom_control")
        if "oom_kill" in control:
            return control["oom_kill"]
        return 1 if (files.read_int(mem / "memory.failcnt") or 0) > 0 else 0

    def stats(self) -> dict:
        return stats.v1_stats({k: v for k, v in self.dirs.items() if v.is_dir()})

