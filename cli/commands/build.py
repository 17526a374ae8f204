"""docker build: the classic builder's output over the embedded engine's builder."""
from __future__ import annotations

import os
from pathlib import Path

from ..context import CliExit, Context
from ..units import human_size


def _build_args(items: list[str]) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for item in items:
        key, eq, value = item.partition("=")
        if eq:
            out[key] = value
        elif key in os.environ:
            out[key] = os.environ[key]
        else:
            out[key] = None
    return out


def _labels(items: list[str]) -> dict[str, str]:
    return dict(x.split("=", 1) if "=" in x else (x, "") for x in items)


def _paths(p) -> tuple[Path, Path]:
    from dockerlab.tutor.i18n import _
    if not p.args:
        raise CliExit('"docker build" requires exactly 1 argument.', 1)
    where = p.args[0]
    if where == "-" or "://" in where or where.startswith("git@"):
        raise CliExit(_("dockerlab builds from a local directory only: docker build [OPTIONS] PATH"), 1)
    context = Path(where)
    if not context.is_dir():
        raise CliExit(f'unable to prepare context: path "{where}" not found', 1)
    dockerfile = Path(p.flags.get("file") or context / "Dockerfile")
    if p.flags.get("file") == "-":
        raise CliExit(_("dockerlab reads the Dockerfile from a file, not from stdin"), 1)
    if not dockerfile.is_file():
        raise CliExit("unable to prepare context: unable to evaluate symlinks in Dockerfile path: "
                      f"lstat {dockerfile.absolute()}: no such file or directory", 1)
    return context, dockerfile


def cmd_build(ctx: Context, p) -> int:
    from dockerlab.engine.build.builder import BuildFailed, BuildOptions, Builder
    context, dockerfile = _paths(p)
    flags = p.flags
    quiet = bool(flags.get("quiet"))
    opts = BuildOptions(context_dir=context, dockerfile=dockerfile, tags=list(flags.get("tag") or []),
                        build_args=_build_args(flags.get("build-arg") or []),
                        target=flags.get("target") or "", no_cache=bool(flags.get("no-cache")),
                        labels=_labels(flags.get("label") or []), rm=bool(flags.get("rm", True)),
                        force_rm=bool(flags.get("force-rm")))

    def out(line: str) -> None:
        if not quiet:
            ctx.print(line)

    def raw(data: bytes) -> None:
        if not quiet:
            ctx.out.flush()
            stream = getattr(ctx.out, "buffer", None)
            if stream is not None:
                stream.write(data)
                stream.flush()
            else:
                ctx.out.write(data.decode(errors="replace"))

    builder = Builder(ctx.engine, opts, out, raw)
    parsed, build_context = builder.load()
    out(f"Sending build context to Docker daemon  {human_size(build_context.size(), 4)}")
    try:
        image_id = builder.build(parsed, build_context)
    except BuildFailed as e:
        ctx.warn(str(e))
        return e.exit_code
    if quiet:
        ctx.print(image_id)
    if flags.get("iidfile"):
        Path(flags["iidfile"]).write_text(image_id)
    return 0


COMMANDS = {("image", "build"): cmd_build}
