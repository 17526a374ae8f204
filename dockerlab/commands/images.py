"""`dockerlab images prepare [NAME...]`: build catalog base images."""
from __future__ import annotations

import sys

from dockerlab.tutor.i18n import _

NAME = "images"
USAGE = "dockerlab images prepare [NAME...]"
NEEDS_ROOT = True


def summary() -> str:
    return _("build the base images a lab needs")


def run(argv: list[str]) -> int:
    if argv[:1] != ["prepare"]:
        print(_("usage: {usage}").format(usage=USAGE), file=sys.stderr)
        return 2
    from dockerlab.prepare import prepare
    return prepare(argv[1:])
