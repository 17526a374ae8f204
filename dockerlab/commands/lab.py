"""`dockerlab lab validate|test|schema`: the teachers' tools for lab files."""
from __future__ import annotations

import argparse
import json
import sys

from dockerlab.tutor.i18n import _, ngettext

NAME = "lab"
USAGE = "dockerlab lab validate|test|schema [FILE...]"
NEEDS_ROOT = False


def summary() -> str:
    return _("check a lab file, test its steps on the engine, print its JSON Schema")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dockerlab lab", description=summary())
    sub = parser.add_subparsers(dest="action", required=True)
    validate = sub.add_parser("validate", help=_("check lab files (file:line:column messages)"))
    validate.add_argument("files", nargs="+", metavar="FILE")
    validate.add_argument("--lang", choices=["fr", "en"], help=_("language of the messages"))
    test = sub.add_parser("test", help=_("run each step's solution: the check must fail "
                                         "before and pass after"))
    test.add_argument("files", nargs="+", metavar="FILE")
    sub.add_parser("schema", help=_("print the JSON Schema of lab files"))
    return parser


def run(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    if args.action == "validate":
        from dockerlab.tutor.labs import validate_files
        text, code = validate_files(args.files, lang=args.lang)
        sys.stdout.write(text)
        return code
    if args.action == "schema":
        from dockerlab.tutor.labs import json_schema
        try:
            print(json.dumps(json_schema(), indent=2, ensure_ascii=False))
        except BrokenPipeError:  # `dockerlab lab schema | head`
            sys.stderr.close()
        return 0
    return _test(args.files)


def _test(files: list[str]) -> int:
    import os
    if os.geteuid() != 0:
        print(_("dockerlab needs root (namespaces, mounts, cgroups): run it with sudo"),
              file=sys.stderr)
        return 1
    from rich.console import Console

    from dockerlab.tutor.labs import LabError, load_lab
    from dockerlab.tutor.labtest import render_table, test_lab
    console = Console(highlight=False)
    failed = 0
    for file in files:
        try:
            lab = load_lab(file)
        except (LabError, OSError) as err:
            print(str(err) or file, file=sys.stderr)
            failed += 1
            continue
        console.print(_("Testing {file} ({n} steps)...").format(file=file, n=len(lab.steps)))
        reports = test_lab(lab)
        console.print(render_table(file, reports))
        bad = sum(not r.ok for r in reports)
        failed += bad
        console.print(ngettext("{n} step misbehaves", "{n} steps misbehave", bad).format(n=bad)
                      if bad else _("every step behaves"))
    return 1 if failed else 0
