"""Chapters 5 to 7 (data, networks, distribution) as shipped.

`dockerlab lab test` (the command CI runs) on chapters 5 and 7: every step
must fail after its setup and pass after its solution, on a fresh state
root. Then the real guided shell, in French, played from the first step
of chapter 6 to the last with the lab's own solution lines and quiz
answers (so the test follows the file), plus a hint, a half-done step
and a wrong answer on the way.

Chapter 7 builds the Debian-based `registry` image (about 80 s the first
time on a root), so its `lab test` is marked slow.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from dockerlab.tutor.labs import load_lab

pytestmark = pytest.mark.root

LABS = Path(__file__).resolve().parents[2] / "labs"
DOCKERLAB = str(Path(sys.executable).with_name("dockerlab"))


def lab_test(*files: Path, timeout: int = 300) -> subprocess.CompletedProcess:
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
           "COLUMNS": "250"}
    return subprocess.run([DOCKERLAB, "--lang", "en", "lab", "test", *map(str, files)],
                          text=True, capture_output=True, timeout=timeout, env=env)


def rows(output: str) -> dict[str, list[str]]:
    """STEP -> [BEFORE, AFTER, TIME, RESULT...] from `lab test`'s tables."""
    found = {}
    for line in output.splitlines():
        words = line.split()
        if len(words) >= 4 and words[1] in "✓✗-" and words[2] in "✓✗-":
            found[words[0]] = words[1:]
    return found


def assert_every_step_behaves(done: subprocess.CompletedProcess, *files: Path) -> None:
    table = rows(done.stdout)
    expected = [step.id for f in files for step in load_lab(f).steps]
    assert sorted(table) == sorted(expected), done.stdout + done.stderr
    bad = {step: r for step, r in table.items() if r[:2] != ["✗", "✓"] or r[3] != "ok"}
    assert not bad, done.stdout
    assert done.returncode == 0, done.stdout + done.stderr


def port_taken(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_chapter_5_passes_lab_test(state_root):
    """Chapter 6 is played in the shell below; test_labs_chapters.py runs every step of
    chapters 1-7 under the same rules in process (failures named per step)."""
    file = LABS / "chapitre5.yaml"
    assert_every_step_behaves(lab_test(file), file)


@pytest.mark.slow
def test_chapter_7_passes_lab_test(state_root):
    if port_taken(5000):
        pytest.skip("something else listens on port 5000 (the lab's registry port)")
    file = LABS / "chapitre7.yaml"
    assert_every_step_behaves(lab_test(file, timeout=600), file)


# -- the guided shell, in French ---------------------------------------------------------
def start_shell(state_root, workdir: Path, lab: Path) -> pexpect.spawn:
    env = dict(os.environ, DOCKERLAB_ROOT=str(state_root.root), DOCKERLAB_WORKDIR=str(workdir),
               PROMPT_TOOLKIT_NO_CPR="1", TERM="xterm", HOME=str(workdir), SUDO_USER="eleve")
    env.pop("DOCKERLAB_LANG", None)
    return pexpect.spawn(DOCKERLAB, ["start", str(lab)], env=env, encoding="utf-8", timeout=30,
                         dimensions=(50, 160))


def send(child: pexpect.spawn, line: str, prompt: str) -> str:
    """Type `line`; return what it printed, once the shell waits for input again.

    prompt_toolkit turns bracketed paste off when a line is accepted and on
    when it prompts again: between the two is the line's own output.
    """
    child.sendline(line)
    child.expect_exact("\x1b[?2004l")
    child.expect_exact("\x1b[?2004h")
    printed = child.before
    child.expect_exact(prompt)
    return printed


def test_chapter_6_played_through_in_french(state_root, tmp_path):
    path = LABS / "chapitre6.yaml"
    lab = load_lab(path)
    total = len(lab.steps)
    child = start_shell(state_root, tmp_path, path)
    try:
        for n, step in enumerate(lab.steps, start=1):
            prompt = f"chapitre6 [{n}/{total}] $"
            child.expect_exact(prompt)
            if n == 1:
                assert f"Indice 1/{len(step.hints)}" in send(child, "indice", prompt)
                half = send(child, "docker network ls", prompt)   # half of the step
                assert "NETWORK ID" in half and "Étape réussie" not in half
                assert "✗" in half                                # and what is missing
            seen = ""
            for line in step.solution:
                seen += send(child, line, prompt)
            for i, quiz in enumerate(step.quizzes):
                if n == 1 and i == 0:
                    wrong = next(c for c in range(1, len(quiz.choices) + 1)
                                 if not quiz.is_correct([c]))
                    assert "Mauvaise réponse" in send(child, f"réponse {quiz.id} {wrong}", prompt)
                right = send(child, f"réponse {quiz.id} " + " ".join(map(str, quiz.answer)), prompt)
                assert "Bonne réponse" in right
                seen += right
            assert "✓ Étape réussie" in seen, f"{step.id}: {seen}"
            if n < total:
                child.sendline("suivant")
        assert f"{total}/{total} étapes réussies" in seen
        child.sendline("quitter")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    saved = json.loads((state_root.root / "progress" / "eleve" / "chapitre6.json").read_text())
    assert sorted(saved["done"]) == sorted(s.id for s in lab.steps)
