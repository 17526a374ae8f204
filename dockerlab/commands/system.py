"""`dockerlab system reset`: remove everything dockerlab made."""
from __future__ import annotations

import sys

from dockerlab.tutor.i18n import _

NAME = "system"
USAGE = "dockerlab system reset"
NEEDS_ROOT = True


def summary() -> str:
    return _("remove every container, mount, link and file dockerlab made")


def run(argv: list[str]) -> int:
    if argv[:1] != ["reset"]:
        print(_("usage: {usage}").format(usage=USAGE), file=sys.stderr)
        return 2
    from dockerlab.engine.reset import reset
    from dockerlab.engine.settings import Settings
    settings = Settings.load()
    reset(settings)
    print(_("Everything dockerlab made under {root} has been removed.").format(root=settings.root))
    return 0
