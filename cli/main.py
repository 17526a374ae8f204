"""`dockerlab docker ...`: Docker's command line over the embedded engine."""
from __future__ import annotations

import sys

from dockerlab.engine.errors import EngineError, RootRequired

from .commands import execcmd, inspect, listing, logs, manage, misc, run
from .context import CliExit, Context

HANDLERS = {
    ("container", "run"): run.cmd_run, ("container", "create"): run.cmd_create,
    ("container", "start"): run.cmd_start, ("container", "attach"): run.cmd_attach,
    ("container", "stop"): manage.cmd_stop, ("container", "kill"): manage.cmd_kill,
    ("container", "restart"): manage.cmd_restart, ("container", "rm"): manage.cmd_rm,
    ("container", "wait"): manage.cmd_wait, ("container", "rename"): manage.cmd_rename,
    ("container", "logs"): logs.cmd_logs, ("container", "exec"): execcmd.cmd_exec,
    ("container", "ls"): listing.cmd_ps, ("container", "inspect"): lambda c, p: inspect.cmd_inspect(c, p, "container"),
    ("container", "prune"): misc.cmd_container_prune,
    ("inspect",): inspect.cmd_inspect,
    ("image", "ls"): listing.cmd_images, ("image", "inspect"): lambda c, p: inspect.cmd_inspect(c, p, "image"),
    ("image", "rm"): misc.cmd_rmi, ("image", "tag"): misc.cmd_tag,
    ("volume", "create"): misc.cmd_volume_create, ("volume", "ls"): listing.cmd_volume_ls,
    ("volume", "inspect"): misc.cmd_volume_inspect, ("volume", "rm"): misc.cmd_volume_rm,
    ("volume", "prune"): misc.cmd_volume_prune,
    ("system", "info"): misc.cmd_info, ("version",): misc.cmd_version,
}

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
    handler = HANDLERS.get(tuple(p.path))
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
