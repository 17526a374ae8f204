"""`dockerlab start CHAPTER-or-FILE [--reset]`: the guided shell on one lab."""
from __future__ import annotations

import argparse
import sys

from dockerlab.tutor.i18n import _

NAME = "start"
USAGE = "dockerlab start CHAPTER|FILE [--reset]"
NEEDS_ROOT = True


def summary() -> str:
    return _("open the guided shell on a chapter (or any lab file)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dockerlab start", description=summary())
    parser.add_argument("lab", help=_("chapter name (chapitre3) or path of a lab file"))
    parser.add_argument("--reset", action="store_true", help=_("start the lab over"))
    return parser


def load(name: str):
    """The lab for `name`, or None after printing why not."""
    from dockerlab.tutor.labs import LabError, load_lab
    from dockerlab.tutor.labs.catalog import find_lab, labs_dir
    try:
        return load_lab(find_lab(name))
    except FileNotFoundError:
        print(_("no lab called '{name}' (chapters are in {folder}; see dockerlab list)").format(
            name=name, folder=labs_dir()), file=sys.stderr)
    except LabError as err:
        print(_("this lab file has errors:"), file=sys.stderr)
        print(str(err), file=sys.stderr)
    return None


def run(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    lab = load(args.lab)
    if lab is None:
        return 1
    from dockerlab.engine.engine import Engine
    from dockerlab.engine.settings import Settings
    from dockerlab.tutor.shell import run_lab
    from dockerlab.tutor.shell.app import default_workdir, prepare_workdir
    settings = Settings.load()
    workdir = prepare_workdir(default_workdir(lab.id))
    return run_lab(lab, settings.root, workdir, Engine(settings), reset=args.reset)
