"""Schema rule violations that carry their own translatable message.

Validators raise `rule_error(...)`; the loader turns it into a positioned
diagnostic and translates `msgid` (English, with `{name}` fields) at display
time, so `dockerlab lab validate --lang en` and the French default share one
source of truth.
"""
from __future__ import annotations

from typing import Any

from pydantic_core import PydanticCustomError


def rule_error(kind: str, msgid: str, **ctx: Any) -> PydanticCustomError:
    """A validation error of type `kind` whose message is `msgid.format(**ctx)`."""
    return PydanticCustomError(kind, msgid, {"msgid": msgid, **ctx})


def suggest(word: str, choices: list[str] | tuple[str, ...]) -> str | None:
    """The closest of `choices` to a misspelt `word`, for "did you mean ...?"."""
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return close[0] if close else None
