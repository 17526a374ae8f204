"""YAML parsed with the position of every key and value.

pyyaml's `compose` keeps each node's start mark; building the Python data
ourselves from those nodes lets every later error point at `line:column`
of the exact key or value it is about. Duplicate keys (which pyyaml would
silently overwrite) are reported too.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

Path = tuple[Any, ...]
MAX_NODES = 200_000  # aliases can multiply a small file ("billion laughs")


@dataclass(frozen=True)
class Position:
    """1-based line and column, as editors and compilers show them."""

    line: int
    column: int

    @classmethod
    def of(cls, mark: yaml.Mark) -> "Position":
        return cls(mark.line + 1, mark.column + 1)


@dataclass
class PositionedYaml:
    """The data, plus where each path's value (and key) starts in the file."""

    data: Any
    values: dict[Path, Position] = field(default_factory=dict)
    keys: dict[Path, Position] = field(default_factory=dict)
    plain: dict[Path, str] = field(default_factory=dict)
    duplicates: list[tuple[Path, Position, Position]] = field(default_factory=list)

    def value_position(self, path: Path) -> Position:
        """Where `path`'s value starts, or its nearest known ancestor's."""
        for cut in range(len(path), -1, -1):
            if path[:cut] in self.values:
                return self.values[path[:cut]]
        return Position(1, 1)

    def key_position(self, path: Path) -> Position:
        """Where the key naming `path` is written (its value when a list item)."""
        return self.keys.get(path) or self.value_position(path)


class YamlSyntaxError(Exception):
    """The file is not valid YAML; `position` is where the parser stopped."""

    def __init__(self, problem: str, position: Position, context: str = "",
                 context_line: int = 0):
        super().__init__(problem)
        self.problem = problem
        self.position = position
        self.context = context
        self.context_line = context_line


class _Builder:
    """Turns a composed node tree into plain data while recording positions."""

    def __init__(self, loader: yaml.SafeLoader):
        self.loader = loader
        self.doc = PositionedYaml(data=None)
        self.count = 0

    def build(self, node: yaml.Node, path: Path) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise YamlSyntaxError("document too large (too many nodes or aliases)",
                                  Position.of(node.start_mark))
        self.doc.values[path] = Position.of(node.start_mark)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (i,)) for i, item in enumerate(node.value)]
        if node.style is None:
            self.doc.plain[path] = node.value
        return self.loader.construct_object(node, deep=True)

    def _mapping(self, node: yaml.MappingNode, path: Path) -> dict:
        self.loader.flatten_mapping(node)
        result: dict = {}
        for key_node, value_node in node.value:
            key = self.loader.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                raise YamlSyntaxError("a mapping key must be a simple value",
                                      Position.of(key_node.start_mark))
            here = Position.of(key_node.start_mark)
            if key in result:
                self.doc.duplicates.append((path + (key,), here, self.doc.keys[path + (key,)]))
                continue
            self.doc.keys[path + (key,)] = here
            result[key] = self.build(value_node, path + (key,))
        return result


def load_positioned(text: str) -> PositionedYaml:
    """Parse one YAML document; YamlSyntaxError carries pyyaml's position."""
    try:
        loader = yaml.SafeLoader(text)   # the reader already refuses control characters here
    except yaml.reader.ReaderError as err:
        before = text[:err.position]
        position = Position(before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1)
        raise YamlSyntaxError(f"unacceptable character #x{err.character:04x}: "
                              "special characters are not allowed", position) from None
    try:
        node = loader.get_single_node()
        builder = _Builder(loader)
        builder.doc.data = builder.build(node, ()) if node is not None else None
        return builder.doc
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        problem = err.problem or err.context or str(err)
        position = Position.of(mark) if mark else Position(1, 1)
        if err.problem and err.context and err.context_mark:
            raise YamlSyntaxError(problem, position, err.context,
                                  err.context_mark.line + 1) from None
        raise YamlSyntaxError(problem, position) from None
    except yaml.YAMLError as err:
        raise YamlSyntaxError(str(err), Position(1, 1)) from None
    finally:
        loader.dispose()
