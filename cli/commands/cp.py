"""docker cp: files between the host and a container, running or stopped."""
from __future__ import annotations

import os
import sys

from dockerlab.engine import containerfs

from .. import units
from ..context import CliExit, Context


def split_arg(arg: str) -> tuple[str, str]:
    """docker's splitCpArg: `CTR:PATH`, unless the argument is a local path (`/x`, `./a:b`)."""
    if arg.startswith("/"):
        return "", arg
    ctr, sep, path = arg.partition(":")
    if not sep or ctr.startswith("."):
        return "", arg
    return ctr, path


def _binary_out(ctx: Context):
    return getattr(ctx.out, "buffer", None) or sys.stdout.buffer


def _to_stdout(ctx: Context, fd: int) -> None:
    out = _binary_out(ctx)
    while chunk := os.read(fd, 1 << 16):
        out.write(chunk)
    out.flush()


def _from_stdin(fd: int) -> None:
    src = sys.stdin.buffer
    with os.fdopen(os.dup(fd), "wb") as out:
        while chunk := src.read(1 << 16):
            out.write(chunk)


def _summary(ctx: Context, p, size: int, dest: str) -> None:
    """Docker prints it only on a terminal, unless -q."""
    quiet = p.flags.get("quiet") if "quiet" in p.given else not _isatty(ctx.out)
    if not quiet:
        ctx.warn(f"Successfully copied {units.human_size(size)} to {dest}")


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def cmd_cp(ctx: Context, p) -> int:
    src, dest = p.args
    if not src:
        raise CliExit("source can not be empty")
    if not dest:
        raise CliExit("destination can not be empty")
    (s_ctr, s_path), (d_ctr, d_path) = split_arg(src), split_arg(dest)
    if s_ctr and d_ctr:
        raise CliExit("copying between containers is not supported")
    if not s_ctr and not d_ctr:
        raise CliExit("must specify at least one container source")
    eng, follow = ctx.engine, bool(p.flags.get("follow-link"))
    try:
        if s_ctr:
            eng.resolve(s_ctr)
            if d_path == "-":
                containerfs.copy_out(eng, s_ctr, s_path, lambda fd: _to_stdout(ctx, fd), follow)
                return 0
            size = containerfs.copy_to_host(eng, s_ctr, s_path, d_path, follow)
            _summary(ctx, p, size, os.path.abspath(d_path))
            return 0
        eng.resolve(d_ctr)
        if s_path == "-":
            containerfs.copy_into(eng, d_ctr, _from_stdin, d_path, True, "", False,
                                  bool(p.flags.get("archive")), stream=True)
            return 0
        size = containerfs.copy_from_host(eng, d_ctr, s_path, d_path, follow,
                                          bool(p.flags.get("archive")))
        _summary(ctx, p, size, f"{d_ctr}:{d_path}")
        return 0
    except containerfs.CopyError as e:
        raise CliExit(str(e)) from None


COMMANDS = {("container", "cp"): cmd_cp}
