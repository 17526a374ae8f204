"""`evaluate(check, ctx)`: one verdict per check, combinators included.

Each kind has one evaluator `(spec, ctx) -> (ok, details)`. Engine errors
(a container that vanished, exec in a stopped container) and unreadable
files are verdicts, not crashes: the student sees the failed check with
Docker's (or the system's) message, and the guided shell keeps running.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

from dockerlab.engine.errors import EngineError
from dockerlab.tutor.checks.actions import evaluate_command
from dockerlab.tutor.checks.containers import evaluate_container
from dockerlab.tutor.checks.context import CheckContext, CheckResult
from dockerlab.tutor.checks.effects import evaluate_exec, evaluate_http, evaluate_output
from dockerlab.tutor.checks.images import evaluate_image
from dockerlab.tutor.checks.matching import show
from dockerlab.tutor.checks.models import Check
from dockerlab.tutor.checks.resources import evaluate_file, evaluate_network, evaluate_volume
from dockerlab.tutor.i18n import _

Evaluator = Callable[[Any, CheckContext], "tuple[bool, str]"]


def evaluate_quiz(quiz_id: str, ctx: CheckContext) -> tuple[bool, str]:
    quiz = ctx.quizzes.get(quiz_id)
    if quiz is None:
        return False, _("quiz '{id}' does not exist in this lab").format(id=quiz_id)
    chosen = ctx.answers.get(quiz_id)
    if chosen is None:
        return False, _("quiz '{id}' has not been answered yet").format(id=quiz_id)
    if not quiz.is_correct(list(chosen)):
        return False, _("wrong answer to quiz '{id}'").format(id=quiz_id)
    return True, ""


EVALUATORS: dict[str, Evaluator] = {
    "container": evaluate_container,
    "image": evaluate_image,
    "network": evaluate_network,
    "volume": evaluate_volume,
    "file": evaluate_file,
    "command": evaluate_command,
    "http": evaluate_http,
    "exec": evaluate_exec,
    "output": evaluate_output,
    "quiz": evaluate_quiz,
}


def describe(check: Check) -> str:
    """A one-line summary of a check, e.g. `container image=nginx`."""
    spec = check.spec
    if isinstance(spec, list):
        return f"{check.kind}[{', '.join(describe(c) for c in spec)}]"
    if isinstance(spec, Check):
        return f"not {describe(spec)}"
    if isinstance(spec, str):
        return f"{check.kind} {spec}"
    fields = [f"{info.alias or name}={show(getattr(spec, name))}"
              for name, info in type(spec).model_fields.items() if name in spec.model_fields_set]
    return f"{check.kind} {' '.join(fields)}"


def _combine(check: Check, ctx: CheckContext) -> CheckResult:
    kind = check.kind
    if kind == "not":
        inner = evaluate(check.not_, ctx)
        details = "" if not inner.ok else _("this must not hold: {what}").format(
            what=describe(check.not_))
        return CheckResult(not inner.ok, kind, None, details, (inner,))
    children = tuple(evaluate(c, ctx) for c in check.spec)
    failed = [r for r in children if not r.ok]
    if kind == "all":
        ok = not failed
        first = failed[0] if failed else None
        return CheckResult(ok, kind, first.feedback if first else None,
                           first.details if first else "", children)
    ok = len(failed) < len(children)
    details = "" if ok else _("none of these holds: {reasons}").format(
        reasons=" | ".join(r.text() for r in children))
    return CheckResult(ok, kind, None, details, children)


def evaluate(check: Check, ctx: CheckContext) -> CheckResult:
    """The verdict on `check`; its `fail:` feedback is attached when it fails."""
    if check.kind in ("all", "any", "not"):
        result = _combine(check, ctx)
    else:
        try:
            ok, details = EVALUATORS[check.kind](check.spec, ctx)
        except EngineError as err:  # Docker's message, e.g. "Container ... is not running"
            ok, details = False, str(err)
        except OSError as err:  # a file the check reads is unreadable
            ok, details = False, f"{err.filename or ''}: {err.strerror or err}".lstrip(": ")
        result = CheckResult(ok, check.kind, None, details)
    if result.ok:
        return CheckResult(True, result.kind, None, "", result.children)
    feedback = check.fail or result.feedback
    return CheckResult(False, result.kind, feedback, result.details, result.children)


def evaluate_all(checks: Sequence[Check], ctx: CheckContext) -> list[CheckResult]:
    """Every check of a list (a step's `check:`), in order."""
    return [evaluate(check, ctx) for check in checks]


def evaluate_step(step: Any, ctx: CheckContext) -> list[CheckResult]:
    """A step's checks, then one quiz check per quiz of the step.

    The step is done when every result is ok.
    """
    implicit = [Check(quiz=quiz.id) for quiz in getattr(step, "quizzes", [])]
    return evaluate_all([*step.check, *implicit], ctx)
