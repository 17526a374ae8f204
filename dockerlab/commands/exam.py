"""`dockerlab exam start|grade|validate`: graded practicals and marks for the LMS."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from dockerlab.tutor.i18n import _

NAME = "exam"
USAGE = "dockerlab exam start|grade|validate ..."
NEEDS_ROOT = False  # `grade` and `validate` do not touch the engine; `start` checks


def summary() -> str:
    return _("run a graded exam, grade result files, check an exam file")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dockerlab exam", description=summary())
    sub = parser.add_subparsers(dest="action", required=True)
    start = sub.add_parser("start", help=_("take an exam in the guided shell"))
    start.add_argument("exam", metavar="EXAM.yaml")
    start.add_argument("--student", required=True, metavar="ID",
                       help=_("the student's LMS identifier (letters, digits, . _ @ + -)"))
    start.add_argument("--name", default="", help=_("the student's full name"))
    start.add_argument("--key-file", metavar="FILE",
                       help=_("the teacher's HMAC key (default: $DOCKERLAB_EXAM_KEY)"))
    start.add_argument("--result", metavar="FILE", help=_("where to write the result file"))
    grade = sub.add_parser("grade", help=_("verify result files and export the marks"))
    grade.add_argument("results", nargs="+", metavar="RESULT")
    grade.add_argument("--exam", metavar="EXAM.yaml",
                       help=_("refuse results of any other exam than this file"))
    grade.add_argument("--key-file", metavar="FILE",
                       help=_("the teacher's HMAC key (default: $DOCKERLAB_EXAM_KEY)"))
    grade.add_argument("--csv", metavar="FILE", help=_("CSV for the LMS grade import"))
    grade.add_argument("--sep", default=",", help=_("CSV separator (default ',')"))
    grade.add_argument("--json", metavar="FILE", help=_("JSON with each check's mark"))
    grade.add_argument("--html", metavar="FILE", help=_("HTML report"))
    validate = sub.add_parser("validate", help=_("check exam files (file:line:column messages)"))
    validate.add_argument("files", nargs="+", metavar="FILE")
    validate.add_argument("--lang", choices=["fr", "en"], help=_("language of the messages"))
    return parser


def run(argv: list[str]) -> int:
    from dockerlab.tutor.exam.errors import ExamError
    args = _parser().parse_args(argv)
    try:
        if args.action == "validate":
            from dockerlab.tutor.exam.loader import validate_exams
            text, code = validate_exams(args.files, lang=args.lang)
            sys.stdout.write(text)
            return code
        if args.action == "grade":
            return _grade(args)
        return _start(args)
    except ExamError as err:
        print(f"dockerlab exam: {err}", file=sys.stderr)
        return 1


def _start(args: argparse.Namespace) -> int:
    from dockerlab.tutor.exam.errors import ExamError
    from dockerlab.tutor.exam.schema import check_student_id
    from dockerlab.tutor.exam.signing import load_key
    from dockerlab.tutor.labs import LabError
    try:
        check_student_id(args.student)
    except ValueError:
        raise ExamError(_("invalid student id '{id}': an LMS accepts letters, digits and "
                          ". _ @ + - only (no spaces or accents; put the name in --name)")
                        .format(id=args.student)) from None
    key = load_key(args.key_file)
    if os.geteuid() != 0:
        raise ExamError(_("dockerlab needs root (namespaces, mounts, cgroups): run it with sudo"))
    from dockerlab.tutor.exam.loader import plan_for
    try:
        plan = plan_for(args.exam, args.student)
    except FileNotFoundError:
        raise ExamError(_("no exam file {file}").format(file=args.exam)) from None
    except LabError as err:
        raise ExamError(_("this exam file has errors:") + "\n" + str(err)) from None
    from dockerlab.engine.engine import Engine
    from dockerlab.engine.settings import Settings
    from dockerlab.tutor.exam.run import run_exam
    from dockerlab.tutor.exam.session import exam_dir
    from dockerlab.tutor.shell.app import default_workdir, prepare_workdir
    settings = Settings.load()
    workdir = prepare_workdir(default_workdir(f"{plan.exam.id}-{args.student}"))
    result = Path(args.result) if args.result else \
        exam_dir(settings.root, plan.exam.id, args.student) / "result.json"
    return run_exam(plan, settings.root, workdir, Engine(settings), args.student, args.name,
                    key, result)


def _grade(args: argparse.Namespace) -> int:
    from dockerlab.tutor.exam.export import collect, write_exports
    from dockerlab.tutor.exam.signing import load_key
    key = load_key(args.key_file)
    expected = None
    if args.exam:
        from dockerlab.tutor.exam.loader import digest_of, load_exam
        from dockerlab.tutor.labs import LabError
        try:
            expected = (load_exam(args.exam).id, digest_of(args.exam))
        except (LabError, OSError) as err:
            print(str(err), file=sys.stderr)
            return 1
    report = collect([Path(p) for p in args.results], key, expected)
    for path, reasons in report.rejected:
        for reason in reasons:
            print(_("{file}: refused: {reason}").format(file=path, reason=reason), file=sys.stderr)
    write_exports(report, csv_path=args.csv, sep=args.sep, json_path=args.json,
                  html_path=args.html)
    for row in report.rows:
        print(f"{row['student']['id']}\t{row['student']['name']}\t{row['grade']:g}/"
              f"{row['scale']:g}")
    return 1 if report.rejected else 0
