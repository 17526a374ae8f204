"""The lab file format (`format_version: 1`) as pydantic models.

A lab is a list of steps; a step tells the student what to do (`text`),
prepares the ground (`setup`), says how success is recognised (`check`,
`quizzes`), and helps (`hints`, `solution`). Every string a person reads is
a `Localized` value. Unknown keys are errors so a typo cannot go unnoticed.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, ConfigDict, Field, StrictInt, StringConstraints
from pydantic import ValidationInfo, WithJsonSchema, field_validator, model_validator

from dockerlab.tutor.checks.fields import ImageName
from dockerlab.tutor.checks.models import Check, Strict
from dockerlab.tutor.checks.rules import rule_error
from dockerlab.tutor.i18n import Localized

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]*$", max_length=64)]
"""Ids appear in commands (`dockerlab start chapitre3`) and progress files."""


class SetupAction(Strict):
    """One preparation run before a step: a docker command or a host shell line.

    `docker` is the command without the leading `docker` (`run -d --name web
    nginx`); `shell` runs in the lab's working directory. `ignore_errors`
    lets a cleanup such as `rm -f web` fail when there is nothing to remove.
    """

    docker: str | None = None
    shell: str | None = None
    ignore_errors: bool = False

    @model_validator(mode="after")
    def _exactly_one(self) -> "SetupAction":
        if (self.docker is None) == (self.shell is None):
            raise rule_error("one_of", "exactly one of {keys} is required",
                             keys="'docker', 'shell'")
        return self


def _answer_list(value: Any) -> Any:
    return value if isinstance(value, list) else [value]


Answer = Annotated[
    list[StrictInt], BeforeValidator(_answer_list),
    WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 1},
                              {"type": "array", "items": {"type": "integer", "minimum": 1}}]}),
]


class Quiz(Strict):
    """A single-choice (`answer: 2`) or multiple-choice (`answer: [1, 3]`) question.

    Choices are numbered from 1, as a teacher reads them in the file.
    `multiple` defaults to whether `answer` is a list.
    """

    id: Identifier
    question: Localized
    choices: list[Localized] = Field(min_length=2)
    answer: Answer
    multiple: bool = False
    explanation: Localized | None = None
    points: int = Field(1, ge=0)

    @model_validator(mode="before")
    @classmethod
    def _multiple_from_answer(cls, data: Any) -> Any:
        if isinstance(data, dict) and "multiple" not in data:
            return {**data, "multiple": isinstance(data.get("answer"), list)}
        return data

    @field_validator("answer")
    @classmethod
    def _in_range(cls, answer: list[int], info: ValidationInfo) -> list[int]:
        choices = info.data.get("choices")
        if not answer:
            raise rule_error("answer_empty", "a quiz needs at least one right answer")
        if len(set(answer)) != len(answer):
            raise rule_error("answer_repeated", "an answer is listed twice")
        for number in answer:
            if choices is not None and not 1 <= number <= len(choices):
                raise rule_error("answer_range", "answer {answer} is out of range: choices are "
                                 "numbered from 1 to {count}", answer=number, count=len(choices))
        return answer

    @model_validator(mode="after")
    def _single_means_one(self) -> "Quiz":
        if not self.multiple and len(self.answer) > 1:
            raise rule_error("answer_single", "a single-choice quiz has exactly one answer; "
                             "write 'multiple: true' for several")
        return self

    def is_correct(self, chosen: list[int] | tuple[int, ...] | set[int]) -> bool:
        """Right answer: exactly the expected choices, in any order."""
        return set(chosen) == set(self.answer)


class Step(Strict):
    """One exercise of a lab."""

    id: Identifier
    title: Localized
    text: Localized | None = None
    setup: list[SetupAction] = []
    check: list[Check] = []
    hints: list[Localized] = []
    solution: list[str] = []
    points: int = Field(1, ge=0)
    quizzes: list[Quiz] = []


class Lab(Strict):
    """A lab file: one chapter of the course (or an exam, same family)."""

    model_config = ConfigDict(json_schema_extra={"title": "dockerlab lab"})

    format_version: Literal[1]
    id: Identifier
    title: Localized
    description: Localized | None = None
    images: list[ImageName] = []
    steps: list[Step] = Field(min_length=1)

    def step(self, step_id: str) -> Step:
        """The step with this id (KeyError when there is none)."""
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    def quizzes(self) -> dict[str, Quiz]:
        """Every quiz of the lab by id (quiz checks may name any of them)."""
        return {quiz.id: quiz for step in self.steps for quiz in step.quizzes}
