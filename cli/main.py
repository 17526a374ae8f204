"""`dockerlab docker ...`: Docker's command line over the embedded engine."""
from __future__ import annotations

import sys

from dockerlab.engine.errors import EngineError, RootRequired

from dockerlab.engine.runtime.trace import mark

from .context import CliExit, Context


# commands whose daemon errors Docker prefixes with "docker: " and exits 125
RUN_LIKE = {("container", "run"), ("container", "create")}


def docker_main(argv: list[str], ctx: Context | None = None) -> int:
    from .flags import UsageError
    from .spec import help_text, parse_docker_command
    ctx = ctx or Context()
    try:
        p = parse_docker_command(argv)
    except UsageError as e:
        ctx.warn(str(e))
        return getattr(e, "exit_code", 125)
    mark("cli.parsed")
    for notice in p.notices:   # pflag's deprecation lines: Docker prints them on stdout
        ctx.print(notice)
    if p.wants_help or not p.path:
        ctx.out.write(help_text(p.display))
        ctx.out.flush()
        return 0
    from .commands import handler_for
    handler = handler_for(tuple(p.path))
    if handler is None:
        ctx.warn(f"dockerlab: 'docker {' '.join(p.path)}' is not available in dockerlab yet")
        return 1
    try:
        return _run(ctx, p, handler)
    finally:
        _network_notices(ctx)


def _template_error() -> type:
    """templates.TemplateError if a command loaded the templates (gotpl costs ~60 ms to import)."""
    module = sys.modules.get("dockerlab.cli.templates")
    return module.TemplateError if module is not None else _NeverRaised


class _NeverRaised(Exception):
    pass


def _run(ctx: Context, p, handler) -> int:
    run_like = tuple(p.path) in RUN_LIKE
    try:
        if p.given:
            from .flagsupport import check
            check(ctx, tuple(p.path), p.given)
        return handler(ctx, p) or 0
    except CliExit as e:
        ctx.warn(e.message)
        return e.code
    except _template_error() as e:
        ctx.warn(e.message)
        return e.exit_code
    except RootRequired as e:
        ctx.warn(str(e))
        return 1
    except EngineError as e:
        if run_like:
            ctx.warn(f"docker: Error response from daemon: {e}\n\nRun 'docker {p.path[-1]} --help' for more information")
            return getattr(e, "exit_code", 125)
        ctx.warn(f"Error response from daemon: {e}")
        return 1


def _network_notices(ctx: Context) -> None:
    """Say once what the network layer chose for the user (e.g. the default bridge's subnet)."""
    eng = getattr(ctx, "_engine", None)
    nets = getattr(eng, "_networks", None) if eng is not None else None
    for notice in getattr(nets, "notices", None) or []:
        ctx.warn(notice)
    if nets is not None:
        nets.notices.clear()


def main() -> None:
    sys.exit(docker_main(sys.argv[1:]))
