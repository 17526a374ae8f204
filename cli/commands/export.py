"""docker export / docker container export: a container's filesystem as a tar archive.

The checks come in docker/cli's order: a terminal on stdout is refused, then
the -o path is validated, then the daemon is asked (so a missing container
is reported after those). With -o the archive goes to a temporary file
beside the target, renamed at the end, as docker's CopyToFile does (which
is why the file is created with mode 0600).
"""
from __future__ import annotations

import os

from ..context import CliExit, Context


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def validate_output_path(path: str) -> None:
    """docker/cli's ValidateOutputPath: the directory must exist; the path must not be special."""
    folder = os.path.dirname(os.path.normpath(path))
    if folder not in ("", ".") and not os.path.exists(folder):
        raise CliExit(f'failed to export container: invalid output path: directory "{folder}" '
                      "does not exist")
    if os.path.exists(path) and not (os.path.isdir(path) or os.path.isfile(path)):
        raise CliExit(f'failed to export container: invalid output path: "{path}" must be a '
                      "directory or a regular file")


def _to_file(ctx: Context, ref: str, output: str) -> None:
    import tempfile
    from dockerlab.engine.containerexport import export
    fd, tmp = tempfile.mkstemp(prefix=".docker_temp_", dir=os.path.dirname(output) or ".")
    try:
        with os.fdopen(fd, "wb") as f:
            export(ctx.engine, ref, f.write)
        try:
            os.replace(tmp, output)
        except OSError as e:
            raise CliExit(f"rename {tmp} {output}: {(e.strerror or str(e)).lower()}") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def cmd_export(ctx: Context, p) -> int:
    from dockerlab.engine.containerexport import export
    output = p.flags.get("output") or ""
    if not output and _isatty(ctx.out):
        raise CliExit("cowardly refusing to save to a terminal. Use the -o flag or redirect")
    validate_output_path(output)
    if output:
        _to_file(ctx, p.args[0], output)
        return 0
    ctx.out.flush()
    stream = getattr(ctx.out, "buffer", ctx.out)
    export(ctx.engine, p.args[0], stream.write)
    stream.flush()
    return 0


COMMANDS = {("container", "export"): cmd_export}
