"""docker inspect / container inspect / image inspect / volume inspect, with --format."""
from __future__ import annotations

import json

from dockerlab.engine.errors import EngineError, NotFound

from ..context import Context


def render(ctx: Context, objs: list[dict], fmt: str | None) -> None:
    if not fmt:
        ctx.print(json.dumps(objs, indent=4, ensure_ascii=False))
        return
    from .. import templates
    for obj in objs:
        ctx.print(templates.render(fmt, obj))


def _find(ctx: Context, ref: str, kind: str | None) -> dict:
    eng = ctx.engine
    lookups = {"container": eng.inspect_container, "image": eng.inspect_image,
               "volume": eng.volumes.get, "network": lambda r: eng.networks.get(r)}
    order = [kind] if kind else ["container", "image", "volume", "network"]
    for k in order:
        try:
            return lookups[k](ref)
        except (NotFound, EngineError) as e:
            if kind:
                raise e
    raise NotFound(f"No such object: {ref}")


def cmd_inspect(ctx: Context, p, kind: str | None = None) -> int:
    kind = kind or p.flags.get("type") or None
    objs, code = [], 0
    for ref in p.args:
        try:
            objs.append(_find(ctx, ref, kind))
        except EngineError as e:
            msg = str(e)
            if kind == "image" and msg.startswith("No such image"):
                msg = f"No such image: {ref}"
            ctx.warn(f"Error response from daemon: {msg}" if kind != "volume" else f"Error response from daemon: {msg}")
            code = 1
    if objs or not p.flags.get("format"):
        render(ctx, objs, p.flags.get("format"))
    return code


COMMANDS = {("inspect",): cmd_inspect,
            ("container", "inspect"): lambda c, p: cmd_inspect(c, p, "container"),
            ("image", "inspect"): lambda c, p: cmd_inspect(c, p, "image")}
