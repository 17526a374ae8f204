"""Starting or resuming one student's exam: the log, the clock, the prompt loop.

`open_exam` opens (or creates) the hash-chained log and refuses one that
was edited or belongs to another version of the exam file; `run_exam` is
`dockerlab exam start` once the plan and the key are known.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text

from dockerlab.tutor.i18n import _, current_language, localized
from dockerlab.tutor.shell.runner import CommandRunner

from .chain import ChainBroken, ChainLog
from .clock import ExamClock
from .errors import ExamError
from .loader import ExamPlan
from .result import make_result, write_result
from .session import ExamSession, TimeUp, exam_dir


def read_loop(session: ExamSession, history_file: Path) -> None:
    """The shell's prompt loop, with Ctrl-D as a pause and the clock's TimeUp."""
    from dockerlab.tutor.shell.app import _prompt_session
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    prompt = _prompt_session(session, history_file) if interactive else None
    while True:
        try:
            line = prompt.prompt(session.prompt_text()) if prompt else input(session.prompt_text())
        except KeyboardInterrupt:
            continue
        except TimeUp:
            session.hand_in("time")
            return
        except EOFError:
            session.pause()
            return
        sys.stdout.flush()
        if not session.handle(line):
            return


def open_exam(plan: ExamPlan, root: Path, student: str, name: str) -> tuple[ChainLog, ExamClock]:
    """The student's log (new or resumed) and clock; ExamError when it cannot go on."""
    log_path = exam_dir(root, plan.exam.id, student) / "log.jsonl"
    try:
        log = ChainLog.open(log_path)
    except ChainBroken as err:
        raise ExamError(_("the exam log {file} was modified (record {n}); ask the teacher")
                        .format(file=log_path, n=err.seq)) from None
    limit = plan.exam.minutes * 60 * plan.exam.factor(student)
    if not log.records:
        title = plan.exam.title
        log.append("start", exam=plan.exam.id, title={"fr": title.fr, "en": title.en},
                   digest=plan.digest, student=student, name=name, params=plan.params,
                   factor=plan.exam.factor(student), limit_seconds=limit,
                   lang=current_language())
    start = log.records[0]
    if start.get("digest") != plan.digest:
        raise ExamError(_("the exam file changed since this exam started ({file}); use the "
                          "same file to resume").format(file=plan.file))
    if log.torn:
        log.append("repaired")
    return log, ExamClock(start["t"], start["limit_seconds"])


def run_exam(plan: ExamPlan, root: Path, workdir: Path, engine: Any, student: str, name: str,
             key: bytes, result_path: Path, console: Console | None = None) -> int:
    """`dockerlab exam start`: resume or start, read lines, hand in at the end."""
    from dockerlab.tutor.shell.app import _docker_in_process
    console = console or Console(highlight=False)
    log, clock = open_exam(plan, root, student, name)
    if log.of_kind("end"):
        path = write_result(result_path, make_result(log.records, key))
        console.print(Text(_("This exam was already handed in. Result file: {path}").format(
            path=path), style="bold"))
        return 0
    if len(log.records) > 1:
        log.append("resume")
    runner = CommandRunner(workdir, _docker_in_process(engine))
    runner.env["DOCKERLAB_LANG"] = current_language()
    session = ExamSession(plan, log, clock, result_path, key, console, runner, engine, workdir)
    try:
        console.print(Text(localized(plan.exam.title), style="bold cyan"))
        if clock.over():
            session.hand_in("time")
            return 0
        session.start()
        read_loop(session, exam_dir(root, plan.exam.id, student) / "history")
    finally:
        runner.close()
    return 0
