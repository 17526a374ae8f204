"""Marks on the real engine state: every check of every step, with its points.

Grading reads the engine, the files and the whole exam's command history
(not only what was typed during a step: in an exam the student may come
back to a step), never what the student was told along the way.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

from dockerlab.tutor.checks import Check, CheckContext, History, describe, evaluate

from .loader import ExamPlan


def step_checks(step: Any) -> list[Check]:
    """A step's checks then one quiz check per quiz, as `evaluate_step` orders them."""
    return [*step.check, *(Check(quiz=q.id) for q in step.quizzes)]


def grade(plan: ExamPlan, engine: Any, history: History, workdir: Path,
          answers: Mapping[str, Sequence[int]]) -> list[dict]:
    """One entry per check: step, number, what it checks, points, earned, ok."""
    ctx = CheckContext(engine=engine, history=history, workdir=workdir,
                       quizzes=plan.lab.quizzes(), answers=answers)
    entries = []
    for step in plan.lab.steps:
        for number, (check, points) in enumerate(zip(step_checks(step), plan.points[step.id]), 1):
            result = evaluate(check, ctx)
            entries.append({"step": step.id, "check": number, "what": describe(check),
                            "points": points, "earned": points if result.ok else 0.0,
                            "ok": result.ok, "details": "" if result.ok else result.details})
    return entries


def totals(entries: Sequence[dict], scale: float) -> dict:
    """Score, maximum, and the grade on the exam's scale (two decimals)."""
    score = round(sum(e["earned"] for e in entries), 4)
    maximum = round(sum(e["points"] for e in entries), 4)
    grade = round(score / maximum * scale, 2) if maximum else 0.0
    return {"score": score, "max": maximum, "grade": grade, "scale": scale}
