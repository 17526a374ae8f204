"""Field types shared by the check models: lenient to write, strict inside.

A teacher may write `cmd: echo hello` or `cmd: [echo, hello]`, `publish:
"8080:80"` or a list of them, `memory: 32m` or a byte count. These
annotated types accept each short form, normalize it once at load time, and
describe both forms in the JSON schema so editors accept them too.
"""
from __future__ import annotations

import re
import shlex
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, WithJsonSchema

from dockerlab.engine.errors import InvalidArgument
from dockerlab.tutor.checks.imageref import check_name
from dockerlab.tutor.checks.rules import rule_error
from dockerlab.tutor.checks.units import parse_publish, parse_size, port_key

_STRINGS = {"type": "array", "items": {"type": "string"}}


def _one_or_many(value: Any) -> Any:
    return value if isinstance(value, list) else [value]


def _words(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return shlex.split(value)
        except ValueError as err:
            raise rule_error("shell_words", "cannot split '{value}' into words: {reason}",
                             value=value, reason=str(err)) from None
    return value


def _size(binary: bool):
    def parse(value: Any) -> Any:
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            try:
                return parse_size(value, binary)
            except ValueError:
                pass
        raise rule_error("size_format", "invalid size '{value}': write a number of bytes "
                         "or a number with a unit (k, m, g)", value=str(value))
    return parse


def _check_publish(values: list[str]) -> list[str]:
    for text in values:
        try:
            parse_publish(text)
        except ValueError:
            raise rule_error("publish_format", "invalid port mapping '{value}': expected "
                             "[ip:]host_port:container_port[/protocol], e.g. \"8080:80\"",
                             value=text) from None
    return values


def _check_ports(values: list[Any]) -> list[str]:
    try:
        return [port_key(v) for v in values]
    except ValueError as err:
        raise rule_error("port_format", "invalid port '{value}': expected a port number "
                         "with an optional /tcp or /udp, e.g. \"80/tcp\"",
                         value=str(err)) from None


def _check_regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as err:
        raise rule_error("regex", "invalid regular expression '{value}': {reason}",
                         value=value, reason=str(err)) from None
    return value


def _check_image(value: str) -> str:
    try:
        return check_name(value)
    except InvalidArgument as err:
        raise rule_error("image_name", "invalid image name '{value}': {reason}",
                         value=value, reason=str(err)) from None


ImageName = Annotated[str, AfterValidator(_check_image)]
"""An image reference Docker accepts (`nginx`, `alpine:3.19`, `localhost:5000/x:1`)."""

Words = Annotated[
    list[str], BeforeValidator(_words),
    WithJsonSchema({"anyOf": [{"type": "string"}, _STRINGS]}),
]
"""A command line: a list of words, or one string split like a shell does."""

StrList = Annotated[
    list[str], BeforeValidator(_one_or_many),
    WithJsonSchema({"anyOf": [{"type": "string"}, _STRINGS]}),
]
"""One string or a list of them."""

PublishList = Annotated[StrList, AfterValidator(_check_publish)]
def _ports_as_text(value: Any) -> Any:
    items = value if isinstance(value, list) else [value]
    return [str(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in items]


PortList = Annotated[
    list[str], BeforeValidator(_ports_as_text),
    AfterValidator(_check_ports),
    WithJsonSchema({"anyOf": [{"type": ["string", "integer"]},
                              {"type": "array", "items": {"type": ["string", "integer"]}}]}),
]
_SIZE_SCHEMA = WithJsonSchema({"anyOf": [
    {"type": "integer", "minimum": 0},
    {"type": "string", "pattern": r"^\d+(\.\d+)? ?[kKmMgGtTpP]?[iI]?[bB]?$"},
]})
MemoryBytes = Annotated[int, BeforeValidator(_size(binary=True)), _SIZE_SCHEMA]
"""`--memory` notation: `32m` is 32 MiB, as Docker counts it."""
ImageBytes = Annotated[int, BeforeValidator(_size(binary=False)), _SIZE_SCHEMA]
"""Image size notation: `5MB` is 5,000,000 bytes, as `docker images` shows."""
Regex = Annotated[str, AfterValidator(_check_regex)]


def _numbers_as_text(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v
                for k, v in value.items()}
    return value


EnvMatch = Annotated[dict[str, str | None], BeforeValidator(_numbers_as_text)]
"""Variables that must be set (`PORT: 8080` is the text "8080"); a null
value means "set, to anything"."""
Labels = Annotated[dict[str, str], BeforeValidator(_numbers_as_text)]
