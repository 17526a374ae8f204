"""Read an exam file with file:line diagnostics, and plan it for one student.

Reading reuses the lab loader (`read_document`): YAML with positions, the
`Exam` model, then exam-wide rules (lab steps that exist, points that add
up, parameters that are declared, the steps as the student will get them
being valid lab steps). `plan_for` turns the exam into the `Lab` the guided
shell runs, with the student's parameters substituted, and the points of
every check.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from dockerlab.tutor.i18n import N_
from dockerlab.tutor.labs.diagnostics import Diagnostic, LabError, Report
from dockerlab.tutor.labs.dockerlint import command_checks_parse, docker_lines_parse
from dockerlab.tutor.labs.loader import load_document, read_document
from dockerlab.tutor.labs.schema import Lab
from dockerlab.tutor.labs.walk import walk
from dockerlab.tutor.labs.yamlpos import PositionedYaml

from .params import draw, placeholders, substitute
from .schema import STUDENT_ID, Exam, ExamStep, strip_points

SAMPLE_STUDENT = "exemple"


class PlanError(Exception):
    """One exam step cannot be built; `where` is its document path."""

    def __init__(self, where: tuple, msgid: str, **args: Any):
        super().__init__(msgid)
        self.where, self.msgid, self.values = where, msgid, args


@dataclass
class ExamPlan:
    """The exam as one student gets it."""

    exam: Exam
    lab: Lab
    points: dict[str, list[float]]
    params: dict[str, Any]
    digest: str
    file: Path = field(default_factory=Path)

    @property
    def max_points(self) -> float:
        return sum(sum(p) for p in self.points.values())


def _lab_path(exam_dir: Path, name: str) -> Path:
    from dockerlab.tutor.labs.catalog import find_lab
    if "/" in name or name.endswith((".yaml", ".yml")):
        path = exam_dir / name
        if path.is_file():
            return path
        raise FileNotFoundError(name)
    return find_lab(name)


def _raw_lab_step(exam_dir: Path, index: int, entry: ExamStep,
                  cache: dict[str, Any]) -> dict:
    ref = entry.from_
    where = ("steps", index, "from")
    try:
        path = _lab_path(exam_dir, ref.lab)
    except FileNotFoundError:
        raise PlanError(where + ("lab",), N_("no lab file or chapter '{name}'"),
                        name=ref.lab) from None
    if str(path) not in cache:
        try:
            load_document(path, Lab)
        except LabError:
            raise PlanError(where + ("lab",), N_("the lab file {file} has errors (see "
                                                 "dockerlab lab validate)"),
                            file=str(path)) from None
        cache[str(path)] = yaml.safe_load(path.read_text(encoding="utf-8"))
    for raw in cache[str(path)].get("steps", []):
        if raw.get("id") == ref.step:
            return dict(raw)
    raise PlanError(where + ("step",), N_("the lab {file} has no step '{id}'"),
                    file=str(path), id=ref.step)


def _ref_points(index: int, entry: ExamStep, raw: dict) -> list[float]:
    items = len(raw.get("check") or []) + len(raw.get("quizzes") or [])
    given = entry.points if entry.points is not None else float(raw.get("points", 1))
    if isinstance(given, list):
        if len(given) != items:
            raise PlanError(("steps", index, "points"), N_("{given} points given for {count} "
                                                          "checks and quizzes"),
                            given=len(given), count=items)
        return [float(p) for p in given]
    return [float(given) / items] * items if items else []


def _step_data(exam_dir: Path, index: int, entry: ExamStep, raw_entry: dict,
               cache: dict) -> tuple[dict, list[float]]:
    """The raw lab step an exam entry stands for, and its points."""
    if entry.from_ is not None:
        raw = _raw_lab_step(exam_dir, index, entry, cache)
        points = _ref_points(index, entry, raw)
        if entry.id is not None:
            raw["id"] = entry.id
        for key in ("hints", "points"):
            raw.pop(key, None)
        return raw, points
    raw = {k: v for k, v in raw_entry.items() if k not in ("from", "points")}
    raw["check"] = strip_points(raw.get("check") or [])
    points = [c.points for c in entry.check] + [float(q.points) for q in entry.quizzes]
    return raw, points


def build(exam: Exam, raw_doc: dict, exam_dir: Path, student: str) -> tuple[Lab, dict, dict]:
    """(the Lab for `student`, points per step id, parameter values)."""
    values = draw(exam.seed, exam.id, student, exam.params)
    cache: dict[str, Any] = {}
    steps, points = [], {}
    for index, entry in enumerate(exam.steps):
        raw, step_points = _step_data(exam_dir, index, entry, raw_doc["steps"][index], cache)
        raw = substitute(raw, values)
        try:
            from dockerlab.tutor.labs.schema import Step
            Step.model_validate(raw)
        except ValidationError as err:
            first = err.errors()[0]
            raise PlanError(("steps", index), N_("step {n} as a student gets it is not a valid "
                                                 "lab step: {error}"),
                            n=index + 1, error=f"{'.'.join(map(str, first['loc']))}: "
                                               f"{first['msg']}") from None
        steps.append(raw)
        points[raw["id"]] = step_points
    data = {"format_version": 1, "id": exam.id, "title": raw_doc["title"], "steps": steps}
    if "images" in raw_doc:
        data["images"] = raw_doc["images"]
    return Lab.model_validate(data), points, values


def _exam_rules(exam_dir: Path) -> list:
    def steps_build(exam: Exam, doc: PositionedYaml, report: Report) -> None:
        """Every step resolves, and the result is a valid lab with unique ids."""
        try:
            lab, _, _ = build(exam, doc.data, exam_dir, SAMPLE_STUDENT)
        except PlanError as err:
            report(err.where, err.msgid, **err.values)
            return
        seen: dict[str, int] = {}
        for i, step in enumerate(lab.steps):
            if step.id in seen:
                report(("steps", i), N_("duplicate step id '{id}' (first used at line {line})"),
                       id=step.id, line=doc.value_position(("steps", seen[step.id])).line)
            seen.setdefault(step.id, i)

    def params_declared(exam: Exam, doc: PositionedYaml, report: Report) -> None:
        for path, value in walk(exam):
            if isinstance(value, str) and path[:1] == ("steps",):
                for name in placeholders(value):
                    if name not in exam.params:
                        report(path, N_("unknown parameter '{name}' (declare it under "
                                        "'params')"), name=name)

    def student_ids(exam: Exam, doc: PositionedYaml, report: Report) -> None:
        for student in exam.time_factors:
            if not STUDENT_ID.match(student):
                report(("time_factors", student), N_("invalid student id '{id}': use letters, "
                                                     "digits and . _ @ + - only"), id=student)

    return [steps_build, params_declared, student_ids, command_checks_parse, docker_lines_parse]


def read_exam(file: str | Path) -> tuple[Exam | None, list[Diagnostic]]:
    """The exam and its warnings (or None and its errors), without raising."""
    return read_document(file, Exam, _exam_rules(Path(file).resolve().parent))


def load_exam(file: str | Path) -> Exam:
    """The exam in `file`; `LabError` with every diagnostic when it has errors."""
    return load_document(file, Exam, _exam_rules(Path(file).resolve().parent))


def digest_of(file: str | Path) -> str:
    """What identifies this version of the exam: its bytes and those of the labs it uses."""
    digest = hashlib.sha256(Path(file).read_bytes())
    raw = yaml.safe_load(Path(file).read_text(encoding="utf-8")) or {}
    names = sorted({entry["from"]["lab"] for entry in raw.get("steps") or []
                    if isinstance(entry, dict) and isinstance(entry.get("from"), dict)
                    and isinstance(entry["from"].get("lab"), str)})
    for name in names:
        try:
            digest.update(_lab_path(Path(file).resolve().parent, name).read_bytes())
        except OSError:
            digest.update(name.encode())
    return "sha256:" + digest.hexdigest()


def plan_for(file: str | Path, student: str, exam: Exam | None = None) -> ExamPlan:
    """The exam in `file` as `student` gets it (LabError when the file is wrong)."""
    exam = exam or load_exam(file)
    raw = yaml.safe_load(Path(file).read_text(encoding="utf-8"))
    try:
        lab, points, values = build(exam, raw, Path(file).resolve().parent, student)
    except PlanError as err:
        raise LabError([Diagnostic(str(file), 1, 1, err.msgid, err.values)]) from None
    return ExamPlan(exam, lab, points, values, digest_of(file), Path(file))


def validate_exams(paths: list[str], lang: str | None = None) -> tuple[str, int]:
    """`dockerlab exam validate`: the same report as `lab validate`, for exams."""
    from contextlib import nullcontext

    from dockerlab.tutor.i18n import use_language
    from dockerlab.tutor.labs.validate import _summary
    with use_language(lang) if lang else nullcontext():
        found: list[Diagnostic] = []
        for path in paths:
            found += read_exam(path)[1]
        errors = sum(d.severity == "error" for d in found)
        lines = [d.render() for d in found] + [_summary(len(paths), errors, len(found) - errors)]
        return "\n".join(lines) + "\n", 1 if errors else 0
