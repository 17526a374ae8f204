"""The exam file format (`format_version: 1`), in the lab schema family.

An exam lists steps, each either taken from a lab file (`from: {lab, step}`)
or written inline like a lab step. Inline checks may carry `points:` for
partial credit; a step taken from a lab gets its points from the entry's
`points:` (one number split equally, or one number per check then per quiz).
`params` are drawn per student from `seed` and written `{{ name }}` in any
text, check, setup or solution, so neighbours' answers differ.
"""
from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from dockerlab.tutor.checks.fields import ImageName
from dockerlab.tutor.checks.models import Check, Strict
from dockerlab.tutor.checks.rules import rule_error
from dockerlab.tutor.i18n import Localized
from dockerlab.tutor.labs.schema import Identifier, Quiz, SetupAction

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}$")
"""What LMS identifier fields (Moodle username, ID number, e-mail) all accept."""

ParamName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,31}$")]
Points = Annotated[float, Field(ge=0, le=1000)]


class ExamCheck(Check):
    """A lab check plus the points it is worth when it holds."""

    points: Points = 1


class StepRef(Strict):
    """A step of a lab file: `lab` is a path (relative to the exam) or a chapter name."""

    lab: str = Field(min_length=1)
    step: Identifier


class ExamStep(Strict):
    """One exam exercise: a step taken from a lab, or written here."""

    from_: StepRef | None = Field(None, alias="from")
    points: Points | list[Points] | None = None
    id: Identifier | None = None
    title: Localized | None = None
    text: Localized | None = None
    setup: list[SetupAction] = []
    check: list[ExamCheck] = []
    quizzes: list[Quiz] = []
    solution: list[str] = []

    @model_validator(mode="after")
    def _from_or_inline(self) -> "ExamStep":
        if self.from_ is not None:
            inline = [k for k in ("title", "text", "setup", "check", "quizzes", "solution")
                      if k in self.model_fields_set]
            if inline:
                raise rule_error("exam_from_inline", "a step taken 'from' a lab cannot also "
                                 "set {keys}", keys=", ".join(f"'{k}'" for k in inline))
            return self
        if "points" in self.model_fields_set:
            raise rule_error("exam_points", "'points' of a step is for steps taken 'from' a "
                             "lab; write 'points' on each check instead")
        if self.id is None or self.title is None:
            raise rule_error("exam_step", "a step needs 'from' (a lab step) or 'id' and 'title'")
        return self


class ParamSpec(Strict):
    """How one per-student value is drawn: an integer `range: [lo, hi]` or `choices`."""

    range: tuple[int, int] | None = None
    choices: list[str] | None = Field(None, min_length=2)

    @model_validator(mode="after")
    def _one_way(self) -> "ParamSpec":
        if (self.range is None) == (self.choices is None):
            raise rule_error("one_of", "exactly one of {keys} is required",
                             keys="'range', 'choices'")
        if self.range is not None and self.range[0] >= self.range[1]:
            raise rule_error("exam_range", "a range is [low, high] with low < high")
        return self


class Exam(Strict):
    """An exam file: steps, time, marks, per-student parameters."""

    model_config = ConfigDict(json_schema_extra={"title": "dockerlab exam"})

    format_version: Literal[1]
    id: Identifier
    title: Localized
    description: Localized | None = None
    images: list[ImageName] = []
    minutes: int = Field(ge=1, le=24 * 60)
    time_factors: dict[str, Annotated[float, Field(ge=1, le=4)]] = {}
    seed: str = Field(min_length=1)
    params: dict[ParamName, ParamSpec] = {}
    any_order: bool = False
    allow_check: bool = False
    scale: float = Field(20, gt=0, le=1000)
    steps: list[ExamStep] = Field(min_length=1)

    def factor(self, student: str) -> float:
        """The student's time factor (accommodations), 1 for everyone else."""
        return self.time_factors.get(student, 1.0)


def check_student_id(student: str) -> str:
    """The id unchanged, or ValueError with what an LMS would reject."""
    if not STUDENT_ID.match(student):
        raise ValueError(student)
    return student


def strip_points(data: Any) -> Any:
    """A raw inline check list without the exam-only `points` keys."""
    if isinstance(data, list):
        return [{k: v for k, v in c.items() if k != "points"} if isinstance(c, dict) else c
                for c in data]
    return data
