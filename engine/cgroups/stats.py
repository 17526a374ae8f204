"""Resource usage of a cgroup, in the shape of Docker's stats API.

`docker stats` computes CPU % from two samples of cpu_usage.total_usage and
system_cpu_usage, and memory from memory_stats.usage minus the inactive file
cache; this module fills those fields from v1 or v2 files so the API and CLI
layers can reuse Docker's arithmetic unchanged. Times are in nanoseconds.
"""
from __future__ import annotations

import os
from pathlib import Path

from . import files

NS_PER_USEC = 1000


def machine_memory() -> int:
    """Total RAM in bytes; Docker reports it as the limit of an unlimited container."""
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    return 0


def _clock_ticks() -> int:
    return os.sysconf("SC_CLK_TCK")


def system_cpu_usage() -> int:
    """Host CPU time since boot in ns, as dockerd computes it from /proc/stat."""
    with open("/proc/stat") as f:
        for line in f:
            fields = line.split()
            if fields and fields[0] == "cpu":
                ticks = sum(int(v) for v in fields[1:8])
                return ticks * 1_000_000_000 // _clock_ticks()
    return 0


def online_cpus() -> int:
    return len(os.sched_getaffinity(0))


def _limit(value: int | None) -> int:
    """A cgroup limit, with "no limit" shown as the machine's memory (like dockerd)."""
    machine = machine_memory()
    return machine if value is None or value > machine else value


def _host(cpu: dict) -> dict:
    cpu["system_cpu_usage"] = system_cpu_usage()
    cpu["online_cpus"] = online_cpus()
    return cpu


def v1_stats(dirs: dict[str, Path]) -> dict:
    """Stats from v1 hierarchies (`dirs`: controller -> this cgroup's directory)."""
    out: dict = {}
    acct, cpu = dirs.get("cpuacct"), dirs.get("cpu")
    if acct:
        ticks = files.read_keyed(acct / "cpuacct.stat")
        to_ns = 1_000_000_000 // _clock_ticks()
        percpu = (files.read_optional(acct / "cpuacct.usage_percpu") or "").split()
        usage = {"total_usage": files.read_int(acct / "cpuacct.usage") or 0,
                 "percpu_usage": [int(v) for v in percpu],
                 "usage_in_usermode": ticks.get("user", 0) * to_ns,
                 "usage_in_kernelmode": ticks.get("system", 0) * to_ns}
        out["cpu_stats"] = _host({"cpu_usage": usage})
    if cpu and "cpu_stats" in out:
        stat = files.read_keyed(cpu / "cpu.stat")
        out["cpu_stats"]["throttling_data"] = {
            "periods": stat.get("nr_periods", 0),
            "throttled_periods": stat.get("nr_throttled", 0),
            "throttled_time": stat.get("throttled_time", 0)}
    mem = dirs.get("memory")
    if mem:
        out["memory_stats"] = {
            "usage": files.read_int(mem / "memory.usage_in_bytes") or 0,
            "max_usage": files.read_int(mem / "memory.max_usage_in_bytes") or 0,
            "failcnt": files.read_int(mem / "memory.failcnt") or 0,
            "limit": _limit(files.read_int(mem / "memory.limit_in_bytes")),
            "stats": files.read_keyed(mem / "memory.stat")}
    if dirs.get("pids"):
        out["pids_stats"] = _pids(dirs["pids"])
    return out


def v2_stats(path: Path) -> dict:
    """Stats from one v2 cgroup directory."""
    stat = files.read_keyed(path / "cpu.stat")
    usage = {"total_usage": stat.get("usage_usec", 0) * NS_PER_USEC,
             "usage_in_usermode": stat.get("user_usec", 0) * NS_PER_USEC,
             "usage_in_kernelmode": stat.get("system_usec", 0) * NS_PER_USEC}
    out: dict = {"cpu_stats": _host({"cpu_usage": usage})}
    if "nr_periods" in stat:
        out["cpu_stats"]["throttling_data"] = {
            "periods": stat["nr_periods"], "throttled_periods": stat.get("nr_throttled", 0),
            "throttled_time": stat.get("throttled_usec", 0) * NS_PER_USEC}
    if (path / "memory.current").exists():
        out["memory_stats"] = {"usage": files.read_int(path / "memory.current") or 0,
                               "limit": _limit(files.read_int(path / "memory.max")),
                               "stats": files.read_keyed(path / "memory.stat")}
    if (path / "pids.current").exists():
        out["pids_stats"] = _pids(path)
    return out


def _pids(path: Path) -> dict:
    out = {"current": files.read_int(path / "pids.current") or 0}
    limit = files.read_int(path / "pids.max")
    if limit is not None:
        out["limit"] = limit
    return out
