"""`dockerlab docker ...`: Docker's command line over the embedded engine."""
from __future__ import annotations

import sys

from dockerlab.engine.errors import EngineError, RootRequired

from .context import CliExit, Context


# commands whose daemon errors Docker prefixes with "docker: " and exits 125
RUN_LIKE = {("container", "run"), ("container", "create")}


def docker_main(argv: list[str], ctx: Context | None = None) -> int:
    from .flags import UsageError
    from .spec import parse_docker_command
    ctx = ctx or Context()
    try:
        p = parse_docker_command(argv)
    except UsageError as e:
        ctx.warn(str(e))
        return getattr(e, "exit_code", 125)
    from .commands import all_commands
    handler = all_commands().get(tuple(p.path))
    if handler is None:
        ctx.warn(f"dockerlab: 'docker {' '.join(p.path)}' is not available in dockerlab yet")
        return 1
    run_like = tuple(p.path) in RUN_LIKE
    try:
        return handler(ctx, p) or 0
    except CliExit as e:
        ctx.warn(e.message)
        return e.code
    except RootRequired as e:
        ctx.warn(str(e))
        return 1
    except EngineError as e:
        if run_like:
            ctx.warn(f"docker: Error response from daemon: {e}\n\nRun 'docker {p.path[-1]} --help' for more information")
            return getattr(e, "exit_code", 125)
        ctx.warn(f"Error response from daemon: {e}")
        return 1


def main() -> None:
    sys.exit(docker_main(sys.argv[1:]))
