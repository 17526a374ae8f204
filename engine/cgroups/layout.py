"""Where the cgroup hierarchies are on this machine, and what they offer.

Machines differ: cgroup v2 alone on /sys/fs/cgroup (most current distros),
v1 with one mount per controller (sometimes co-mounted as "cpu,cpuacct"),
or "hybrid" (v1 controllers plus an empty cgroup2 on /sys/fs/cgroup/unified).
Everything is read from /proc/self/mountinfo at run time; a `Layout` can
also be built by hand so tests can point the engine at another hierarchy.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import EngineError
from . import files

CGROUP_ROOT = Path("/sys/fs/cgroup")
MOUNTINFO = "/proc/self/mountinfo"

# v1 hierarchies a container joins (Docker's cgroupfs driver joins these too).
V1_CONTROLLERS = ("cpu", "cpuacct", "cpuset", "memory", "pids", "freezer", "devices")
# v2 controllers a container needs enabled in its parent's subtree_control.
V2_CONTROLLERS = ("cpuset", "cpu", "memory", "pids")


@dataclass(frozen=True)
class Mount:
    point: Path
    fstype: str                 # "cgroup" (v1) or "cgroup2"
    options: frozenset[str]     # super options: controller names, name=...


def _unescape(text: str) -> str:
    """mountinfo escapes space, tab, newline and backslash as \\ooo."""
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), text)


def cgroup_mounts(mountinfo: str = MOUNTINFO) -> list[Mount]:
    """Every cgroup and cgroup2 mount visible to this process, in mount order."""
    found = []
    with open(mountinfo) as f:
        for line in f:
            left, _, right = line.partition(" - ")
            fstype, _source, options = (right.split() + ["", "", ""])[:3]
            if fstype not in ("cgroup", "cgroup2"):
                continue
            point = Path(_unescape(left.split()[4]))
            found.append(Mount(point, fstype, frozenset(options.split(","))))
    return found


def version(mountinfo: str = MOUNTINFO) -> int:
    """2 when cgroup2 is mounted on /sys/fs/cgroup (unified mode), else 1."""
    for mount in cgroup_mounts(mountinfo):
        if mount.point == CGROUP_ROOT and mount.fstype == "cgroup2":
            return 2
    return 1


def _v1_roots(mounts: list[Mount]) -> dict[str, Path]:
    """controller -> mount point, preferring mounts under /sys/fs/cgroup."""
    roots: dict[str, Path] = {}
    ordered = sorted(mounts, key=lambda m: not m.point.is_relative_to(CGROUP_ROOT))
    for mount in ordered:
        if mount.fstype != "cgroup":
            continue
        for controller in V1_CONTROLLERS:
            if controller in mount.options:
                roots.setdefault(controller, mount.point)
    return roots


_detected: list["Layout"] = []       # Layout.detect()'s answer for this process


@dataclass(frozen=True)
class Layout:
    """The hierarchies the engine uses: v1 `roots` per controller, or one v2 root."""

    version: int
    roots: dict[str, Path] = field(default_factory=dict)

    @classmethod
    def v1(cls, roots: dict[str, Path]) -> "Layout":
        return cls(1, {k: Path(v) for k, v in roots.items()})

    @classmethod
    def v2(cls, root: Path) -> "Layout":
        return cls(2, {"unified": Path(root)})

    @classmethod
    def detect(cls, mountinfo: str = MOUNTINFO) -> "Layout":
        """The layout Docker would use on this machine.

        This process's own answer is kept (cgroup mounts do not move under a
        running engine): reading mountinfo cost ~1 ms of every container start.
        """
        if mountinfo == MOUNTINFO and _detected:
            return _detected[0]
        layout = cls._detect(mountinfo)
        if mountinfo == MOUNTINFO:
            _detected.append(layout)
        return layout

    @classmethod
    def _detect(cls, mountinfo: str) -> "Layout":
        mounts = cgroup_mounts(mountinfo)
        if version(mountinfo) == 2:
            return cls.v2(CGROUP_ROOT)
        roots = _v1_roots(mounts)
        if roots:
            return cls.v1(roots)
        for mount in mounts:            # cgroup2 mounted somewhere else only
            if mount.fstype == "cgroup2":
                return cls.v2(mount.point)
        raise EngineError("cgroups are not mounted: cannot run containers")

    @classmethod
    def everywhere(cls, mountinfo: str = MOUNTINFO) -> list["Layout"]:
        """The detected layout plus any other cgroup2 mount (the hybrid "unified").

        Cleanup walks all of them, so a cgroup made through a hand-built
        layout is found again after a crash.
        """
        layouts = [cls.detect(mountinfo)]
        seen = {p for lay in layouts for p in lay.roots.values()}
        for mount in cgroup_mounts(mountinfo):
            if mount.fstype == "cgroup2" and mount.point not in seen:
                layouts.append(cls.v2(mount.point))
                seen.add(mount.point)
        return layouts

    @property
    def root(self) -> Path:
        """The v2 hierarchy root."""
        return self.roots["unified"]

    def features(self) -> frozenset[str]:
        """What limits the kernel can enforce here (names used by limits.plan)."""
        if self.version == 2:
            text = files.read_optional(self.root / "cgroup.controllers") or ""
            have = set(text.split()) & set(V2_CONTROLLERS)
            if "memory" in have:
                have.add("swap")
            return frozenset(have | {"freezer", "devices"})
        have = set(self.roots)
        memory, cpu = self.roots.get("memory"), self.roots.get("cpu")
        if memory and (memory / "memory.memsw.limit_in_bytes").exists():
            have.add("swap")
        if cpu and not (cpu / "cpu.cfs_quota_us").exists():
            have.discard("cpu")
        return frozenset(have)

    def available_cpus(self) -> str:
        """The CPUs containers may be pinned to (Docker's sysinfo.Cpus)."""
        if self.version == 2:
            candidates = [self.root / "cpuset.cpus.effective"]
        else:
            cpuset = self.roots.get("cpuset")
            candidates = [cpuset / "cpuset.cpus"] if cpuset else []
        candidates.append(Path("/sys/devices/system/cpu/online"))
        for path in candidates:
            text = files.read_optional(path)
            if text:
                return text
        return ""
