"""Pydantic validation errors, said for people and placed at `line:column`.

Pydantic's messages are English and name internal types; a teacher needs
"unknown key 'hint' (did you mean 'hints'?)" at the line of the typo. Each
error's `loc` is matched against the real document (union member names in
`loc` are skipped), then worded from a small table of message ids that the
French catalogue translates.
"""
from __future__ import annotations

import datetime
from typing import Any

from pydantic import BaseModel, ValidationError

from dockerlab.tutor.checks.models import KINDS, Check
from dockerlab.tutor.checks.rules import suggest
from dockerlab.tutor.i18n import N_, NP_, LazyText, Localized
from dockerlab.tutor.labs.diagnostics import Diagnostic
from dockerlab.tutor.labs.modelpath import field_keys, model_at
from dockerlab.tutor.labs.yamlpos import Path, Position, PositionedYaml

EXPECTED = {
    "string_type": N_("a string"),
    "int_type": N_("an integer"), "int_parsing": N_("an integer"),
    "int_from_float": N_("an integer"),
    "float_type": N_("a number"), "float_parsing": N_("a number"),
    "bool_type": N_("true or false"), "bool_parsing": N_("true or false"),
    "list_type": N_("a list"), "tuple_type": N_("a list"), "set_type": N_("a list"),
    "dict_type": N_("a mapping"), "model_type": N_("a mapping"),
    "model_attributes_type": N_("a mapping"),
}
TEXT = N_("a text (a string or {fr: ..., en: ...})")
BOUNDS = {
    "greater_than_equal": ("ge", N_("must be at least {limit}")),
    "greater_than": ("gt", N_("must be greater than {limit}")),
    "less_than_equal": ("le", N_("must be at most {limit}")),
    "less_than": ("lt", N_("must be less than {limit}")),
}


def found_noun(value: Any) -> LazyText:
    """How a YAML value's type is named in messages (translated when shown)."""
    if value is None:
        return LazyText(N_("nothing (null)"))
    if isinstance(value, bool):
        return LazyText(N_("true/false"))
    if isinstance(value, (int, float)):
        return LazyText(N_("a number"))
    if isinstance(value, str):
        return LazyText(N_("a string"))
    if isinstance(value, list):
        return LazyText(N_("a list"))
    if isinstance(value, dict):
        return LazyText(N_("a mapping"))
    if isinstance(value, (datetime.date, datetime.datetime)):
        return LazyText(N_("a date"))
    return LazyText(N_("a value"))


def resolve(loc: tuple[Any, ...], data: Any) -> tuple[Path, list[Any]]:
    """Split `loc` into the part that exists in `data` and what is left.

    Leftovers are union member names (`int`, `function-after[...]`) and,
    for a missing key, the key itself (always last).
    """
    path: list[Any] = []
    leftover: list[Any] = []
    node = data
    for item in loc:
        if isinstance(node, dict) and not isinstance(item, int) and item in node:
            node = node[item]
            path.append(item)
        elif isinstance(node, list) and isinstance(item, int) and 0 <= item < len(node):
            node = node[item]
            path.append(item)
        else:
            leftover.append(item)
    return tuple(path), leftover


