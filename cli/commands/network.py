"""docker network create / ls / inspect / rm / prune / connect / disconnect."""
from __future__ import annotations

import re

from dockerlab.engine.errors import EngineError, InvalidArgument
from dockerlab.tutor.i18n import _

from .. import tables, templates
from ..context import CliExit, Context
from .prune import confirm


def _kv(items) -> dict:
    if isinstance(items, dict):
        return dict(items)
    return dict(i.split("=", 1) if "=" in i else (i, "") for i in items or [])


def _first(value) -> str | None:
    if isinstance(value, (list, tuple)):
        if len(value) > 1:
            raise InvalidArgument(_("dockerlab: one --subnet/--gateway/--ip-range per network"))
        return value[0] if value else None
    return value or None


def cmd_create(ctx: Context, p) -> int:
    f = p.flags
    rec = ctx.engine.networks.create(
        p.args[0], driver=f.get("driver") or "bridge", subnet=_first(f.get("subnet")),
        gateway=_first(f.get("gateway")), ip_range=_first(f.get("ip-range")),
        internal=bool(f.get("internal")), labels=_kv(f.get("label")), options=_kv(f.get("opt")))
    ctx.print(rec["Id"])
    return 0


def _natural(text: str):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text)]


def _net_ok(n: dict, filters: dict) -> bool:
    checks = {
        "driver": lambda v: n.get("Driver") == v,
        "name": lambda v: v in n.get("Name", ""),
        "id": lambda v: n.get("Id", "").startswith(v),
        "label": lambda v: (v.partition("=")[0] in (n.get("Labels") or {})) and
                           (not v.partition("=")[1] or (n.get("Labels") or {}).get(v.partition("=")[0]) == v.partition("=")[2]),
        "type": lambda v: (n.get("Name") in ("bridge", "host", "none")) == (v == "builtin"),
        "scope": lambda v: n.get("Scope") == v,
        "dangling": lambda v: (not n.get("Containers")) == (v.lower() in ("true", "1")),
    }
    for key, values in filters.items():
        if key not in checks:
            raise InvalidArgument(f"invalid filter '{key}'")
        if key == "type" and any(v not in ("custom", "builtin") for v in values):
            bad = next(v for v in values if v not in ("custom", "builtin"))
            raise InvalidArgument(f"invalid filter: 'type'='{bad}'")
        if not any(checks[key](v) for v in values):
            return False
    return True


def cmd_ls(ctx: Context, p) -> int:
    f = p.flags
    nets = [n for n in ctx.engine.networks.list() if _net_ok(n, f.get("filter") or {})]
    nets.sort(key=lambda n: _natural(n["Name"]))
    ctx.out.write(tables.render_networks(nets, f.get("format") or "", quiet=bool(f.get("quiet")),
                                         trunc=not f.get("no-trunc")))
    ctx.out.flush()
    return 0


def cmd_inspect(ctx: Context, p) -> int:
    docs, errors = [], []
    for ref in p.args:
        try:
            docs.append(templates.typed(ctx.engine.networks.get(ref), templates.NETWORK_MAPS))
        except EngineError as e:
            errors.append(f"Error response from daemon: {e}")
    out, render_errors = templates.render_inspect(p.flags.get("format"), docs)
    ctx.out.write(out if out.endswith("\n") else out + "\n")
    ctx.out.flush()
    errors += render_errors
    if errors:
        raise CliExit("\n".join(errors), 1)
    return 0


def cmd_rm(ctx: Context, p) -> int:
    code = 0
    for ref in p.args:
        try:
            ctx.engine.networks.remove(ref)
        except EngineError as e:
            if p.flags.get("force") and e.status == 404:
                continue
            ctx.warn(f"Error response from daemon: {e}")
            code = 1
            continue
        ctx.print(ref)
    return code


PRUNE_WARNING = ("WARNING! This will remove all custom networks not used by at least one container.\n"
                 "Are you sure you want to continue?")


def prune_networks(ctx: Context) -> str:
    removed = ctx.engine.networks.prune()
    return "Deleted Networks:\n" + "".join(n + "\n" for n in removed) if removed else ""


def cmd_prune(ctx: Context, p) -> int:
    if not p.flags.get("force") and not confirm(ctx, PRUNE_WARNING):
        return 0
    out = prune_networks(ctx)
    if out:
        ctx.print(out)
    return 0


def cmd_connect(ctx: Context, p) -> int:
    """Docker 28: a stopped container keeps the network for its next start."""
    from dockerlab.engine.network import attach
    attach.connect(ctx.engine, p.args[0], p.args[1], ip=p.flags.get("ip") or None,
                   aliases=list(p.flags.get("alias") or []))
    return 0


def cmd_disconnect(ctx: Context, p) -> int:
    from dockerlab.engine.network import attach
    attach.disconnect(ctx.engine, p.args[0], p.args[1], force=bool(p.flags.get("force")))
    return 0


COMMANDS = {("network", "create"): cmd_create, ("network", "ls"): cmd_ls,
            ("network", "inspect"): cmd_inspect, ("network", "rm"): cmd_rm,
            ("network", "prune"): cmd_prune, ("network", "connect"): cmd_connect,
            ("network", "disconnect"): cmd_disconnect}
