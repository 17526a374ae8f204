"""`dockerlab list`: the chapters shipped, their titles and the user's progress."""
from __future__ import annotations

import sys

from dockerlab.tutor.i18n import _

NAME = "list"
USAGE = "dockerlab list"
NEEDS_ROOT = False


def summary() -> str:
    return _("list the chapters and your progress")


def rows() -> list[tuple[str, str, str]]:
    """(id, title, 'done/total') for each shipped lab that loads."""
    import os
    from pathlib import Path

    from dockerlab.engine.settings import DEFAULT_ROOT
    from dockerlab.tutor.i18n import localized
    from dockerlab.tutor.labs import read_lab
    from dockerlab.tutor.labs.catalog import shipped_labs
    from dockerlab.tutor.progress import summary as progress_summary
    root = Path(os.environ.get("DOCKERLAB_ROOT") or DEFAULT_ROOT).absolute()
    out = []
    for path in shipped_labs():
        lab, _found = read_lab(path)
        if lab is None:
            out.append((path.stem, _("(this file has errors: dockerlab lab validate {file})")
                        .format(file=path), "-"))
            continue
        done, total = progress_summary(root, lab.id, [s.id for s in lab.steps])
        out.append((lab.id, localized(lab.title), f"{done}/{total}"))
    return out


def run(argv: list[str]) -> int:
    if argv:
        print(_("usage: {usage}").format(usage=USAGE), file=sys.stderr)
        return 2
    from rich.console import Console
    from rich.table import Table
    table = Table(box=None, pad_edge=False)
    table.add_column(_("CHAPTER"))
    table.add_column(_("TITLE"))
    table.add_column(_("STEPS DONE"), justify="right")
    found = rows()
    for row in found:
        table.add_row(*row)
    if not found:
        print(_("no chapters found"))
        return 0
    Console(highlight=False).print(table)
    print(_("Start one with: sudo dockerlab start CHAPTER"))
    return 0
