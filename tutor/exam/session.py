"""The guided shell in exam mode: no hints, no solutions, a clock, a log.

`ExamSession` is a `LabSession` whose every typed line, command result,
check evaluation, quiz answer and step change is appended to the exam's
hash-chained log before the shell goes on. Restarting the same exam for
the same student replays that log (history, answers, current step) and
keeps the clock. `quitter` twice hands the exam in: every check is graded
on the engine's real state, and the signed result file is written.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console

from dockerlab.tutor.i18n import _
from dockerlab.tutor.progress import Progress
from dockerlab.tutor.shell.policy import ShellPolicy
from dockerlab.tutor.shell.runner import CommandRunner, Outcome
from dockerlab.tutor.shell.session import LabSession

from .chain import ChainLog
from .clock import ExamClock, clock_text
from .grading import grade, totals
from .loader import ExamPlan
from .result import make_result, write_result

LOG_OUTPUT = 16 * 1024  # output kept per command in the log (the end of it)


class TimeUp(Exception):
    """Raised into the prompt when the clock reaches zero."""


def exam_dir(root: Path, exam_id: str, student: str) -> Path:
    return Path(root) / "exams" / exam_id / student


def policy_for(plan: ExamPlan, log: ChainLog, clock: ExamClock) -> ShellPolicy:
    exam = plan.exam
    disabled = {"hint", "solution", "reset"}
    if not exam.any_order:
        disabled.add("prev")
    if not exam.allow_check:
        disabled.add("check")
    return ShellPolicy(
        disabled=frozenset(disabled), toolbar=lambda: toolbar(clock), refresh_interval=1.0,
        on_check=lambda step, results: log.append("check", step=step,
                                                  ok=[r.ok for r in results]),
        show_feedback=False)


def toolbar(clock: ExamClock) -> str:
    """The countdown; when it reaches zero, the prompt is ended (TimeUp)."""
    left = clock.remaining()
    if left <= 0:
        _end_prompt()
        return "⏱ " + _("time is up")
    return "⏱ " + _("{time} left").format(time=clock_text(left))


def _end_prompt() -> None:
    try:
        from prompt_toolkit.application import get_app
        app = get_app()
        if app.is_running and not app.future.done():
            app.exit(exception=TimeUp())
    except Exception:  # noqa: BLE001 - no prompt running: the next line will see the time
        pass


class ExamSession(LabSession):
    """One student's exam in the shell."""

    def __init__(self, plan: ExamPlan, log: ChainLog, clock: ExamClock, result_path: Path,
                 key: bytes, console: Console, runner: CommandRunner, engine: Any,
                 workdir: Path):
        progress = Progress(lab_id=plan.exam.id, path=None)
        super().__init__(plan.lab, console, progress, runner, engine=engine, workdir=workdir,
                         policy=policy_for(plan, log, clock))
        self.plan, self.log, self.clock = plan, log, clock
        self.result_path, self.key = result_path, key
        self.confirm_exit = False
        self.handed_in = False
        self.visited: set[int] = set()
        self.replay()

    # -- the log ----------------------------------------------------------------------
    def replay(self) -> None:
        """Rebuild what the shell knew from the log (after a kill or a pause)."""
        if len(self.log.records) > 1:
            self.visited.add(0)  # the first step was shown (and set up) at the start
        for record in self.log.records:
            kind = record["kind"]
            if kind == "command":
                self.history.add(record["argv"], record["output"], record["exit_code"])
            elif kind == "answer":
                self.progress.answers[record["quiz"]] = list(record["chosen"])
            elif kind == "step":
                self.progress.step = record["index"]
                self.visited.add(record["index"])
        self.progress.clamp(len(self.lab.steps))

    def start(self) -> None:
        resumed = len(self.log.records) > 1
        if resumed:
            self.say(_("Exam resumed: your commands and answers are kept; the clock kept "
                       "running ({time} left).").format(time=clock_text(self.clock.remaining())),
                     style="bold")
        else:
            self.say(_("Exam: no hints and no solutions. 'quitter' (exit) hands it in. "
                       "Time: {time}.").format(time=clock_text(self.clock.remaining())),
                     style="bold")
        if resumed:
            self.visited.add(self.index)
        self.enter_step()

    def enter_step(self, setup: bool = True) -> None:
        """A step's setup runs the first time only: coming back must not undo work."""
        first = self.index not in self.visited
        self.visited.add(self.index)
        super().enter_step(setup and first)
        self.mark = 0

    def prompt_text(self) -> str:
        """The time left is in the prompt too: terminals that cannot place the
        bottom toolbar (no cursor position report) still show it."""
        left = clock_text(self.clock.remaining())
        return f"{self.lab.id} [{self.index + 1}/{len(self.lab.steps)}] ⏱{left} $ "

    # -- lines --------------------------------------------------------------------------
    def handle(self, line: str) -> bool:
        if self.clock.over():
            self.hand_in("time")
            return False
        if line.strip():
            self.log.append("line", line=line)
        if self.confirm_exit and line.strip().split()[:1] not in (["quitter"], ["exit"],
                                                                  ["quit"]):
            self.confirm_exit = False
        go_on = super().handle(line)
        if go_on and self.clock.over():
            self.hand_in("time")
            return False
        return go_on

    def run_command(self, line: str) -> Outcome:
        outcome = self.runner.run(line)
        self.history.add(outcome.argv, outcome.output, outcome.exit_code)
        self.log.append("command", line=line, argv=list(outcome.argv),
                        exit_code=outcome.exit_code, output=outcome.output[-LOG_OUTPUT:])
        if outcome.output and not outcome.output.endswith("\n"):
            self.console.print()
        return outcome

    def verdict(self, all_lines: bool, quiet_when_ok: bool = False) -> list:
        """Only `vérifier` (when the exam allows it) evaluates, and says ✓ or not yet."""
        if not all_lines:
            return []
        results = self.evaluate()
        if all(r.ok for r in results):
            self.say("✓ " + _("This step's checks hold now."), style="green")
        else:
            self.say("✗ " + _("Not yet."), style="yellow")
        return results

    def go(self, index: int) -> None:
        self.log.append("step", index=index)
        self.progress.step = index
        self.enter_step()

    def do_next(self, args: list[str]) -> None:
        if self.index + 1 >= len(self.lab.steps):
            self.say(_("This is the last step; 'quitter' (exit) hands the exam in."),
                     style="yellow")
            return
        if not self.plan.exam.any_order:
            self.say(_("Steps go in order: you cannot come back to this one."), style="dim")
        self.go(self.index + 1)

    def do_step(self, args: list[str]) -> None:
        """`étape N` jumps to step N when the exam allows any order."""
        if args and self.plan.exam.any_order:
            if args[0].isdigit() and 1 <= int(args[0]) <= len(self.lab.steps):
                self.go(int(args[0]) - 1)
                return
            self.say(_("usage: étape N, N from 1 to {n}").format(n=len(self.lab.steps)),
                     style="yellow")
            return
        super().do_step(args)

    def do_answer(self, args: list[str]) -> None:
        """Record the answer without saying whether it is right."""
        answer = self.read_answer(args, lambda quizzes: next(
            (q for q in quizzes if q.id not in self.progress.answers), quizzes[0]))
        if answer is None:
            return
        quiz, chosen = answer
        self.progress.answers[quiz.id] = chosen
        self.log.append("answer", quiz=quiz.id, chosen=chosen)
        self.say(_("Answer recorded: {numbers}.").format(
            numbers=" ".join(map(str, chosen))), style="dim")

    def do_exit(self, args: list[str]) -> bool:
        if not self.confirm_exit:
            self.confirm_exit = True
            self.say(_("Type 'quitter' (exit) again to hand in your exam; you cannot come "
                       "back to it afterwards."), style="bold yellow")
            return True
        self.hand_in("handed-in")
        return False

    def pause(self) -> None:
        """Ctrl-D: leave without handing in (the clock keeps running)."""
        self.log.append("pause")
        self.say(_("Exam paused; the clock keeps running. Run the same command to resume."),
                 style="bold")

    # -- the end ----------------------------------------------------------------------------
    def hand_in(self, reason: str) -> Path:
        """Grade on the real state, close the log, write the signed result."""
        if reason == "time":
            self.say(_("Time is up."), style="bold red")
        entries = grade(self.plan, self.engine, self.history, self.workdir,
                        self.progress.answers)
        self.log.append("final", checks=entries, totals=totals(entries, self.plan.exam.scale))
        self.log.append("end", reason=reason)
        path = write_result(self.result_path, make_result(self.log.records, self.key))
        self.handed_in = True
        self.say(_("Exam handed in. Result file: {path}").format(path=path), style="bold green")
        return path
