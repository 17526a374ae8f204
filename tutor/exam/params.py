"""Per-student values drawn from the exam's seed.

The draw is a pure function of (seed, exam id, student id, parameter name):
a resumed exam, the teacher's grading machine and a test all find the same
values, and two students almost always get different ones. `{{ name }}` in
any string of a step is replaced by the value.
"""
from __future__ import annotations

import hashlib
import hmac
import random
import re
from typing import Any, Mapping

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def draw(seed: str, exam_id: str, student: str, specs: Mapping[str, Any]) -> dict[str, Any]:
    """One value per parameter spec (`range` int or one of `choices`)."""
    values: dict[str, Any] = {}
    for name in sorted(specs):
        spec = specs[name]
        material = "\0".join((exam_id, student, name)).encode()
        digest = hmac.new(seed.encode(), material, hashlib.sha256).digest()
        rng = random.Random(digest)
        if spec.range is not None:
            values[name] = rng.randint(spec.range[0], spec.range[1])
        else:
            values[name] = rng.choice(spec.choices)
    return values


def placeholders(text: str) -> list[str]:
    """The parameter names a string refers to (`{{ .Names }}` is Docker's, not ours)."""
    return PLACEHOLDER.findall(text)


def substitute(data: Any, values: Mapping[str, Any]) -> Any:
    """`data` (raw YAML) with every `{{ name }}` of a known parameter replaced.

    Values are written as text; integer fields (`port: "{{ port }}"`)
    accept the digits when the step is validated.
    """
    if isinstance(data, str):
        return PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), data)
    if isinstance(data, list):
        return [substitute(item, values) for item in data]
    if isinstance(data, dict):
        return {key: substitute(item, values) for key, item in data.items()}
    return data
