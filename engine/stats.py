"""One `docker stats` sample of a container, in the Engine API's shape.

The cgroup gives CPU, memory and pids (engine/cgroups/stats.py); block I/O
comes from blkio (v1) or io.stat (v2); network counters from the container's
own /proc/<pid>/net/dev (its network namespace), per interface except lo.
A stopped container yields the zero sample dockerd sends.
"""
from __future__ import annotations

import time
from pathlib import Path

from . import cgroups
from .cgroups import files
from .lifecycle import current_state


def _blkio_v1(path: Path) -> list[dict]:
    entries = []
    for name in ("blkio.throttle.io_service_bytes_recursive", "blkio.throttle.io_service_bytes"):
        text = files.read_optional(path / name) or ""
        for line in text.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] in ("Read", "Write"):
                major, minor = parts[0].split(":")
                entries.append({"major": int(major), "minor": int(minor), "op": parts[1].lower(),
                                "value": int(parts[2])})
        if entries:
            break
    return entries


def _blkio_v2(path: Path) -> list[dict]:
    entries = []
    for line in (files.read_optional(path / "io.stat") or "").splitlines():
        dev, *pairs = line.split()
        major, minor = dev.split(":")
        values = dict(p.split("=", 1) for p in pairs if "=" in p)
        for key, op in (("rbytes", "read"), ("wbytes", "write")):
            if key in values:
                entries.append({"major": int(major), "minor": int(minor), "op": op,
                                "value": int(values[key])})
    return entries


def _networks(pid: int) -> dict:
    out = {}
    try:
        lines = open(f"/proc/{pid}/net/dev").read().splitlines()[2:]
    except OSError:
        return out
    for line in lines:
        name, _, rest = line.partition(":")
        name, v = name.strip(), rest.split()
        if name == "lo" or len(v) < 16:
            continue
        out[name] = {"rx_bytes": int(v[0]), "rx_packets": int(v[1]), "rx_errors": int(v[2]),
                     "rx_dropped": int(v[3]), "tx_bytes": int(v[8]), "tx_packets": int(v[9]),
                     "tx_errors": int(v[10]), "tx_dropped": int(v[11])}
    return out


def sample(engine, cid: str) -> dict:
    """Stats now: cpu_stats, memory_stats, pids_stats, blkio_stats, networks."""
    record = engine.containers.load(cid)
    out = {"id": cid, "name": record["Name"], "read": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    state = current_state(engine, cid)
    if not state["Running"]:
        return {**out, "cpu_stats": {}, "memory_stats": {}, "pids_stats": {}, "blkio_stats": {}}
    cg = cgroups.Cgroup(engine.settings, cid)
    try:
        out.update(cg.stats())
    except Exception:  # noqa: BLE001 - the container just stopped: report zeros
        return {**out, "cpu_stats": {}, "memory_stats": {}, "pids_stats": {}, "blkio_stats": {}}
    impl = cg._impl
    if cg.version == 2:
        io = _blkio_v2(cg.directories()[0])
    else:
        blk = getattr(impl, "dirs", {}).get("blkio")
        io = _blkio_v1(blk) if blk is not None else []
    out["blkio_stats"] = {"io_service_bytes_recursive": io}
    out["networks"] = _networks(state["Pid"])
    return out


def stats(engine, cid: str, interval: float = 0.5) -> dict:
    """Two samples `interval` apart, as `stream=false`: precpu_stats is the first one's CPU."""
    first = sample(engine, cid)
    if not first.get("cpu_stats"):
        return {**first, "precpu_stats": {}}
    time.sleep(interval)
    second = sample(engine, cid)
    second["precpu_stats"] = first.get("cpu_stats", {})
    return second
