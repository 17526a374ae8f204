"""Resource limits of a container and the daemon's rules about them.

`plan` does what dockerd does before it hands limits to the runtime: fill in
defaults (swap = 2 x memory), reject bad values with the daemon's exact
messages, and drop limits this kernel cannot enforce with the daemon's
warning. The v1 and v2 writers then only translate the planned values into
file contents (the conversions below).
"""
from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass

from ..errors import InvalidArgument

MIN_MEMORY = 6 * 1024 * 1024          # dockerd's linuxMinMemory
MIN_CPU_SHARES, MAX_CPU_SHARES = 2, 262144
CFS_PERIOD_US = 100_000               # --cpus uses a 100 ms period
UNLIMITED = -1                        # memory_swap / pids_limit: no limit


@dataclass
class Limits:
    """What `docker run/update` can set; None means "not set" (unchanged on update)."""

    memory: int | None = None             # bytes (--memory)
    memory_swap: int | None = None        # bytes of memory+swap, -1 unlimited (--memory-swap)
    nano_cpus: int | None = None          # --cpus 0.5 -> 500_000_000
    cpu_shares: int | None = None         # --cpu-shares (relative weight, 1024 = default)
    cpuset_cpus: str | None = None        # --cpuset-cpus "0-1,3"
    pids_limit: int | None = None         # --pids-limit; 0 or -1 = unlimited


# -- conversions used by the writers ---------------------------------------

def cfs_quota_us(nano_cpus: int) -> int:
    """The CFS quota for a 100 ms period, as dockerd computes it."""
    return nano_cpus * CFS_PERIOD_US // 1_000_000_000


def cpu_weight(shares: int) -> int:
    """v1 cpu.shares [2..262144] to v2 cpu.weight [1..10000].

    The curve maps 2 -> 1, 1024 (the default) -> 100 and 262144 -> 10000, so
    an unconfigured container gets the same weight as everything else on the
    host (the formula current runc/crun use).
    """
    if shares <= MIN_CPU_SHARES:
        return 1
    if shares >= MAX_CPU_SHARES:
        return 10000
    l = math.log2(shares)
    return math.ceil(10 ** ((l * l + 125 * l) / 612.0 - 7.0 / 34.0))


def swap_max_v2(memory_swap: int, memory: int) -> str:
    """v2 limits swap alone (memory.swap.max); Docker's value is memory+swap."""
    if memory_swap == UNLIMITED:
        return "max"
    return str(memory_swap - memory)


def parse_cpu_list(text: str) -> set[int]:
    """Parse "0-2,5" like the kernel and dockerd; ValueError if malformed."""
    cpus: set[int] = set()
    for part in text.split(","):
        low, dash, high = part.partition("-")
        try:
            first, last = int(low), int(high if dash else low)
        except ValueError:
            raise ValueError(f"invalid format: {text}") from None
        if last < first or first < 0:
            raise ValueError(f"invalid format: {text}")
        cpus.update(range(first, last + 1))
    return cpus


# -- the daemon's checks ---------------------------------------------------

def plan(limits: Limits, features: frozenset[str], available_cpus: str,
         update: bool = False) -> tuple[Limits, list[str]]:
    """Normalized limits plus Docker's warnings; InvalidArgument for bad values."""
    out = dataclasses.replace(limits)
    for name in ("memory", "memory_swap", "nano_cpus", "cpu_shares"):
        if getattr(out, name) == 0:
            setattr(out, name, None)          # 0 means "not set" in the API
    if out.cpuset_cpus == "":
        out.cpuset_cpus = None
    warnings: list[str] = []
    _plan_memory(out, features, update, warnings)
    _plan_pids(out, features, warnings)
    _plan_cpu(out, features, warnings)
    _plan_cpuset(out, features, available_cpus, warnings)
    return out, warnings


def _plan_memory(out: Limits, features: frozenset[str], update: bool,
                 warnings: list[str]) -> None:
    if out.memory is not None and out.memory < MIN_MEMORY:
        raise InvalidArgument("Minimum memory limit allowed is 6MB")
    if out.memory and "memory" not in features:
        warnings.append("Your kernel does not support memory limit capabilities or the cgroup "
                        "is not mounted. Limitation discarded.")
        out.memory, out.memory_swap = None, None
    if out.memory and out.memory_swap is None and not update:
        out.memory_swap = 2 * out.memory       # dockerd's default
    if out.memory and out.memory_swap not in (None, UNLIMITED) and "swap" not in features:
        warnings.append("Your kernel does not support swap limit capabilities or the cgroup "
                        "is not mounted. Memory limited without swap.")
        out.memory_swap = UNLIMITED
    if out.memory and out.memory_swap and out.memory_swap > 0 and out.memory_swap < out.memory:
        raise InvalidArgument("Minimum memoryswap limit should be larger than memory limit, "
                              "see usage")
    if not out.memory and out.memory_swap and out.memory_swap > 0 and not update:
        raise InvalidArgument("You should always set the Memory limit when using Memoryswap "
                              "limit, see usage")
    if out.memory_swap is not None and out.memory_swap < UNLIMITED:
        raise InvalidArgument(f"invalid memory swap value: {out.memory_swap}")


def _plan_pids(out: Limits, features: frozenset[str], warnings: list[str]) -> None:
    if out.pids_limit is None:
        return
    if "pids" not in features:
        if out.pids_limit > 0:
            warnings.append("Your kernel does not support PIDs limit capabilities or the "
                            "cgroup is not mounted. PIDs limit discarded.")
        out.pids_limit = None
    elif out.pids_limit <= 0:
        out.pids_limit = UNLIMITED


def _plan_cpu(out: Limits, features: frozenset[str], warnings: list[str]) -> None:
    ncpu = len(os.sched_getaffinity(0))
    if out.nano_cpus is not None:
        if out.nano_cpus > 0 and "cpu" not in features:
            raise InvalidArgument("NanoCPUs can not be set, as your kernel does not support "
                                  "CPU CFS scheduler or the cgroup is not mounted")
        if out.nano_cpus < 0 or out.nano_cpus > ncpu * 1_000_000_000:
            raise InvalidArgument(f"Range of CPUs is from 0.01 to {ncpu}.00, as there are "
                                  f"only {ncpu} CPUs available")
    if out.cpu_shares is None:
        return
    if out.cpu_shares < 0:
        raise InvalidArgument("shares: invalid argument")
    if "cpu" not in features:
        warnings.append("Your kernel does not support CPU shares or the cgroup is not "
                        "mounted. Shares discarded.")
        out.cpu_shares = None
        return
    out.cpu_shares = min(max(out.cpu_shares, MIN_CPU_SHARES), MAX_CPU_SHARES)


def _plan_cpuset(out: Limits, features: frozenset[str], available: str,
                 warnings: list[str]) -> None:
    if out.cpuset_cpus is None:
        return
    if "cpuset" not in features:
        warnings.append("Your kernel does not support cpuset or the cgroup is not mounted. "
                        "Cpuset discarded.")
        out.cpuset_cpus = None
        return
    try:
        wanted = parse_cpu_list(out.cpuset_cpus)
    except ValueError as err:
        raise InvalidArgument(f"Invalid value {out.cpuset_cpus} for cpuset cpus: {err}") from None
    if available and not wanted <= parse_cpu_list(available):
        raise InvalidArgument(f"Requested CPUs are not available - requested "
                              f"{out.cpuset_cpus}, available: {available}")
