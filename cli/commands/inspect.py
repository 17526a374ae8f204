"""docker inspect / container inspect / image inspect / volume inspect, with --format.

Documents go through templates.typed() with each kind's Go maps, so a
template sees structs and maps as Docker's Go types do; render_inspect
prints the JSON or runs the template (typed, then raw like Docker).
"""
from __future__ import annotations

from dockerlab.engine.errors import EngineError, NotFound

from .. import templates
from ..context import CliExit, Context

MAPS = {"container": templates.CONTAINER_MAPS, "image": templates.IMAGE_MAPS,
        "volume": templates.VOLUME_MAPS, "network": templates.NETWORK_MAPS}
ORDER = ("container", "image", "network", "volume")   # docker/cli inspectAll


def _lookups(ctx: Context) -> dict:
    eng = ctx.engine
    return {"container": eng.inspect_container, "image": eng.inspect_image,
            "volume": eng.volumes.get, "network": eng.networks.get}


def _find(ctx: Context, ref: str, kind: str | None) -> tuple[str, dict]:
    lookups = _lookups(ctx)
    for k in ([kind] if kind else ORDER):
        try:
            return k, lookups[k](ref)
        except EngineError as e:
            if kind:
                raise
            if e.status != 404 and "invalid reference format" not in str(e):
                raise
    raise NotFound(f"Error: No such object: {ref}")


def _message(err: EngineError, ref: str, kind: str | None) -> str:
    text = str(err)
    if text.startswith("Error: No such object"):
        return text
    if kind == "image" and text.startswith("No such image"):
        text = f"No such image: {ref}"
    return f"Error response from daemon: {text}"


def cmd_inspect(ctx: Context, p, kind: str | None = None) -> int:
    kind = kind or p.flags.get("type") or None
    if kind and kind not in MAPS:
        raise CliExit(f'"{kind}" is not a valid value for --type', 1)
    docs, errors = [], []
    for ref in p.args:
        try:
            found, doc = _find(ctx, ref, kind)
        except EngineError as e:
            errors.append(_message(e, ref, kind))
            continue
        docs.append(templates.typed(doc, MAPS[found]))
    out, failures = templates.render_inspect(p.flags.get("format"), docs)
    ctx.out.write(out if out.endswith("\n") else out + "\n")
    ctx.out.flush()
    errors += failures
    if errors:
        raise CliExit("\n".join(errors), 1)
    return 0


COMMANDS = {("inspect",): cmd_inspect,
            ("container", "inspect"): lambda c, p: cmd_inspect(c, p, "container"),
            ("image", "inspect"): lambda c, p: cmd_inspect(c, p, "image")}
