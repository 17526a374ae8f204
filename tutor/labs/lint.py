"""Rules a single pydantic model cannot see: they span the whole document.

They run once the document is otherwise valid: duplicate ids, quiz checks
naming no quiz, texts lacking English, docker commands the CLI refuses
(see `dockerlint`). Each rule is a function `(document, positions,
report)`; `GENERIC_RULES` hold for every file of the schema family (labs,
exams), `LAB_RULES` only for labs.
"""
from __future__ import annotations

from typing import Any, Callable

from dockerlab.tutor.checks.models import Check
from dockerlab.tutor.checks.rules import suggest
from dockerlab.tutor.i18n import N_, Localized
from dockerlab.tutor.labs.diagnostics import Report
from dockerlab.tutor.labs.dockerlint import command_checks_parse, docker_lines_parse
from dockerlab.tutor.labs.schema import Lab
from dockerlab.tutor.labs.walk import walk
from dockerlab.tutor.labs.yamlpos import Path, PositionedYaml


Rule = Callable[[Any, PositionedYaml, Report], None]


def missing_english(model: Any, doc: PositionedYaml, report: Report) -> None:
    """English is optional (French is shown instead) but should be written."""
    for path, value in walk(model):
        if isinstance(value, Localized) and not value.en:
            report(path, N_("missing English translation ('en'); French will be shown"),
                   "warning")


def _unique(items: list[tuple[Path, str]], msgid: str, doc: PositionedYaml,
            report: Report) -> None:
    seen: dict[str, Path] = {}
    for path, ident in items:
        if ident in seen:
            report(path, msgid, id=ident, line=doc.value_position(seen[ident]).line)
        else:
            seen[ident] = path


def unique_ids(lab: Lab, doc: PositionedYaml, report: Report) -> None:
    """Step ids name progress entries and quiz ids name answers: no twins."""
    steps = [(("steps", i, "id"), s.id) for i, s in enumerate(lab.steps)]
    _unique(steps, N_("duplicate step id '{id}' (first used at line {line})"), doc, report)
    quizzes = [(("steps", i, "quizzes", j, "id"), q.id)
               for i, s in enumerate(lab.steps) for j, q in enumerate(s.quizzes)]
    _unique(quizzes, N_("duplicate quiz id '{id}' (first used at line {line})"), doc, report)


def quiz_references(lab: Lab, doc: PositionedYaml, report: Report) -> None:
    """A `quiz:` check must name a quiz of this lab."""
    known = list(lab.quizzes())
    for path, value in walk(lab):
        if isinstance(value, Check) and value.quiz is not None and value.quiz not in known:
            guess = suggest(value.quiz, known)
            if guess:
                report(path + ("quiz",), N_("quiz '{id}' does not exist in this lab "
                                            "(did you mean '{suggestion}'?)"),
                       id=value.quiz, suggestion=guess)
            else:
                report(path + ("quiz",), N_("quiz '{id}' does not exist in this lab"),
                       id=value.quiz)


def steps_without_checks(lab: Lab, doc: PositionedYaml, report: Report) -> None:
    """A step with neither check nor quiz is complete as soon as it is shown."""
    for i, step in enumerate(lab.steps):
        if not step.check and not step.quizzes:
            report(("steps", i, "id"), N_("step '{id}' has no check and no quiz: it is "
                                          "always complete"), "warning", id=step.id)


GENERIC_RULES: list[Rule] = [missing_english]
LAB_RULES: list[Rule] = [unique_ids, quiz_references, steps_without_checks,
                         command_checks_parse, docker_lines_parse]
