"""docker stop / kill / restart / rm / wait / rename: several containers, errors per name."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from dockerlab.engine.errors import EngineError

from ..context import Context


def _each(ctx: Context, refs: list[str], action, echo: bool = True, parallel: bool = False) -> int:
    """Run `action` on every ref; print each result (or error) in the order typed.

    stop, restart, kill and rm run in parallel, as Docker's CLI does
    (parallelOperation): three containers ignoring SIGTERM cost one grace
    period, not three.
    """
    if parallel and len(refs) > 1:
        with ThreadPoolExecutor(max_workers=min(len(refs), 50)) as pool:
            futures = [pool.submit(_outcome, action, ref) for ref in refs]
            outcomes = [f.result() for f in futures]
    else:
        outcomes = [_outcome(action, ref) for ref in refs]
    code = 0
    for ref, (result, error) in zip(refs, outcomes):
        if error is not None:
            ctx.warn(f"Error response from daemon: {error}")
            code = 1
        elif echo:
            ctx.print(ref if result is None else str(result))
    return code


def _outcome(action, ref: str):
    try:
        return action(ref), None
    except EngineError as e:
        return None, e


def _timeout(p) -> int | None:
    """Only a typed -t/--timeout counts: the parser fills defaults for every flag."""
    if "timeout" not in p.given:
        return None
    return int(p.flags["timeout"])


def cmd_stop(ctx: Context, p) -> int:
    return _each(ctx, p.args, lambda r: ctx.engine.stop(r, _timeout(p), p.flags.get("signal")), parallel=True)


def cmd_restart(ctx: Context, p) -> int:
    return _each(ctx, p.args, lambda r: ctx.engine.restart(r, _timeout(p)), parallel=True)


def cmd_kill(ctx: Context, p) -> int:
    return _each(ctx, p.args, lambda r: ctx.engine.kill(r, p.flags.get("signal") or "KILL"), parallel=True)


def cmd_rm(ctx: Context, p) -> int:
    return _each(ctx, p.args, lambda r: ctx.engine.remove(r, force=bool(p.flags.get("force")),
                                                          volumes=bool(p.flags.get("volumes"))),
                 parallel=True)


def cmd_wait(ctx: Context, p) -> int:
    return _each(ctx, p.args, lambda r: ctx.engine.wait(r)["StatusCode"])


def cmd_rename(ctx: Context, p) -> int:
    ctx.engine.rename(p.args[0], p.args[1])
    return 0


COMMANDS = {("container", "stop"): cmd_stop, ("container", "kill"): cmd_kill,
            ("container", "restart"): cmd_restart, ("container", "rm"): cmd_rm,
            ("container", "wait"): cmd_wait, ("container", "rename"): cmd_rename}
