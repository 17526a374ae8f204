"""`dockerlab doctor`: what this machine allows."""
from __future__ import annotations

from dockerlab.tutor.i18n import _

NAME = "doctor"
USAGE = "dockerlab doctor"
NEEDS_ROOT = False


def summary() -> str:
    return _("what this machine allows")


def run(argv: list[str]) -> int:
    from dockerlab import doctor
    return doctor.run()