class Explainer:
    """Turns one ValidationError on one document into diagnostics."""

    def __init__(self, file: str, doc: PositionedYaml, root: type[BaseModel]):
        self.file, self.doc, self.root = file, doc, root

    def diagnostics(self, error: ValidationError) -> list[Diagnostic]:
        wrong_types: dict[Path, dict] = {}
        result: list[Diagnostic] = []
        for err in error.errors():
            path, leftover = resolve(err["loc"], self.doc.data)
            if err["type"] in EXPECTED:
                entry = wrong_types.setdefault(path, {"expected": [], "input": err["input"]})
                entry["expected"].append(self._expected(err["type"], path))
                continue
            result.append(self._one(err, path, leftover))
        result += [self._wrong_type(path, e["expected"], e["input"]) for path, e in wrong_types.items()]
        unique = {(d.line, d.column, d.message): d for d in result}
        return list(unique.values())

    def _at(self, pos: Position, msgid: str, **args: Any) -> Diagnostic:
        return Diagnostic(self.file, pos.line, pos.column, msgid, args)

    def _expected(self, kind: str, path: Path) -> str:
        model = model_at(self.root, path)
        if model is Localized and kind in ("model_type", "dict_type", "string_type"):
            return TEXT
        return EXPECTED[kind]

    def _wrong_type(self, path: Path, expected: list[str], value: Any) -> Diagnostic:
        pos = self.doc.value_position(path)
        wanted = LazyText(*expected)
        raw = self.doc.plain.get(path)
        stringy = any(e in (EXPECTED["string_type"], TEXT) for e in expected)
        if stringy and raw and isinstance(value, (int, float, bool, datetime.date)):
            return self._at(pos, N_("wrong type: expected {expected}, found {found}; "
                                    "write it in quotes: \"{raw}\""),
                            expected=wanted, found=found_noun(value), raw=raw)
        return self._at(pos, N_("wrong type: expected {expected}, found {found}"),
                        expected=wanted, found=found_noun(value))

    def _one(self, err: dict, path: Path, leftover: list[Any]) -> Diagnostic:
        kind, ctx = err["type"], err.get("ctx") or {}
        pos = self.doc.value_position(path)
        if "msgid" in ctx:
            return self._at(pos, ctx["msgid"], **{k: v for k, v in ctx.items() if k != "msgid"})
        if kind == "missing" and leftover:
            return self._at(pos, N_("missing required key '{key}'"), key=leftover[-1])
        if kind == "extra_forbidden":
            return self._unknown_key(path)
        if kind == "literal_error":
            return self._at(pos, N_("invalid value {value}: expected one of {expected}"),
                            value=repr(err["input"]),
                            expected=str(ctx.get("expected", "")).replace(" or ", ", "))
        if kind in BOUNDS:
            key, msgid = BOUNDS[kind]
            limit = ctx.get(key)
            if isinstance(limit, float) and limit.is_integer():
                limit = int(limit)
            return self._at(pos, msgid, limit=limit)
        if kind == "too_short":
            count = ctx.get("min_length", 1)
            singular, plural = NP_("needs at least {count} item", "needs at least {count} items")
            return Diagnostic(self.file, pos.line, pos.column, singular, {"count": count},
                              plural=plural, count=count)
        if kind == "string_pattern_mismatch":
            return self._at(pos, N_("invalid identifier '{value}': use lower-case letters, "
                                    "digits, '.', '-' and '_', starting with a letter or a "
                                    "digit"), value=err["input"])
        if kind == "string_too_long":
            return self._at(pos, N_("too long: at most {limit} characters"),
                            limit=ctx.get("max_length"))
        return self._at(pos, N_("{message}"), message=err["msg"])

    def _unknown_key(self, path: Path) -> Diagnostic:
        key = path[-1]
        pos = self.doc.key_position(path)
        model = model_at(self.root, path[:-1])
        allowed = field_keys(model) if model else []
        in_check = model is Check
        has_kind = in_check and self._has_kind(path[:-1])
        if has_kind:  # a check has one kind: another key can only be a misspelt "fail"
            allowed = [k for k in allowed if k not in KINDS]
        guess = suggest(str(key), allowed)
        if in_check and not has_kind and guess != "fail":
            if guess:
                return self._at(pos, N_("unknown check kind '{key}' (did you mean '{suggestion}'?)"),
                                key=key, suggestion=guess)
            return self._at(pos, N_("unknown check kind '{key}' (known kinds: {kinds})"),
                            key=key, kinds=", ".join(KINDS))
        if guess:
            return self._at(pos, N_("unknown key '{key}' (did you mean '{suggestion}'?)"),
                            key=key, suggestion=guess)
        return self._at(pos, N_("unknown key '{key}'"), key=key)

    def _has_kind(self, path: Path) -> bool:
        node = self.doc.data
        for item in path:
            node = node[item]
        return isinstance(node, dict) and any(k in node for k in KINDS)
