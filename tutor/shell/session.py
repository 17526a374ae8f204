"""One student in one lab: steps, built-ins, commands and checks.

The session holds no terminal: it reads lines (`handle`) and writes to a
rich Console, so it is driven the same way by the prompt_toolkit loop
(tutor/shell/app.py), by tests, and by an exam built on top of it.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable, Sequence

from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from dockerlab.tutor.checks import CheckContext, CheckResult, History, evaluate_step
from dockerlab.tutor.i18n import _, localized, set_language
from dockerlab.tutor.labs.running import run_setup
from dockerlab.tutor.labs.schema import Lab, Quiz, Step
from dockerlab.tutor.progress import Progress

from . import render
from .builtins import builtin_of
from .policy import GUIDED, ShellPolicy
from .runner import CommandRunner, Outcome

_ANSWER = re.compile(r"^\s*\d+([\s,]+\d+)*\s*$")


class LabSession:
    """The state of the guided shell and what each line does to it."""

    def __init__(self, lab: Lab, console: Console, progress: Progress, runner: CommandRunner,
                 engine: Any = None, workdir: Path | None = None,
                 policy: ShellPolicy = GUIDED) -> None:
        self.lab, self.console, self.progress = lab, console, progress
        self.runner, self.engine, self.policy = runner, engine, policy
        self.workdir = Path(workdir or runner.cwd)
        self.history = History()
        self.mark = 0
        self.finished = False
        self.progress.clamp(len(lab.steps))

    # -- where we are -------------------------------------------------------------
    @property
    def index(self) -> int:
        return self.progress.step

    @property
    def step(self) -> Step:
        return self.lab.steps[self.index]

    def prompt_text(self) -> str:
        return f"{self.lab.id} [{self.index + 1}/{len(self.lab.steps)}] $ "

    def is_done(self, step: Step | None = None) -> bool:
        return (step or self.step).id in self.progress.done

    # -- starting and moving --------------------------------------------------------
    def start(self) -> None:
        """Show where the student is (resumed or not) and prepare the step."""
        resumed = self.index > 0 or bool(self.progress.done)
        if resumed:
            self.say(_("Resuming at step {n}/{total} (dockerlab start {lab} --reset starts "
                       "over).").format(n=self.index + 1, total=len(self.lab.steps),
                                        lab=self.lab.id), style="dim")
        self.enter_step(setup=not (resumed and self.is_done()))

    def enter_step(self, setup: bool = True) -> None:
        """Show the step and run its setup (not when resuming a step already
        done: the setup would undo the student's work)."""
        self.mark = self.history.mark()
        render.show_step(self.console, self.lab, self.index, self.is_done())
        if not setup:
            return
        failures = run_setup(self.step.setup, self.engine, self.workdir, self.runner.env)
        for failure in failures:
            self.say(_("setup of this step failed: {what}").format(what=failure), style="red")

    def go(self, index: int) -> None:
        self.progress.step = index
        self.progress.save()
        self.enter_step()

    # -- one line -------------------------------------------------------------------
    def handle(self, line: str) -> bool:
        """Do what `line` says; False when the student leaves."""
        line = line.strip()
        if not line:
            return True
        found = builtin_of(line)
        if found is None and self.step.quizzes and _ANSWER.match(line):
            found = ("answer", line.replace(",", " ").split())
        if found is not None:
            key, args = found
            if not self.policy.allows(key):
                self.say(_("'{cmd}' is not available here.").format(cmd=line.split()[0]),
                         style="yellow")
                return True
            return getattr(self, f"do_{key}")(args) is not False
        self.run_command(line)
        return True

    def run_command(self, line: str) -> Outcome:
        outcome = self.runner.run(line)
        self.history.add(outcome.argv, outcome.output, outcome.exit_code)
        if self.policy.on_command:
            self.policy.on_command(line, outcome.exit_code, outcome.output)
        if outcome.output and not outcome.output.endswith("\n"):
            self.console.print()  # `-ti` detached mid-line, `printf` without newline...
        if self.step.check:
            self.verdict(all_lines=False, quiet_when_ok=self.is_done())
        return outcome

    # -- checks -----------------------------------------------------------------------
    def context(self) -> CheckContext:
        return CheckContext(engine=self.engine, history=self.history.since(self.mark),
                            workdir=self.workdir, quizzes=self.lab.quizzes(),
                            answers=self.progress.answers)

    def evaluate(self) -> list[CheckResult]:
        results = evaluate_step(self.step, self.context())
        if self.policy.on_check:
            self.policy.on_check(self.step.id, results)
        return results

    def verdict(self, all_lines: bool, quiet_when_ok: bool = False) -> list[CheckResult]:
        results = self.evaluate()
        ok = all(r.ok for r in results)
        newly = ok and self.progress.mark_done(self.step.id)
        if ok and quiet_when_ok and not newly:
            return results
        if not ok and quiet_when_ok:
            return results
        render.show_verdict(self.console, results, all_lines, self.policy.show_feedback)
        if newly and self.index == len(self.lab.steps) - 1:
            self.finish_message()
        return results

    def finish_message(self) -> None:
        done = len(set(self.progress.done) & {s.id for s in self.lab.steps})
        self.say(_("Last step of the lab: {done}/{total} steps done.").format(
            done=done, total=len(self.lab.steps)), style="bold")

    # -- built-ins --------------------------------------------------------------------
    def say(self, text: str, style: str = "") -> None:
        self.console.print(Text(text, style=style))

    def allowed(self) -> list[str]:
        keys = ["help", "step", "hint", "solution", "check", "answer", "next", "prev", "reset",
                "lang", "exit"]
        return [k for k in keys if self.policy.allows(k)]

    def do_help(self, args: list[str]) -> None:
        render.show_help(self.console, self.allowed())

    def do_step(self, args: list[str]) -> None:
        render.show_step(self.console, self.lab, self.index, self.is_done())

    def do_hint(self, args: list[str]) -> None:
        hints = self.step.hints
        if not hints:
            self.say(_("This step has no hints."), style="yellow")
            return
        shown = min(self.progress.hints.get(self.step.id, 0) + 1, len(hints))
        self.progress.hints[self.step.id] = shown
        self.progress.save()
        for n in range(shown):
            label = _("Hint {n}/{total}").format(n=n + 1, total=len(hints))
            style = "bold magenta" if n == shown - 1 else "dim"
            self.console.print(Text(f"💡 {label}: {localized(hints[n])}", style=style))
        if shown == len(hints):
            self.say(_("That was the last hint; 'solution' shows the answer."), style="dim")

    def do_solution(self, args: list[str]) -> None:
        step = self.step
        lines = list(step.solution)
        for quiz in step.quizzes:
            lines.append(_("{question} → answer {numbers}").format(
                question=localized(quiz.question), numbers=" ".join(map(str, quiz.answer))))
        if not lines:
            self.say(_("This step has no written solution."), style="yellow")
            return
        if step.id not in self.progress.solutions:
            self.progress.solutions.append(step.id)
            self.progress.save()
        self.console.print(Panel("\n".join(lines), title=_("Solution"), title_align="left",
                                 border_style="magenta"), highlight=False)

    def do_check(self, args: list[str]) -> None:
        if not self.step.check and not self.step.quizzes:
            self.progress.mark_done(self.step.id)
            self.say("✓ " + _("Nothing to check in this step."), style="green")
            return
        self.verdict(all_lines=True)

    def do_next(self, args: list[str]) -> None:
        if self.index + 1 >= len(self.lab.steps):
            self.say(_("This is the last step."), style="yellow")
            self.finish_message()
            return
        if not self.is_done() and (self.step.check or self.step.quizzes):
            self.say(_("This step is not complete yet; you can come back to it with "
                       "'précédent' (prev)."), style="dim")
        self.go(self.index + 1)

    def do_prev(self, args: list[str]) -> None:
        if self.index == 0:
            self.say(_("This is the first step."), style="yellow")
            return
        self.go(self.index - 1)

    def do_reset(self, args: list[str]) -> None:
        step = self.step
        if step.id in self.progress.done:
            self.progress.done.remove(step.id)
        for quiz in step.quizzes:
            self.progress.answers.pop(quiz.id, None)
        self.progress.hints.pop(step.id, None)
        self.progress.save()
        self.say(_("Step {n} starts again.").format(n=self.index + 1), style="dim")
        self.enter_step()

    def do_lang(self, args: list[str]) -> None:
        if len(args) != 1:
            self.say(_("usage: langue fr|en"), style="yellow")
            return
        try:
            set_language(args[0])
        except ValueError as err:
            self.say(str(err), style="red")
            return
        self.runner.env["DOCKERLAB_LANG"] = args[0]
        render.show_step(self.console, self.lab, self.index, self.is_done())

    def do_exit(self, args: list[str]) -> bool:
        self.progress.save()
        self.say(_("Progress saved. See you soon!"), style="dim")
        return False

    def read_answer(self, args: list[str],
                    default: Callable[[Sequence[Quiz]], Quiz]) -> tuple[Quiz, list[int]] | None:
        """The quiz `args` answers (its id first, else `default`) and the numbers chosen.

        None, after telling the student why, when the step has no quiz or the numbers are bad.
        """
        quizzes = self.step.quizzes
        if not quizzes:
            self.say(_("This step has no quiz."), style="yellow")
            return None
        quiz = next((q for q in quizzes if args and q.id == args[0]), None)
        if quiz is not None:
            args = args[1:]
        else:
            quiz = default(quizzes)
        try:
            chosen = [int(a) for a in " ".join(args).replace(",", " ").split()]
        except ValueError:
            chosen = []
        if not chosen or any(not 1 <= c <= len(quiz.choices) for c in chosen):
            self.say(_("Answer with the numbers of the choices, from 1 to {n}.").format(
                n=len(quiz.choices)), style="yellow")
            return None
        return quiz, chosen

    def do_answer(self, args: list[str]) -> None:
        answer = self.read_answer(args, self.open_quiz)
        if answer is None:
            return
        quiz, chosen = answer
        quizzes = self.step.quizzes
        self.progress.answers[quiz.id] = chosen
        self.progress.save()
        self.quiz_feedback(quiz, chosen)
        if not quiz.is_correct(chosen):
            return
        if all(q.is_correct(self.progress.answers.get(q.id, [])) for q in quizzes):
            self.verdict(all_lines=False)
        else:
            nxt = self.open_quiz(quizzes)
            self.console.print(render.quiz_block(nxt, quizzes.index(nxt) + 1))

    def open_quiz(self, quizzes: Sequence[Quiz]) -> Quiz:
        """The first quiz of the step not answered right yet (else the first)."""
        for quiz in quizzes:
            if not quiz.is_correct(self.progress.answers.get(quiz.id, [])):
                return quiz
        return quizzes[0]

    def quiz_feedback(self, quiz: Quiz, chosen: list[int]) -> None:
        if quiz.is_correct(chosen):
            self.say("✓ " + _("Right answer."), style="green")
            if quiz.explanation is not None:
                self.say(localized(quiz.explanation), style="dim")
        elif self.policy.show_feedback:
            self.say("✗ " + _("Wrong answer, try again."),
                     style="yellow")
