"""Checks: what a lab step requires, and their evaluation.

Public API: the `Check` model (and one model per kind), `evaluate(check,
ctx) -> CheckResult`, `evaluate_step(step, ctx)`, and the context types
`CheckContext`, `History`, `HistoryEntry`, `EngineView`.
"""
from dockerlab.tutor.checks.context import (
    CheckContext, CheckResult, EngineView, History, HistoryEntry,
)
from dockerlab.tutor.checks.evaluate import describe, evaluate, evaluate_all, evaluate_step
from dockerlab.tutor.checks.models import KINDS, Check

__all__ = ["Check", "CheckContext", "CheckResult", "EngineView", "History", "HistoryEntry",
           "KINDS", "describe", "evaluate", "evaluate_all", "evaluate_step"]
