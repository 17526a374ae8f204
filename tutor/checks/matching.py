"""Find the objects (containers, images...) that meet every written criterion.

Each state check is a table of criteria: `field -> function(expected,
object) -> reason or None`. Only the fields the teacher wrote are tested.
When nothing matches, the object with the fewest failed criteria is named
with its reasons, which tells a student *what* to fix ("state is exited,
expected running") rather than only that something is wrong.
"""
from __future__ import annotations

import json
from typing import Any, Callable, Iterable

from pydantic import BaseModel

from dockerlab.tutor.i18n import N_, _, ngettext

Criterion = Callable[[Any, dict], "str | None"]

NONE_AT_ALL = {
    "container": N_("no container matches ({criteria}): there is no container at all"),
    "image": N_("no image matches ({criteria}): there is no image at all"),
    "network": N_("no network matches ({criteria}): there is no network at all"),
    "volume": N_("no volume matches ({criteria}): there is no volume at all"),
}
CLOSEST = {
    "container": N_("no container matches ({criteria}); the closest, '{name}', differs: {reasons}"),
    "image": N_("no image matches ({criteria}); the closest, '{name}', differs: {reasons}"),
    "network": N_("no network matches ({criteria}); the closest, '{name}', differs: {reasons}"),
    "volume": N_("no volume matches ({criteria}); the closest, '{name}', differs: {reasons}"),
}
UNWANTED = {
    "container": N_("container '{name}' matches ({criteria}) but should not exist"),
    "image": N_("image '{name}' matches ({criteria}) but should not exist"),
    "network": N_("network '{name}' matches ({criteria}) but should not exist"),
    "volume": N_("volume '{name}' matches ({criteria}) but should not exist"),
}


def show(value: Any) -> str:
    """A value as the teacher would write it in YAML (strings unquoted)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=_plain)


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(exclude_none=True)
    return str(value)


def differs(field: str, found: Any, expected: Any) -> str:
    return _("{field} is {found}, expected {expected}").format(
        field=field, found=show(found), expected=show(expected))


def lacks(field: str, item: Any) -> str:
    return _("{field}: {item} not found").format(field=field, item=show(item))


def criteria_text(spec: BaseModel, skip: Iterable[str] = ()) -> str:
    """`image=nginx, state=running`: the criteria the teacher wrote."""
    parts = []
    for name, info in type(spec).model_fields.items():
        if name in spec.model_fields_set and name not in skip:
            parts.append(f"{info.alias or name}={show(getattr(spec, name))}")
    return ", ".join(parts) or "*"


IDENTITY = {"name", "tag"}  # the object the teacher means: weighs most when choosing the closest


def reasons(spec: BaseModel, obj: dict, criteria: dict[str, Criterion]) -> list[tuple[str, str]]:
    """`(field, why)` for each written criterion `obj` fails (empty: it matches)."""
    found = []
    for name in type(spec).model_fields:
        if name in spec.model_fields_set and name in criteria:
            reason = criteria[name](getattr(spec, name), obj)
            if reason:
                found.append((name, reason))
    return found


def _distance(failed: list[tuple[str, str]]) -> int:
    return sum(10 if name in IDENTITY else 1 for name, _reason in failed)


def judge(kind: str, spec: BaseModel, objects: list[dict], criteria: dict[str, Criterion],
          name_of: Callable[[dict], str], exists: bool = True,
          count: int | None = None) -> tuple[bool, str, list[dict]]:
    """Verdict, explanation and the matching objects."""
    text = criteria_text(spec, skip=("count", "exists"))
    scored = [(reasons(spec, obj, criteria), obj) for obj in objects]
    matched = [obj for why, obj in scored if not why]
    if count is not None:
        ok = len(matched) == count
        msg = ngettext("{found} container matches ({criteria}), expected {count}",
                       "{found} containers match ({criteria}), expected {count}", len(matched))
        return ok, "" if ok else msg.format(found=len(matched), criteria=text, count=count), matched
    if not exists:
        if not matched:
            return True, "", matched
        return False, _(UNWANTED[kind]).format(name=name_of(matched[0]), criteria=text), matched
    if matched:
        return True, "", matched
    if not scored:
        return False, _(NONE_AT_ALL[kind]).format(criteria=text), matched
    why, closest = min(scored, key=lambda pair: _distance(pair[0]))
    return False, _(CLOSEST[kind]).format(criteria=text, name=name_of(closest),
                                          reasons="; ".join(r for _f, r in why)), matched
