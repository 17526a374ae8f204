"""The `dockerlab` command: gathers the subcommands of dockerlab/commands/."""
from __future__ import annotations

import os
import sys

from dockerlab.tutor.i18n import _, set_language

from dockerlab.engine.runtime.trace import mark

from .ending import arm, leave


def _usage(table: dict) -> str:
    rows = [("dockerlab docker ARGS...", _("Docker command line, on the embedded engine"))]
    rows += [(module.USAGE, module.summary()) for module in table.values()]
    rows.append(("--lang fr|en", _("language of messages (default: fr, or DOCKERLAB_LANG)")))
    lines = [_("usage:")]
    for usage, summary in rows:
        lines.append(f"  {usage}")
        lines.append(f"      {summary}")
    return "\n".join(lines)


def _take_lang(argv: list[str]) -> list[str]:
    """`--lang en` may come anywhere before the subcommand's own arguments."""
    out, i = [], 0
    while i < len(argv):
        if argv[i] == "--lang" and i + 1 < len(argv):
            set_language(argv[i + 1])
            i += 2
            continue
        if argv[i].startswith("--lang="):
            set_language(argv[i].split("=", 1)[1])
            i += 1
            continue
        out.append(argv[i])
        i += 1
    return out


def main(argv: list[str] | None = None) -> int:
    """Run `dockerlab ARGV` and exit.

    Without `argv` it runs this process's command line (the console script,
    `python -m dockerlab.main`) and ends the process itself (see ending.py).
    """
    mark("cli.main")
    if argv is None:
        arm()
    argv = list(sys.argv[1:] if argv is None else argv)
    set_language(os.environ.get("DOCKERLAB_LANG"))
    if argv and argv[0] == "docker":
        from dockerlab.engine.runtime import zygote
        zygote.disable()          # one command, at most one start: forking itself is cheaper
        from dockerlab.cli.main import docker_main
        leave(docker_main(argv[1:]))
    argv = _take_lang(argv)
    from .commands import all_subcommands
    table = all_subcommands()
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(_usage(table))
        leave(0 if argv else 2)
    module = table.get(argv[0])
    if module is None:
        print(_("unknown command: {cmd}").format(cmd=argv[0]), file=sys.stderr)
        print(_usage(table), file=sys.stderr)
        leave(2)
    if module.NEEDS_ROOT and os.geteuid() != 0:
        print(_("dockerlab needs root (namespaces, mounts, cgroups): run it with sudo"), file=sys.stderr)
        leave(1)
    leave(module.run(argv[1:]))


if __name__ == "__main__":
    main()
