"""docker logs [-f] [--tail N] [-t] [--since] [--until]: read the json log the shim writes."""
from __future__ import annotations

import sys
import time

from dockerlab.engine.runtime.logs import read_records

from ..context import Context


def _tail(records: list, tail: str | None) -> list:
    if tail in (None, "", "all"):
        return records
    n = int(tail)
    return records[-n:] if n > 0 else []


def _emit(rec: dict, timestamps: bool) -> None:
    out = sys.stderr if rec.get("stream") == "stderr" else sys.stdout
    text = rec.get("log", "")
    if timestamps:
        text = rec.get("time", "") + " " + text
    out.write(text)
    out.flush()


def _window(p):
    """--since / --until as a test on a record: None when neither is given."""
    from .. import units
    from ..context import CliExit
    now = time.time()
    try:
        since = units.timestamp_ns(p.flags.get("since"), now)
        until = units.timestamp_ns(p.flags.get("until"), now)
    except units.UnitError as e:
        raise CliExit(str(e), 1) from None
    if since is None and until is None:
        return None

    def inside(rec: dict) -> bool:
        stamp = units.parse_timestamp(rec.get("time"))
        ns = int(stamp.timestamp() * 1e9) if stamp else 0
        return (since is None or ns >= since) and (until is None or ns <= until)
    return inside


def cmd_logs(ctx: Context, p) -> int:
    rec = ctx.engine.record(p.args[0])
    path = ctx.engine.containers.path(rec["Id"]) / "json.log"
    timestamps = bool(p.flags.get("timestamps"))
    inside = _window(p)
    records, offset = [], 0
    for r, offset in read_records(path):
        if inside is None or inside(r):
            records.append(r)
    for r in _tail(records, p.flags.get("tail")):
        _emit(r, timestamps)
    if not p.flags.get("follow") or p.flags.get("until"):
        return 0
    try:
        while True:
            got = False
            for r, offset in read_records(path, offset):
                if inside is None or inside(r):
                    _emit(r, timestamps)
                got = True
            if not got:
                if not ctx.engine.state(rec["Id"])["Running"]:
                    for r, offset in read_records(path, offset):
                        _emit(r, timestamps)
                    return 0
                time.sleep(0.1)
    except KeyboardInterrupt:
        return 0


COMMANDS = {("container", "logs"): cmd_logs}
