"""The `dockerlab` command: the Docker CLI, the machine check, images and resets."""
from __future__ import annotations

import os
import sys

from dockerlab.tutor.i18n import _, set_language

USAGE = """dockerlab docker ARGS...        {docker}
dockerlab doctor                {doctor}
dockerlab images prepare [NAME] {prepare}
dockerlab system reset          {reset}"""


def _usage() -> str:
    return USAGE.format(docker=_("Docker's command line, on the embedded engine"),
                        doctor=_("what this machine allows"),
                        prepare=_("build the base images a lab needs"),
                        reset=_("remove every container, mount, link and file dockerlab made"))


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
    argv = list(sys.argv[1:] if argv is None else argv)
    set_language(os.environ.get("DOCKERLAB_LANG"))
    if argv and argv[0] == "docker":
        from dockerlab.cli.main import docker_main
        sys.exit(docker_main(argv[1:]))
    argv = _take_lang(argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(_usage())
        sys.exit(0 if argv else 2)
    cmd, rest = argv[0], argv[1:]
    if cmd == "doctor":
        from . import doctor
        sys.exit(doctor.run())
    if cmd in ("system", "images") and os.geteuid() != 0:
        print(_("dockerlab needs root (namespaces, mounts, cgroups): run it with sudo"), file=sys.stderr)
        sys.exit(1)
    if cmd == "system" and rest[:1] == ["reset"]:
        from dockerlab.engine.reset import reset
        from dockerlab.engine.settings import Settings
        settings = Settings.load()
        reset(settings)
        print(_("Everything dockerlab made under {root} has been removed.").format(root=settings.root))
        sys.exit(0)
    if cmd == "images" and rest[:1] == ["prepare"]:
        from .prepare import prepare
        sys.exit(prepare(rest[1:]))
    print(_("unknown command: {cmd}").format(cmd=cmd), file=sys.stderr)
    print(_usage(), file=sys.stderr)
    sys.exit(2)
