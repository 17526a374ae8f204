"""docker events (docker system events): the engine's event journal, past and live,
printed as docker/cli prints events.Message."""
from __future__ import annotations

import json
import time
from datetime import datetime, timezone

from dockerlab.engine import events

from .. import units
from ..context import Context


def fixed_nano(ns: int) -> str:
    """Go's "2006-01-02T15:04:05.000000000Z07:00" in local time (nine digits always)."""
    local = datetime.fromtimestamp(ns // 10**9, timezone.utc).astimezone()
    zone = local.strftime("%z")
    zone = "Z" if zone == "+0000" else f"{zone[:3]}:{zone[3:]}"
    return local.strftime("%Y-%m-%dT%H:%M:%S") + f".{ns % 10**9:09d}" + zone


def pretty(ev: dict) -> str:
    """prettyPrintEvent: time, type, action, actor, then the attributes sorted by key."""
    attrs = ev["Actor"].get("Attributes") or {}
    line = f"{fixed_nano(ev['timeNano'])} {ev['Type']} {ev['Action']} {ev['Actor']['ID']}"
    if attrs:
        line += " (" + ", ".join(f"{k}={attrs[k]}" for k in sorted(attrs)) + ")"
    return line


def _message(ev: dict) -> dict:
    """events.Message's Go field names, for --format templates."""
    return {"Status": ev.get("status", ""), "ID": ev.get("id", ""), "From": ev.get("from", ""),
            "Type": ev["Type"], "Action": ev["Action"], "Actor": ev["Actor"], "Scope": ev.get("scope", ""),
            "Time": ev.get("time", 0), "TimeNano": ev.get("timeNano", 0)}


def cmd_events(ctx: Context, p) -> int:
    now = time.time()
    try:
        since, until = units.timestamp_ns(p.flags.get("since"), now), units.timestamp_ns(p.flags.get("until"), now)
    except units.UnitError as e:
        ctx.warn(str(e))
        return 1
    filters = dict(p.flags.get("filter") or {})
    fmt = p.flags.get("format") or ""
    template = None
    if fmt and fmt != "json":
        from ..templates import parse
        template = parse(fmt)
    try:
        for ev in events.read(ctx.engine.settings, since_ns=since, until_ns=until, follow=until is None):
            if not events.matches(ev, filters):
                continue
            if fmt == "json":
                ctx.print(json.dumps(ev, separators=(",", ":")))
            elif template is not None:
                ctx.print(template.execute(_message(ev)))
            else:
                ctx.print(pretty(ev))
            ctx.out.flush()
    except KeyboardInterrupt:
        return 0
    return 0


COMMANDS = {("system", "events"): cmd_events}
