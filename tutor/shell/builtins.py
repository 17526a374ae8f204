"""The guided shell's own commands, in French and in English.

Each word typed first on a line maps to one built-in key; the shell's
handlers are looked up by key, so a new spelling is one entry here.
"""
from __future__ import annotations

from dockerlab.tutor.i18n import N_

NAMES: dict[str, str] = {
    "aide": "help", "help": "help", "?": "help",
    "indice": "hint", "hint": "hint",
    "solution": "solution",
    "vérifier": "check", "verifier": "check", "check": "check",
    "suivant": "next", "next": "next",
    "précédent": "prev", "precedent": "prev", "prev": "prev", "previous": "prev",
    "reset": "reset",
    "langue": "lang", "lang": "lang",
    "quitter": "exit", "exit": "exit", "quit": "exit",
    "réponse": "answer", "reponse": "answer", "answer": "answer",
    "étape": "step", "etape": "step", "step": "step",
}

# (French word, English word, what it does) for `aide`, in display order.
HELP: list[tuple[str, str, str]] = [
    ("aide", "help", N_("show this help")),
    ("étape", "step", N_("show the current step again")),
    ("indice", "hint", N_("show the next hint")),
    ("solution", "solution", N_("show the solution of the step")),
    ("vérifier", "check", N_("run the step's checks and show each one")),
    ("réponse N", "answer N", N_("answer the quiz (several numbers for several choices)")),
    ("suivant", "next", N_("go to the next step")),
    ("précédent", "prev", N_("go back to the previous step")),
    ("reset", "reset", N_("start the current step again (runs its setup)")),
    ("langue fr|en", "lang fr|en", N_("change the language")),
    ("quitter", "exit", N_("leave (your progress is saved)")),
]


def builtin_of(line: str) -> tuple[str, list[str]] | None:
    """(key, arguments) when the line starts with a built-in, else None."""
    words = line.split()
    if not words:
        return None
    key = NAMES.get(words[0].lower())
    return (key, words[1:]) if key else None


def completion_words() -> list[str]:
    return sorted(NAMES)
