"""Unit tests of the evaluator for quiz checks, all/any/not, step evaluation
and feedback. The engine is `RecordedEngine` (recorded inspect JSON): these
test the evaluator's logic, not the engine."""
from __future__ import annotations

import pytest

from checks_support import DATA, RecordedEngine
from dockerlab.tutor.checks import Check, CheckContext, evaluate, evaluate_step
from dockerlab.tutor.checks.evaluate import describe
from dockerlab.tutor.i18n import use_language
from dockerlab.tutor.labs import load_lab

RUNNING_WEB = {"container": {"name": "web", "state": "running"}}
EXITED_WEB = {"container": {"name": "web", "state": "exited"},
              "fail": {"fr": "web doit être arrêté", "en": "web must be stopped"}}


@pytest.fixture(autouse=True)
def english():
    with use_language("en"):
        yield


@pytest.fixture
def lab():
    return load_lab(DATA / "chapitre3-extrait.yaml")


@pytest.fixture
def ctx(tmp_path, lab):
    return CheckContext(engine=RecordedEngine(tmp_path), workdir=tmp_path,
                        quizzes=lab.quizzes(), answers={})


def run(ctx, **check):
    return evaluate(Check.model_validate(check), ctx)


def test_all(ctx):
    assert run(ctx, all=[RUNNING_WEB, {"image": {"tag": "nginx"}}]).ok
    result = run(ctx, all=[RUNNING_WEB, EXITED_WEB])
    assert not result.ok
    assert result.text("fr") == "web doit être arrêté"
    assert [child.ok for child in result.children] == [True, False]


def test_all_own_feedback_wins(ctx):
    result = run(ctx, all=[EXITED_WEB], fail={"fr": "raté", "en": "failed"})
    assert result.text("en") == "failed"


def test_any(ctx):
    assert run(ctx, any=[EXITED_WEB, RUNNING_WEB]).ok
    result = run(ctx, any=[EXITED_WEB, {"image": {"tag": "httpd"}}])
    assert not result.ok and result.feedback is None
    assert result.details.startswith("none of these holds: web must be stopped | no image matches")


def test_not(ctx):
    assert run(ctx, **{"not": EXITED_WEB}).ok
    result = run(ctx, **{"not": RUNNING_WEB})
    assert not result.ok
    assert result.details == "this must not hold: container name=web state=running"


def test_nested_combinations(ctx):
    check = {"all": [{"any": [EXITED_WEB, RUNNING_WEB]}, {"not": {"container": {"name": "ghost"}}}]}
    assert run(ctx, **check).ok


def test_quiz_single_and_multiple(ctx):
    assert run(ctx, quiz="q-cgroups").details == "quiz 'q-cgroups' has not been answered yet"
    ctx.answers = {"q-cgroups": [1], "q-conteneur": [3, 1]}
    assert run(ctx, quiz="q-cgroups").details == "wrong answer to quiz 'q-cgroups'"
    assert run(ctx, quiz="q-conteneur").ok
    ctx.answers = {"q-cgroups": [2], "q-conteneur": [1]}
    assert run(ctx, quiz="q-cgroups").ok
    assert not run(ctx, quiz="q-conteneur").ok
    assert run(ctx, quiz="q-nope").details == "quiz 'q-nope' does not exist in this lab"


def test_step_includes_its_quizzes(ctx, lab):
    step = lab.step("quiz-cgroups")
    assert [r.ok for r in evaluate_step(step, ctx)] == [False, False]
    ctx.answers = {"q-cgroups": [2], "q-conteneur": [1, 3]}
    assert all(r.ok for r in evaluate_step(step, ctx))


def test_step_memory_with_recorded_oom(ctx, lab):
    """The example lab's OOM step holds on the recorded `hog` container."""
    [result] = evaluate_step(lab.step("memoire"), ctx)
    assert result.ok
    ctx.engine.containers[1]["State"]["OOMKilled"] = False
    [result] = evaluate_step(lab.step("memoire"), ctx)
    assert not result.ok
    assert result.text("en") == "The limited container was not OOM-killed."
    assert result.text("fr") == "Le conteneur limité n'a pas été tué par le noyau (OOMKilled)."


def test_feedback_language_follows_the_current_language(ctx):
    result = run(ctx, **EXITED_WEB)
    with use_language("fr"):
        assert result.text() == "web doit être arrêté"
    assert result.text() == "web must be stopped"


def test_describe():
    check = Check.model_validate({"not": {"container": {"image": "nginx", "publish": "8080:80"}}})
    assert describe(check) == 'not container image=nginx publish=["8080:80"]'
