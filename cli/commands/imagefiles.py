"""docker save / load / import / export: images and containers to and from tar files."""
from __future__ import annotations

import os
import sys
from typing import BinaryIO

from dockerlab.tutor.i18n import _

from ..context import CliExit, Context


def _binary(stream) -> BinaryIO:
    return getattr(stream, "buffer", stream)


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _open(path: str, mode: str) -> BinaryIO:
    """Open a file named on the command line; errors read like Go's."""
    try:
        return open(path, mode)
    except OSError as e:
        reason = f"open {path}: {(e.strerror or str(e)).lower()}"
        raise CliExit(f"failed to save image: {reason}" if "w" in mode else reason) from None


def cmd_save(ctx: Context, p) -> int:
    from dockerlab.engine.images.archive_save import save
    output = p.flags.get("output") or ""
    store = ctx.engine.images
    if not output:
        if _isatty(ctx.out):
            raise CliExit("cowardly refusing to save to a terminal. Use the -o flag or redirect")
        ctx.out.flush()
        save(store, list(p.args), _binary(ctx.out))
        return 0
    for ref in p.args:
        store.get(ref)                       # refuse before creating the file
    tmp = f"{output}.{os.getpid()}.tmp"
    try:
        with _open(tmp, "wb") as f:
            save(store, list(p.args), f)
        os.replace(tmp, output)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return 0


def cmd_load(ctx: Context, p) -> int:
    from dockerlab.engine.images.archive import load
    path = p.flags.get("input") or ""
    out = ctx.print          # -q hides progress bars only; dockerlab prints none
    if path:
        with _open(path, "rb") as f:
            load(ctx.engine.images, f, out)
        return 0
    stdin = sys.stdin
    if stdin is None or _isatty(stdin):
        raise CliExit("requested load from stdin, but stdin is empty")
    load(ctx.engine.images, _binary(stdin), out)
    return 0


def cmd_import(ctx: Context, p) -> int:
    from dockerlab.engine.images.archive_import import import_rootfs
    source = p.args[0]
    tag = p.args[1] if len(p.args) > 1 else None
    changes = list(p.flags.get("change") or [])
    message = p.flags.get("message") or ""
    store = ctx.engine.images
    if source == "-":
        image = import_rootfs(store, _binary(sys.stdin), tag, message, changes)
    elif "://" in source:
        raise CliExit(_("dockerlab imports from files and stdin only, not from URLs"))
    else:
        with _open(source, "rb") as f:
            image = import_rootfs(store, f, tag, message, changes)
    ctx.print(image.id)
    return 0


COMMANDS = {("image", "save"): cmd_save, ("image", "load"): cmd_load,
            ("image", "import"): cmd_import}
