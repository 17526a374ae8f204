"""Exam files: validation with file:line diagnostics, per-student parameters."""
from __future__ import annotations

from pathlib import Path

import pytest

from dockerlab.tutor.exam.loader import plan_for, read_exam, validate_exams
from dockerlab.tutor.i18n import use_language
from dockerlab.tutor.labs import LabError

DATA = Path(__file__).resolve().parent.parent / "data"
SCRIPTED = DATA / "exams" / "scripted.yaml"
EXAMPLE = Path(__file__).resolve().parents[2] / "labs" / "examens" / "exemple.yaml"

BAD = """\
format_version: 1
id: examen-faux
title: {fr: Faux, en: Wrong}
minutes: 20
seed: x
time_factors: {"Jean Dupont": 1.5}
params:
  nom: {choices: [a, b]}
steps:
  - from: {lab: ../labs/shell-demo.yaml, step: detach}
  - from: {lab: ../labs/shell-demo.yaml, step: fichier}
    points: [1, 2]
  - id: inline
    title: {fr: "{{ nom }}", en: "{{ name }}"}
    check:
      - file: {path: x.txt}
        pointz: 2
"""


def test_shipped_example_and_test_exam_are_valid():
    text, code = validate_exams([str(EXAMPLE), str(SCRIPTED)], "en")
    assert (text, code) == ("2 files checked, 0 errors, 0 warnings\n", 0)


def test_mistakes_are_reported_at_their_line(tmp_path):
    exams = tmp_path / "exams"
    exams.mkdir()
    (tmp_path / "labs").mkdir()
    (tmp_path / "labs" / "shell-demo.yaml").write_bytes((DATA / "labs" / "shell-demo.yaml")
                                                        .read_bytes())
    bad = exams / "faux.yaml"
    bad.write_text(BAD)
    text, code = validate_exams([str(bad)], "en")
    assert code == 1
    assert text.splitlines() == [
        f"{bad}:17:9: unknown key 'pointz' (did you mean 'points'?)",
        "1 file checked, 1 error, 0 warnings",
    ]
    bad.write_text(BAD.replace("pointz", "points"))
    _, found = read_exam(bad)
    with use_language("en"):
        with_lines = sorted((d.line, d.message) for d in found)
    assert with_lines == [
        (6, "invalid student id 'Jean Dupont': use letters, digits and . _ @ + - only"),
        (10, f"the lab {tmp_path}/exams/../labs/shell-demo.yaml has no step 'detach'"),
        (14, "unknown parameter 'name' (declare it under 'params')"),
    ]
    fixed = BAD.replace("pointz", "points").replace("step: detach", "step: detache") \
        .replace("{{ name }}", "{{ nom }}").replace('"Jean Dupont"', "jdupont")
    bad.write_text(fixed.replace("points: [1, 2]", "points: [1, 2, 3]"))
    _, found = read_exam(bad)
    with use_language("en"):
        assert [(d.line, d.message) for d in found] == [
            (12, "3 points given for 1 checks and quizzes")]
    bad.write_text(fixed.replace("points: [1, 2]", "points: 2"))
    assert read_exam(bad)[1] == []


def test_french_diagnostics_and_inline_step_rules(tmp_path):
    bad = tmp_path / "e.yaml"
    bad.write_text("format_version: 1\nid: e\ntitle: {fr: É, en: E}\nminutes: 0\nseed: s\n"
                   "steps:\n  - {id: s, title: T, points: 2, check: [{file: {path: x}}]}\n")
    text, code = validate_exams([str(bad)], "fr")
    assert code == 1
    assert f"{bad}:4:10: doit valoir au moins 1" in text
    assert f"{bad}:7:5: « points » sur une étape ne vaut que pour les étapes prises d'un lab" \
           in text


def test_parameters_are_stable_per_student_and_differ_between_students():
    first = plan_for(SCRIPTED, "jdupont")
    assert plan_for(SCRIPTED, "jdupont").params == first.params
    others = {tuple(sorted(plan_for(SCRIPTED, f"etu{i}").params.items())) for i in range(12)}
    assert len(others) > 6
    port = first.params["port"]
    assert 8100 <= port <= 8899
    step = first.lab.step("port")
    assert step.check[0].file.contains == str(port)
    assert first.lab.step("nomme").title.fr == f"Conteneur {first.params['nom']}"


def test_points_of_lab_steps_and_inline_checks():
    plan = plan_for(SCRIPTED, "x")
    assert plan.points == {"detache": [2.0, 1.0], "nomme": [2.0, 1.0], "port": [2.0],
                           "quiz": [2.0]}
    assert plan.max_points == 10
    assert plan.lab.step("detache").hints == []  # never shown in an exam anyway
    assert plan.digest.startswith("sha256:")


def test_plan_for_a_broken_file_raises_lab_error(tmp_path):
    bad = tmp_path / "e.yaml"
    bad.write_text("format_version: 1\nid: e\n")
    with pytest.raises(LabError) as err:
        plan_for(bad, "x")
    assert "missing required key 'title'" in str(err.value) or \
           "clé obligatoire" in str(err.value)
