"""Every step of the shipped labs under `dockerlab lab test`'s rules.

For each step, `dockerlab.tutor.labtest.test_step` takes a fresh state
root, runs the setup, requires the checks to FAIL, runs the solution with
the guided shell's command runner, answers the quizzes right, and requires
the checks to PASS. One test per step, so a broken step names itself.

Steps that wait for an engine fix are listed in PENDING with the reason;
they are skipped, not deleted, so they come alive by removing one line.
Steps that need a Debian-based image (gcc, registry: about a minute each to
build with mmdebstrap, once per module thanks to the shared image cache)
are marked `slow`. docs/syllabus-coverage.md says which step covers what.
"""
from __future__ import annotations

import shutil
import signal
import sys
import tempfile
from pathlib import Path

import pytest

from dockerlab.tutor.labs import load_lab
from dockerlab.tutor.labtest import test_step as play_step

pytestmark = pytest.mark.root

LABS_DIR = Path(__file__).resolve().parents[2] / "labs"
STEP_SECONDS = 40  # a step stuck on a terminal must fail, not hang the suite
SLOW_STEP_SECONDS = 400  # the first step needing gcc or registry builds it

# "lab:step" -> why it cannot pass on today's engine
PENDING: dict[str, str] = {

}
SLOW = {"chapitre4:multi-stage", "chapitre4:musl-not-found", "chapitre7:registry-local",
        "chapitre7:push", "chapitre7:pull"}


def _cases(pattern: str):
    for path in sorted(LABS_DIR.glob(pattern)):
        lab = load_lab(path)
        for step in lab.steps:
            key = f"{lab.id}:{step.id}"
            marks = [pytest.mark.skip(reason=PENDING[key])] if key in PENDING else []
            marks += [pytest.mark.slow] if key in SLOW else []
            yield pytest.param(path, step.id, id=key, marks=marks)


def _too_long(signum, frame):
    raise TimeoutError("the step took too long (stuck on a terminal?)")


@pytest.fixture(scope="module")
def image_cache():
    """Base images built once and hard-linked into each step's root, as `lab test` does."""
    parent = Path(tempfile.mkdtemp(prefix="dlabtest-images-"))
    yield parent / "image"
    shutil.rmtree(parent, ignore_errors=True)


@pytest.fixture
def no_keyboard(monkeypatch, request):
    """Solutions run without a terminal, as in CI; a stuck one raises after STEP_SECONDS."""
    with open("/dev/null") as stdin:
        monkeypatch.setattr(sys, "stdin", stdin)
        previous = signal.signal(signal.SIGALRM, _too_long)
        slow = request.node.get_closest_marker("slow") is not None
        signal.alarm(SLOW_STEP_SECONDS if slow else STEP_SECONDS)
        try:
            yield
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("path,step_id", list(_cases("chapitre[1-7].yaml")))
def test_step_fails_before_and_passes_after_its_solution(path, step_id, image_cache,
                                                         no_keyboard):
    lab = load_lab(path)
    report = play_step(lab, lab.step(step_id), image_cache)
    assert report.before is False, f"{step_id}: the checks hold before the solution"
    assert report.after is True, f"{step_id}: {report.problems} {report.notes}"
    assert report.ok, report.problems
