"""`dockerlab exam start` driven through a terminal with pexpect, on the real engine.

A scripted student gets some steps right and some wrong; the marks of the
signed result are the expected ones. A shell killed mid-exam resumes the
same log and clock.
"""
from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

import pexpect
import pytest

from dockerlab.tutor.exam.chain import verify_chain
from dockerlab.tutor.exam.export import collect, csv_text
from dockerlab.tutor.exam.loader import plan_for

pytestmark = pytest.mark.root

EXAM = Path(__file__).resolve().parents[1] / "data" / "exams" / "scripted.yaml"
DOCKERLAB = str(Path(sys.executable).with_name("dockerlab"))
KEY = "clé-de-test-assez-longue"


def start(state_root, workdir: Path, student: str, *extra: str) -> pexpect.spawn:
    env = dict(os.environ, DOCKERLAB_ROOT=str(state_root.root), DOCKERLAB_WORKDIR=str(workdir),
               PROMPT_TOOLKIT_NO_CPR="1", TERM="xterm", HOME=str(workdir),
               DOCKERLAB_EXAM_KEY=KEY)
    env.pop("DOCKERLAB_LANG", None)
    return pexpect.spawn(DOCKERLAB, ["exam", "start", str(EXAM), "--student", student, *extra],
                         env=env, encoding="utf-8", timeout=60, dimensions=(50, 140))


def prompt(child: pexpect.spawn, n: int) -> None:
    child.expect(rf"examen-test \[{n}/4\] ⏱\d\d:\d\d \$")  # the time left in the prompt


def log_of(state_root, student: str) -> list[dict]:
    path = state_root.root / "exams" / "examen-test" / student / "log.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def hand_in(child: pexpect.spawn) -> None:
    child.sendline("quitter")
    child.expect_exact("quitter")
    child.sendline("quitter")
    child.expect_exact("Examen rendu")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_scripted_exam_gives_the_expected_marks(state_root, tmp_path):
    params = plan_for(EXAM, "jdupont").params
    child = start(state_root, tmp_path, "jdupont", "--name", "Jérôme Dupont")
    try:
        child.expect_exact("Un conteneur en arrière-plan")
        prompt(child, 1)
        child.sendline("indice")
        child.expect_exact("n'est pas disponible ici")
        child.sendline("solution")
        child.expect_exact("n'est pas disponible ici")
        child.sendline("docker run -d --name veille busybox sleep 300")
        prompt(child, 1)
        child.sendline("vérifier")
        child.expect_exact("✓")
        child.sendline("suivant")
        child.expect_exact(f"busybox nommé {params['nom']} avec MOT={params['mot']}")
        prompt(child, 2)
        child.sendline(f"docker run -d --name {params['nom']} busybox sleep 300")  # no MOT
        prompt(child, 2)
        child.sendline("vérifier")
        child.expect_exact("Pas encore")
        child.sendline("étape 3")
        prompt(child, 3)
        child.sendline(f"echo {params['port'] + 1} > port.txt")  # the wrong number
        prompt(child, 3)
        child.sendline("suivant")
        prompt(child, 4)
        child.sendline("1")  # wrong answer: not told so
        child.expect_exact("Réponse enregistrée : 1.")
        prompt(child, 4)
        hand_in(child)
    finally:
        child.close(force=True)
    result = state_root.root / "exams" / "examen-test" / "jdupont" / "result.json"
    doc = json.loads(result.read_text(encoding="utf-8"))
    marks = [(c["step"], c["check"], c["earned"]) for c in doc["checks"]]
    assert marks == [("detache", 1, 2.0), ("detache", 2, 1.0), ("nomme", 1, 2.0),
                     ("nomme", 2, 0.0), ("port", 1, 0.0), ("quiz", 1, 0.0)]
    assert doc["checks"][3]["details"] and doc["checks"][4]["details"]  # why, for the teacher
    assert (doc["score"], doc["max"], doc["grade"]) == (5.0, 10.0, 10.0)
    assert doc["student"] == {"id": "jdupont", "name": "Jérôme Dupont"}
    lines = [r["line"] for r in doc["log"] if r["kind"] == "line"]
    assert lines[:2] == ["indice", "solution"] and "1" in lines
    report = collect([result], KEY.encode())
    assert report.rejected == []
    assert csv_text(report, ";") == "identifier;name;grade\njdupont;Jérôme Dupont;10.00\n"


def test_killed_exam_resumes_the_same_log_and_clock(state_root, tmp_path):
    params = plan_for(EXAM, "mlefevre").params
    child = start(state_root, tmp_path, "mlefevre")
    try:
        prompt(child, 1)
        child.sendline("docker run -d --name veille busybox sleep 300")
        prompt(child, 1)
        child.sendline("suivant")
        prompt(child, 2)
        child.kill(signal.SIGKILL)
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    before = log_of(state_root, "mlefevre")
    assert [r["kind"] for r in before][-2:] == ["line", "step"]

    again = start(state_root, tmp_path, "mlefevre")
    try:
        again.expect_exact("Examen repris")
        prompt(again, 2)  # the same step
        again.sendline(f"docker run -d --name {params['nom']} -e MOT={params['mot']} busybox "
                       "sleep 300")
        prompt(again, 2)
        hand_in(again)
    finally:
        again.close(force=True)
    after = log_of(state_root, "mlefevre")
    assert after[:len(before)] == before  # every logged action kept, same chain
    assert verify_chain(after) is None
    assert [r["kind"] for r in after].count("start") == 1
    assert "resume" in [r["kind"] for r in after]
    doc = json.loads((state_root.root / "exams" / "examen-test" / "mlefevre" / "result.json")
                     .read_text(encoding="utf-8"))
    assert doc["started"] == before[0]["t"]  # the clock did not restart
    assert doc["time_factor"] == 1.0
    # the command typed before the kill still counts for the command check
    assert [c["earned"] for c in doc["checks"][:4]] == [2.0, 1.0, 2.0, 1.0]

    third = start(state_root, tmp_path, "mlefevre")
    try:
        third.expect_exact("déjà été rendu")
        third.expect(pexpect.EOF)
    finally:
        third.close(force=True)
