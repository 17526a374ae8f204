"""How the guided shell shows things: the step panel, verdicts, hints.

Everything goes through one rich `Console`, so tests can render into a
string and the shell into the terminal.
"""
from __future__ import annotations

from typing import Sequence

from rich.console import Console, Group
from rich.markdown import Markdown
from rich.panel import Panel
from rich.text import Text

from dockerlab.tutor.checks import CheckResult
from dockerlab.tutor.i18n import _, localized
from dockerlab.tutor.labs.schema import Lab, Quiz

from .builtins import HELP


def quiz_block(quiz: Quiz, number: int | None = None) -> Text:
    mark = _("(several answers)") if quiz.multiple else _("(one answer)")
    head = f"{number}. " if number else ""
    text = Text(f"{head}{localized(quiz.question)} ", style="bold")
    text.append(mark, style="dim")
    for i, choice in enumerate(quiz.choices, 1):
        text.append(f"\n   {i}) {localized(choice)}", style="")
    return text


def step_panel(lab: Lab, index: int, done: bool) -> Panel:
    step = lab.steps[index]
    parts: list = []
    if step.text is not None:
        parts.append(Markdown(localized(step.text)))
    several = len(step.quizzes) > 1
    for n, quiz in enumerate(step.quizzes, 1):
        parts.append(Text(""))
        parts.append(quiz_block(quiz, n if several else None))
    if step.quizzes:
        parts.append(Text(_("Answer with: réponse N (answer N), e.g. réponse 2 or réponse 1 3"),
                          style="dim"))
    status = " ✓" if done else ""
    title = f"{localized(lab.title)} — {index + 1}/{len(lab.steps)} · {localized(step.title)}{status}"
    subtitle = _("type 'aide' (help) for the commands")
    return Panel(Group(*parts) if parts else Text(""), title=title, title_align="left",
                 subtitle=subtitle, subtitle_align="right", border_style="cyan")


def show_step(console: Console, lab: Lab, index: int, done: bool) -> None:
    console.print(step_panel(lab, index, done))


def show_verdict(console: Console, results: Sequence[CheckResult], all_lines: bool,
                 feedback: bool = True) -> None:
    """✓ when everything holds; else what is missing (first only, or each one)."""
    if all(r.ok for r in results):
        console.print(Text("✓ " + _("Step complete! Type 'suivant' (next) to go on."),
                           style="bold green"))
        return
    if not feedback:
        console.print(Text("✗ " + _("Not yet."), style="yellow"))
        return
    for result in results:
        if result.ok and all_lines:
            console.print(Text("  ✓ " + _("done"), style="green"))
        elif not result.ok:
            console.print(Text("✗ " + (result.text() or _("not yet")), style="yellow"))
            if not all_lines:
                return


def show_help(console: Console, allowed: Sequence[str]) -> None:
    console.print(Text(_("Commands of the guided shell (French or English):"), style="bold"))
    from .builtins import NAMES
    for fr, en, what in HELP:
        key = NAMES[fr.split()[0]]
        if key in allowed:
            console.print(f"  [bold]{fr:<14}[/bold] {en:<14} {_(what)}", highlight=False)
    console.print(_("Any other line runs in the shell: docker ..., ls, cat, curl, mkdir, an "
                    "editor..."), highlight=False)
