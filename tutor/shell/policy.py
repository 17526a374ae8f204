"""What a shell session allows and who hears about it (the exam hook)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

NAVIGATION = frozenset({"next", "prev"})


@dataclass(frozen=True)
class ShellPolicy:
    """How the guided shell behaves; the default is the guided lab.

    `disabled` names built-ins the student may not use: any of `hint`,
    `solution`, `next`, `prev`, `reset`, `lang`, or `navigation` for both
    `next` and `prev`. `toolbar` returns the bottom toolbar's text (called
    on every redraw, e.g. a countdown), None for no toolbar. `on_command`
    hears every line run (line, exit code, output) and `on_check` every
    evaluation of a step's checks (step id, list of CheckResult).
    `show_feedback` False keeps the failing checks' feedback to oneself
    (an exam may only want ✓).
    """

    disabled: frozenset[str] = frozenset()
    toolbar: Callable[[], str] | None = None
    on_command: Callable[[str, int, str], None] | None = None
    on_check: Callable[[str, Sequence], None] | None = None
    show_feedback: bool = True
    refresh_interval: float | None = None

    def allows(self, builtin: str) -> bool:
        if builtin in self.disabled:
            return False
        return not (builtin in NAVIGATION and "navigation" in self.disabled)


GUIDED = ShellPolicy()
