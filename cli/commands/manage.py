"""docker stop / kill / restart / rm / wait / rename: one container at a time, errors per name."""
from __future__ import annotations

from dockerlab.engine.errors import EngineError

from ..context import Context


def _each(ctx: Context, refs: list[str], action, echo: bool = True) -> int:
    code = 0
    for ref in refs:
        try:
            result = action(ref)
            if echo:
                ctx.print(ref if result is None else str(result))
        except EngineError as e:
            ctx.warn(f"Error response from daemon: {e}")
            code = 1
    return code


def _timeout(p) -> int | None:
    """Only a typed -t/--timeout counts: the parser fills defaults for every flag."""
    if "timeout" not in p.given:
        return None
    return int(p.flags["timeout"])


def cmd_stop(ctx: Context, p) -> int:
    return _each(ctx, p.args, lambda r: ctx.engine.stop(r, _timeout(p), p.flags.get("signal")))


def cmd_restart(ctx: Context, p) -> int:
    return _each(ctx, p.args, lambda r: ctx.engine.restart(r, _timeout(p)))


def cmd_kill(ctx: Context, p) -> int:
    return _each(ctx, p.args, lambda r: ctx.engine.kill(r, p.flags.get("signal") or "KILL"))


def cmd_rm(ctx: Context, p) -> int:
    return _each(ctx, p.args, lambda r: ctx.engine.remove(r, force=bool(p.flags.get("force")),
                                                          volumes=bool(p.flags.get("volumes"))))


def cmd_wait(ctx: Context, p) -> int:
    return _each(ctx, p.args, lambda r: ctx.engine.wait(r)["StatusCode"])


def cmd_rename(ctx: Context, p) -> int:
    ctx.engine.rename(p.args[0], p.args[1])
    return 0


COMMANDS = {("container", "stop"): cmd_stop, ("container", "kill"): cmd_kill,
            ("container", "restart"): cmd_restart, ("container", "rm"): cmd_rm,
            ("container", "wait"): cmd_wait, ("container", "rename"): cmd_rename}
