"""Which model describes a given place in a document.

Pydantic's `extra_forbidden` error does not say which keys *were* allowed.
To suggest "did you mean 'hints'?" we follow the document path through the
model's annotations (lists, dicts, optionals, Annotated) down to the model
that rejected the key, and read its field names.
"""
from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel


def _candidates(annotation: Any) -> list[Any]:
    """The concrete types behind Optional/Union/Annotated."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _candidates(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        found: list[Any] = []
        for arg in typing.get_args(annotation):
            if arg is not type(None):
                found += _candidates(arg)
        return found
    return [annotation]


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def field_keys(model: type[BaseModel]) -> list[str]:
    """The keys a document may use for `model` (aliases where set)."""
    return [f.alias or name for name, f in model.model_fields.items()]


def _step(annotation: Any, item: Any) -> Any:
    for tp in _candidates(annotation):
        origin = typing.get_origin(tp)
        if _is_model(tp) and isinstance(item, str):
            for name, info in tp.model_fields.items():
                if item in (info.alias, name):
                    return info.annotation
        elif origin in (list, tuple, set) and isinstance(item, int):
            return typing.get_args(tp)[0]
        elif origin is dict and not isinstance(item, int):
            return typing.get_args(tp)[1]
    return None


def model_at(root: type[BaseModel], path: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class validating the mapping at `path`, if it is one."""
    annotation: Any = root
    for item in path:
        annotation = _step(annotation, item)
        if annotation is None:
            return None
    models = [tp for tp in _candidates(annotation) if _is_model(tp)]
    return models[0] if models else None
