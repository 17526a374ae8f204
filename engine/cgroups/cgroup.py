"""A container's cgroup, whatever the cgroup version of the machine.

The shim creates it before the container's first process exists, adds that
process, and destroys it when the container is gone; `docker stats`, `top`,
`pause`, `update` and `exec` reach it again from (settings, container id)
alone, since every path is derived from those two.
"""
from __future__ import annotations

import re
import signal
from pathlib import Path, PurePosixPath

from ..errors import Conflict, EngineError, InvalidArgument
from ..settings import Settings
from . import files
from .devices import DOCKER_DEFAULT, DeviceRule
from .layout import Layout
from .limits import Limits, plan
from .v1 import V1Cgroup
from .v2 import V2Cgroup

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def parent_path(settings: Settings) -> PurePosixPath:
    """The root's cgroup parent, relative to each hierarchy's mount."""
    parent = PurePosixPath(settings.cgroup_parent.strip("/"))
    if not parent.parts or ".." in parent.parts:
        raise InvalidArgument(f"invalid cgroup parent {settings.cgroup_parent!r}")
    return parent


def relative_path(settings: Settings, container_id: str) -> PurePosixPath:
    """<cgroup_parent>/<container_id>, refusing names that could leave the parent."""
    if not _SAFE_NAME.match(container_id):
        raise InvalidArgument(f"invalid cgroup path for container {container_id!r}")
    return parent_path(settings) / container_id


class Cgroup:
    """Create, fill, limit, observe, freeze, kill and remove one container's cgroup."""

    def __init__(self, settings: Settings, container_id: str, layout: Layout | None = None):
        self.layout = layout or Layout.detect()
        self.container_id = container_id
        rel = relative_path(settings, container_id)
        self._impl = V2Cgroup(self.layout, rel) if self.layout.version == 2 \
            else V1Cgroup(self.layout, rel)
        self.warnings: list[str] = []

    @property
    def version(self) -> int:
        return self.layout.version

    def directories(self) -> list[Path]:
        """The container's directory in each hierarchy."""
        return self._impl.unique_dirs()

    def create(self, limits: Limits, devices: tuple[DeviceRule, ...] | list[DeviceRule]
               = DOCKER_DEFAULT) -> None:
        """Make the cgroup with `limits` and device rules (Docker's by default).

        A leftover from a crashed run of the same container is removed first,
        so counters such as oom_kill start from zero. Limits the kernel cannot
        enforce are dropped with Docker's warning, kept in `self.warnings`.
        On any failure nothing is left behind.
        """
        if self._impl.exists():
            self.destroy()
        try:
            self._impl.make_dirs()
            planned, self.warnings = plan(limits, self._impl.features(),
                                          self.layout.available_cpus())
            self._impl.apply_devices(devices)
            self._impl.apply(planned)
        except BaseException:
            self.destroy()
            raise

    def update(self, limits: Limits) -> None:
        """`docker update`: change the limits that are set in `limits`, leave the rest."""
        planned, self.warnings = plan(limits, self._impl.features(),
                                      self.layout.available_cpus(), update=True)
        if planned.memory is not None and planned.memory_swap is None:
            current = self._impl.current_memory_swap()
            if current is not None and planned.memory > current:
                raise Conflict("Memory limit should be smaller than already set memoryswap "
                               "limit, update the memoryswap at the same time")
        self._impl.apply(planned)

    # -- processes -------------------------------------------------------
    def add(self, pid: int) -> None:
        """Move process `pid` (0 = the caller) into the cgroup in every hierarchy."""
        for procs in self._impl.procs_files():
            files.add_pid(procs, pid)

    def path_for_exec(self) -> list[Path]:
        """The cgroup.procs files an exec'd process must join (its pid, or 0, in each).

        The simplest use is `Cgroup(settings, id).add(0)` in the forked child
        before it execs, so it never runs outside the container's limits;
        the raw paths are for code that cannot build a Cgroup at that point.
        """
        return self._impl.procs_files()

    def procs(self) -> list[int]:
        """Host pids of every process in the container (for `docker top`)."""
        return self._impl.pids()

    def freeze(self) -> None:
        """`docker pause`: stop every process; returns once all are frozen."""
        self._impl.freeze()

    def thaw(self) -> None:
        """`docker unpause`."""
        self._impl.thaw()

    def is_frozen(self) -> bool:
        return self._impl.exists() and self._impl.is_frozen()

    def kill_all(self, sig: int = signal.SIGKILL) -> None:
        """Signal every process in the container, including ones forked meanwhile.

        The caller must not be inside the cgroup (it is never signalled).
        """
        if self._impl.exists():
            self._impl.signal_all(sig)

    def destroy(self) -> None:
        """Kill what remains and rmdir the cgroup in every hierarchy; idempotent."""
        if not self._impl.exists():
            return
        if self._impl.pids():         # the usual end has none left: no freeze/thaw round
            self._sweep()
        self._impl.remove(on_retry=self._sweep)   # one forked meanwhile: EBUSY, swept then

    def _sweep(self) -> None:
        try:
            self._impl.signal_all(signal.SIGKILL)
        except (EngineError, OSError):
            pass                     # part of the tree already gone: keep removing

    # -- accounting ------------------------------------------------------
    def oom_killed(self) -> bool:
        """True once the kernel's OOM killer has killed a process of this cgroup."""
        return self.oom_kills() > 0

    def oom_kills(self) -> int:
        """How many processes the OOM killer has killed here since create().

        A shim that restarts the container in the same cgroup compares the
        count before and after each run, so OOMKilled describes that run only.
        """
        return self._impl.oom_kills() if self._impl.exists() else 0

    def stats(self) -> dict:
        """cpu_stats / memory_stats / pids_stats in the shape of Docker's stats API."""
        if not self._impl.exists():
            raise EngineError(f"cgroup of container {self.container_id} does not exist")
        return self._impl.stats()


def validate(limits: Limits, update: bool = False, layout: Layout | None = None) -> list[str]:
    """Check limits at `docker create` time: Docker's warnings, or InvalidArgument."""
    layout = layout or Layout.detect()
    return plan(limits, layout.features(), layout.available_cpus(), update=update)[1]
