"""Every other chapter played through in the real guided shell, in French.

Chapter 3 (test_labs_playthrough.py) and chapter 6 (test_labs_ch5to7.py) have
their own, richer sessions; here each remaining chapter is played from its
first step to its last with the lab's own solution lines and quiz answers,
so the test follows the files: every step must turn ✓ in the shell, and the
progress file must list every step as done.
"""
from __future__ import annotations

import json

import pexpect
import pytest

from dockerlab.tutor.labs import load_lab

from test_labs_ch5to7 import LABS, port_taken, send, start_shell

pytestmark = pytest.mark.root


@pytest.mark.parametrize("chapter", ["chapitre1", "chapitre2", "chapitre4", "chapitre5", "chapitre7"])
def test_chapter_played_through_in_french(state_root, tmp_path, chapter):
    if chapter == "chapitre7" and port_taken(5000):
        pytest.skip("something else listens on port 5000 (the lab's registry port)")
    path = LABS / f"{chapter}.yaml"
    lab = load_lab(path)
    total = len(lab.steps)
    child = start_shell(state_root, tmp_path, path)
    child.timeout = 300          # a step may build a Debian-based image the first time
    seen = ""
    try:
        for n, step in enumerate(lab.steps, start=1):
            prompt = f"{chapter} [{n}/{total}] $"
            child.expect_exact(prompt)
            seen = ""
            for line in step.solution:
                seen += send(child, line, prompt)
            for quiz in step.quizzes:
                answer = send(child, f"réponse {quiz.id} " + " ".join(map(str, quiz.answer)), prompt)
                assert "Bonne réponse" in answer, f"{step.id}: {answer}"
                seen += answer
            assert "✓ Étape réussie" in seen, f"{step.id}: {seen}"
            if n < total:
                child.sendline("suivant")
        assert f"{total}/{total} étapes réussies" in seen
        child.sendline("quitter")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    saved = json.loads((state_root.root / "progress" / "eleve" / f"{chapter}.json").read_text())
    assert sorted(saved["done"]) == sorted(s.id for s in lab.steps)
