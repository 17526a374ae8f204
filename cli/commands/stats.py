"""docker stats [--no-stream] [-a] [--format]: cgroup figures with docker/cli's arithmetic."""
from __future__ import annotations

import time
from typing import Any

from dockerlab.engine import stats as engine_stats

from .. import tables, units
from ..context import Context

STATS_TABLE = ("table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t"
               "{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}")
STATS_HEADERS = {"Container": "CONTAINER", "Name": "NAME", "ID": "CONTAINER ID",
                 "CPUPerc": "CPU %", "MemUsage": "MEM USAGE / LIMIT", "MemPerc": "MEM %",
                 "NetIO": "NET I/O", "BlockIO": "BLOCK I/O", "PIDs": "PIDS"}


def entry(typed: str, s: dict) -> dict[str, Any]:
    """docker/cli's StatsEntry from one API sample (stats_helpers.go)."""
    cpu, pre = s.get("cpu_stats") or {}, s.get("precpu_stats") or {}
    usage = (cpu.get("cpu_usage") or {}).get("total_usage", 0)
    pre_usage = (pre.get("cpu_usage") or {}).get("total_usage", 0)
    cpu_delta = usage - pre_usage
    sys_delta = cpu.get("system_cpu_usage", 0) - pre.get("system_cpu_usage", 0)
    online = cpu.get("online_cpus") or len((cpu.get("cpu_usage") or {}).get("percpu_usage") or [])
    cpu_pct = cpu_delta / sys_delta * online * 100.0 if sys_delta > 0 and cpu_delta > 0 else 0.0
    mem = s.get("memory_stats") or {}
    used, extra = mem.get("usage", 0), mem.get("stats") or {}
    if "total_inactive_file" in extra and extra["total_inactive_file"] < used:
        used -= extra["total_inactive_file"]
    elif extra.get("inactive_file", 0) < used:
        used -= extra.get("inactive_file", 0)
    limit = mem.get("limit", 0)
    io = (s.get("blkio_stats") or {}).get("io_service_bytes_recursive") or []
    nets = (s.get("networks") or {}).values()
    return {"Container": typed, "Name": s.get("name", ""), "ID": s.get("id", ""),
            "CPUPercentage": cpu_pct, "Memory": used, "MemoryLimit": limit,
            "MemoryPercentage": used / limit * 100.0 if limit else 0.0,
            "NetworkRx": sum(n.get("rx_bytes", 0) for n in nets),
            "NetworkTx": sum(n.get("tx_bytes", 0) for n in nets),
            "BlockRead": sum(e["value"] for e in io if e["op"].lower() == "read"),
            "BlockWrite": sum(e["value"] for e in io if e["op"].lower() == "write"),
            "PidsCurrent": (s.get("pids_stats") or {}).get("current", 0)}


class StatsRow(tables._Row):
    """One `docker stats` row (formatter_stats.go's statsContext)."""

    GO_TYPE = "*container.statsContext"
    FIELDS = ("BlockIO", "CPUPerc", "Container", "ID", "MemPerc", "MemUsage", "Name", "NetIO", "PIDs")

    def __init__(self, e: dict, trunc: bool = True):
        self.e, self.trunc = e, trunc

    def Container(self) -> str:
        return self.e["Container"]

    def Name(self) -> str:
        return self.e["Name"][1:] if len(self.e["Name"]) > 1 else "--"

    def ID(self) -> str:
        return tables.truncate_id(self.e["ID"]) if self.trunc else self.e["ID"]

    def CPUPerc(self) -> str:
        return f"{self.e['CPUPercentage']:.2f}%"

    def MemUsage(self) -> str:
        return f"{units.bytes_size(self.e['Memory'])} / {units.bytes_size(self.e['MemoryLimit'])}"

    def MemPerc(self) -> str:
        return f"{self.e['MemoryPercentage']:.2f}%"

    def NetIO(self) -> str:
        return f"{units.human_size(self.e['NetworkRx'])} / {units.human_size(self.e['NetworkTx'])}"

    def BlockIO(self) -> str:
        return f"{units.human_size(self.e['BlockRead'])} / {units.human_size(self.e['BlockWrite'])}"

    def PIDs(self) -> str:
        return str(self.e["PidsCurrent"])


def _targets(ctx: Context, p) -> list[tuple[str, str]]:
    if p.args:
        return [(ref, ctx.engine.resolve(ref)) for ref in p.args]
    cs = ctx.engine.list_containers(all=bool(p.flags.get("all")))
    return [(c["Id"][:12], c["Id"]) for c in cs]


def _samples(ctx: Context, ids: list[str], interval: float = 0.5) -> list[dict]:
    """Two rounds of samples `interval` apart: CPU % needs a previous reading."""
    first = [engine_stats.sample(ctx.engine, cid) for cid in ids]
    if any(s.get("cpu_stats") for s in first):
        time.sleep(interval)
    out = []
    for cid, before in zip(ids, first):
        now = engine_stats.sample(ctx.engine, cid) if before.get("cpu_stats") else before
        out.append({**now, "precpu_stats": before.get("cpu_stats") or {}})
    return out


def render(ctx: Context, p, targets: list[tuple[str, str]]) -> str:
    fmt = p.flags.get("format") or "table"
    fmt = STATS_TABLE if fmt == "table" else fmt
    rows = [StatsRow(entry(typed, s), trunc=not p.flags.get("no-trunc"))
            for (typed, _), s in zip(targets, _samples(ctx, [cid for _, cid in targets]))]
    return tables.write_rows(fmt, rows, STATS_HEADERS)


def cmd_stats(ctx: Context, p) -> int:
    targets = _targets(ctx, p)
    if p.flags.get("no-stream"):
        ctx.out.write(render(ctx, p, targets))
        ctx.out.flush()
        return 0
    try:
        while True:
            text = render(ctx, p, targets)
            ctx.out.write("\033[2J\033[H" + text)
            ctx.out.flush()
            time.sleep(0.5)
            if not p.args:
                targets = _targets(ctx, p)
    except KeyboardInterrupt:
        return 0


COMMANDS = {("container", "stats"): cmd_stats}
