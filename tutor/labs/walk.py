"""Visit every value of a validated document together with its YAML path.

Fields are named by their alias (`exec`, `not`), which is what the YAML
file says, so each path found here can be looked up in the file's position
table. Linters use it to find e.g. every `Localized` lacking English.
"""
from __future__ import annotations

from typing import Any, Iterator

from pydantic import BaseModel

from dockerlab.tutor.labs.yamlpos import Path


def walk(value: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    """Yield `(path, value)` for `value` and everything inside it, depth first."""
    yield path, value
    if isinstance(value, BaseModel):
        for name, info in type(value).model_fields.items():
            if name in value.model_fields_set:
                yield from walk(getattr(value, name), path + (info.alias or name,))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from walk(item, path + (index,))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from walk(item, path + (key,))
