"""docker diff / top / port: what a container changed, runs and publishes."""
from __future__ import annotations

import re

from dockerlab.engine import containerfs, top

from ..context import CliExit, Context
from ..tables import TabWriter


def cmd_diff(ctx: Context, p) -> int:
    for kind, path in containerfs.changes(ctx.engine, p.args[0]):
        ctx.print(f"{kind} {path}")
    return 0


def cmd_top(ctx: Context, p) -> int:
    eng = ctx.engine
    cid = eng.resolve(p.args[0])
    ps_args = " ".join(p.args[1:]).split() if len(p.args) > 1 else None
    body = top.top(eng, cid, ps_args)
    writer = TabWriter(minwidth=20, tabwidth=1, padding=3)   # docker/cli top.go
    writer.write("\t".join(body["Titles"]) + "\n")
    for row in body["Processes"]:
        writer.write("\t".join(row) + "\n")
    ctx.out.write(writer.flush())
    ctx.out.flush()
    return 0


def _join(ip: str, port: str) -> str:
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def _natural_key(text: str):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text)]


def cmd_port(ctx: Context, p) -> int:
    ref = p.args[0]
    ports = ctx.engine.inspect_container(ref)["NetworkSettings"].get("Ports") or {}
    out = []
    if len(p.args) > 1:
        wanted = p.args[1]
        port, _, proto = wanted.partition("/")
        if not port.isdigit() or int(port) > 65535:
            raise CliExit(f'Error: invalid port ({port}): strconv.ParseUint: parsing "{port}": '
                          "invalid syntax" if not port.isdigit() else
                          f'Error: invalid port ({port}): strconv.ParseUint: parsing "{port}": '
                          "value out of range")
        binds = ports.get(f"{port}/{proto or 'tcp'}")
        if not binds:
            raise CliExit(f"Error: No public port '{wanted}' published for {ref}")
        out = [_join(b.get("HostIp") or "0.0.0.0", b["HostPort"]) for b in binds]
    else:
        for key, binds in ports.items():
            out += [f"{key} -> {_join(b.get('HostIp') or '0.0.0.0', b['HostPort'])}" for b in binds or []]
    for line in sorted(out, key=_natural_key):
        ctx.print(line)
    return 0


COMMANDS = {("container", "diff"): cmd_diff, ("container", "top"): cmd_top,
            ("container", "port"): cmd_port}
