"""--format strings without the template engine, when they need none.

Docker's default tables (`ps`, `images`, `volume ls`, `network ls`) and most
formats students type (`{{.Names}}\\t{{.Status}}`) are text, `{{.Field}}`
actions and at most `{{if .Field}}...{{else}}...{{end}}`. Importing gotpl
costs ~55 ms, more than the rest of a `docker ps`, so such formats are
rendered here; `compile_fields` answers None for anything else (functions,
pipelines, chained fields, `range`, trim markers...), and so does rendering
for a value it cannot print exactly as Go would, and the caller then uses
the template engine (cli/templates.py), which owns every error message.
"""
from __future__ import annotations

import re
from typing import Callable, Union

_ACTION = re.compile(r"\{\{(.*?)\}\}", re.S)
_FIELD = re.compile(r"\s*\.(\w+)\s*\Z")
_IF = re.compile(r"\s*if\s+\.(\w+)\s*\Z")
_KEYWORD = re.compile(r"\s*(else|end)\s*\Z")

Node = Union[str, tuple]    # text, ("field", name) or ("if", name, then_nodes, else_nodes)


class Unsupported(Exception):
    """A value this renderer cannot print as Go's text/template does."""


def preformat(fmt: str) -> tuple[bool, str]:
    """Docker's Context.preFormat: (is_table, template source).

    "table ..." drops the prefix, "json" means `{{json .}}`, outer spaces
    go, and the two-character sequences `\\t` and `\\n` become real tabs and
    newlines (students type them inside quotes).
    """
    is_table = fmt.startswith("table")
    source = fmt[len("table"):] if is_table else ("{{json .}}" if fmt == "json" else fmt)
    source = source.strip(" ").replace("\\t", "\t").replace("\\n", "\n")
    return is_table, source


class FieldFormat:
    """A parsed field-only format; render() takes the field values by name."""

    def __init__(self, nodes: list[Node]):
        self.nodes = nodes

    def render(self, value: Callable[[str], str]) -> str:
        """The text for one row; `value(name)` raises Unsupported to give up."""
        return _render(self.nodes, value)


def compile_fields(source: str) -> FieldFormat | None:
    """The format as text and field actions, or None if it needs the template engine."""
    root: list[Node] = []
    stack: list[tuple] = []          # open ifs: (name, then_nodes, else_nodes or None)
    current, pos = root, 0
    for match in _ACTION.finditer(source):
        text = source[pos:match.start()]
        pos = match.end()
        if text:
            current.append(text)
        action = match.group(1)
        if "\n" in action or "\r" in action:
            return None
        if field := _FIELD.match(action):
            current.append(("field", field.group(1)))
        elif cond := _IF.match(action):
            stack.append((cond.group(1), [], None))
            current = stack[-1][1]
        elif (word := _KEYWORD.match(action)) and stack:
            name, then, other = stack.pop()
            if word.group(1) == "else":
                if other is not None:
                    return None
                stack.append((name, then, []))
                current = stack[-1][2]
                continue
            current = stack[-1][2 if stack[-1][2] is not None else 1] if stack else root
            current.append(("if", name, then, other or []))
        else:
            return None
    tail = source[pos:]
    if stack or "{{" in tail:
        return None
    if tail:
        root.append(tail)
    return FieldFormat(root)


def _render(nodes: list[Node], value: Callable[[str], str]) -> str:
    out = []
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
        elif node[0] == "field":
            out.append(value(node[1]))
        else:
            _, name, then, other = node
            out.append(_render(then if value(name) else other, value))
    return "".join(out)
