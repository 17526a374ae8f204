"""docker stop / kill / restart / rm / wait / rename / pause / unpause / update: several
containers, errors per name."""
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
    return _each(ctx, p.args, lambda r: ctx.engine.restart(r, _timeout(p), p.flags.get("signal")),
                 parallel=True)


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


def cmd_pause(ctx: Context, p) -> int:
    return _each(ctx, p.args, ctx.engine.pause)


def cmd_unpause(ctx: Context, p) -> int:
    return _each(ctx, p.args, ctx.engine.unpause)


UPDATE_FLAGS = {"blkio-weight": "BlkioWeight", "cpu-period": "CpuPeriod", "cpu-quota": "CpuQuota",
                "cpu-shares": "CpuShares", "cpuset-cpus": "CpusetCpus", "cpuset-mems": "CpusetMems",
                "memory": "Memory", "memory-reservation": "MemoryReservation",
                "memory-swap": "MemorySwap", "pids-limit": "PidsLimit"}


def cmd_update(ctx: Context, p) -> int:
    """docker/cli's update: the typed flags only; names echoed, warnings after them."""
    from .. import units
    from ..runopts import restart_policy
    typed = [flag for flag in p.given if flag in (*UPDATE_FLAGS, "cpus", "restart")]
    if not typed:
        ctx.warn("you must provide one or more flags when using this command")
        return 1
    body = {UPDATE_FLAGS[flag]: p.flags[flag] for flag in typed if flag in UPDATE_FLAGS}
    if "cpus" in typed:
        cpus = p.flags["cpus"]
        body["NanoCpus"] = cpus if isinstance(cpus, int) else units.parse_nano_cpus(str(cpus))
    if "restart" in typed:
        body["RestartPolicy"] = restart_policy(p.flags["restart"])
    warnings: list[str] = []
    code = _each(ctx, p.args, lambda ref: warnings.extend(ctx.engine.update(ref, body)))
    if warnings:
        ctx.print("\n".join(warnings))
    return code


COMMANDS = {("container", "stop"): cmd_stop, ("container", "kill"): cmd_kill,
            ("container", "restart"): cmd_restart, ("container", "rm"): cmd_rm,
            ("container", "wait"): cmd_wait, ("container", "rename"): cmd_rename,
            ("container", "pause"): cmd_pause, ("container", "unpause"): cmd_unpause,
            ("container", "update"): cmd_update}
