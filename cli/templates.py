"""Go templates for `--format`, with Docker's functions, errors and JSON.

`docker inspect -f '{{.State.Status}}'`, `docker ps --format 'table
{{.ID}}\\t{{.Names}}'` and friends run Go's text/template over Docker's data.
The `gotpl` package executes the templates; this module adds what the
docker client puts around them:

* Docker's template functions (json, split, join, title, lower, upper, pad,
  truncate) next to Go's builtins (println, printf, index, len...), and the
  header variants used for table headings;
* Go's value semantics that plain dicts cannot express: `GoStruct` prints as
  `{a b}`, keeps its field order in JSON and refuses unknown fields, so
  `{{.Config.ExposedPorts}}` prints `map[80/tcp:{}]` like Docker;
* Go's encoding/json (`{{json .}}`, `docker inspect` output);
* `docker inspect`'s typed-then-raw evaluation, and Go's error texts
  (`template parsing error: template: :1: unclosed action`).
"""
from __future__ import annotations

import io
import math
from decimal import Decimal
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import gotpl
from gotpl import TemplateExecutionError, TemplateSyntaxError
from gotpl.runtime import INVALID

from dockerlab.cli.formats import preformat  # Docker's preFormat, here for the callers of templates

__all__ = [
    "TemplateError", "GoStruct", "typed", "raw", "map_paths", "FUNCTIONS", "HEADER_FUNCTIONS",
    "Template", "parse", "render", "go_json", "inspect_json", "render_inspect",
    "preformat", "CONTAINER_MAPS", "IMAGE_MAPS", "NETWORK_MAPS", "VOLUME_MAPS",
]


class TemplateError(Exception):
    """A --format template failed; `str()` is the docker client's message.

    `exit_code` is what the client exits with (64 for a template that does
    not parse in `docker inspect`, 1 otherwise).
    """

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message


# ---------------------------------------------------------------------------
# Go values that Python's dicts and lists do not model.
# ---------------------------------------------------------------------------

_NESTED = gotpl.Template("{{.}}")


def _nested_text(value: object) -> str:
    """How Go's fmt prints `value` inside a struct, map or slice."""
    return _NESTED.render([value])[1:-1]


class GoStruct:
    """A Go struct value: fixed fields in declaration order.

    Go prints a struct as `{v1 v2 ...}` (an empty one as `{}`), encodes it
    to JSON in field order, and fails on a field it does not have ("can't
    evaluate field Foo in type container.State") where a map would print
    `<no value>`. `docker inspect` relies on that failure to fall back to
    the raw JSON.
    """

    __slots__ = ("fields", "type_name")

    def __init__(self, fields: Mapping[str, object] | None = None,
                 type_name: str = "struct {}"):
        self.fields = dict(fields or {})
        self.type_name = type_name

    def __gotemplate_lookup__(self, name: str) -> object:
        if name in self.fields:
            return self.fields[name]
        raise TemplateExecutionError(
            f"can't evaluate field {name} in type {self.type_name}")

    def __str__(self) -> str:
        return "{" + " ".join(_nested_text(v) for v in self.fields.values()) + "}"

    def __go_format_value__(self, kind: str, mode: str, *, nested: bool) -> str:
        return self.type_name if kind == "type" else str(self)

    def __go_json__(self) -> object:
        return self.fields

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GoStruct) and self.fields == other.fields

    def __repr__(self) -> str:
        return f"GoStruct({self.fields!r})"


def _matches(path: tuple[str, ...], patterns: frozenset[tuple[str, ...]]) -> bool:
    return any(len(p) == len(path) and all(a in ("*", b) for a, b in zip(p, path))
               for p in patterns)


def map_paths(*dotted: str) -> frozenset[tuple[str, ...]]:
    """Dotted paths ("Config.Labels", "Networks.*.DriverOpts") for typed()."""
    return frozenset(tuple(p.split(".")) for p in dotted)


def typed(data: object, maps: frozenset[tuple[str, ...]] = frozenset(),
          _path: tuple[str, ...] = ()) -> object:
    """Docker's typed view of a JSON-like document: dicts become GoStructs,
    except at the dotted paths listed in `maps` (Go maps, e.g.
    "Config.Labels"). `*` matches any key or list index: "Config.ExposedPorts"
    is a map whose values ("Config.ExposedPorts.*") are empty structs.
    """
    if isinstance(data, GoStruct):
        data = data.fields
    if isinstance(data, Mapping):
        converted = {k: typed(v, maps, _path + (str(k),)) for k, v in data.items()}
        return converted if _matches(_path, maps) else GoStruct(converted)
    if isinstance(data, (list, tuple)):
        return [typed(v, maps, _path + ("*",)) for v in data]
    return data


def raw(data: object) -> object:
    """The raw view (JSON decoded into map[string]any): plain dicts only."""
    if isinstance(data, GoStruct):
        data = data.fields
    if isinstance(data, Mapping):
        return {k: raw(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [raw(v) for v in data]
    return data


# Go maps (not structs) in the documents of `docker inspect`, from the
# Engine API types. Every other object in those documents is a struct.
CONTAINER_MAPS = map_paths(*(
    "Config.Labels", "Config.ExposedPorts", "Config.Volumes",
    "HostConfig.PortBindings", "HostConfig.LogConfig.Config", "HostConfig.Sysctls",
    "HostConfig.StorageOpt", "HostConfig.Tmpfs", "HostConfig.Annotations",
    "NetworkSettings.Ports", "NetworkSettings.Networks",
    "NetworkSettings.Networks.*.DriverOpts", "GraphDriver.Data",
    "Mounts.*.VolumeOptions.Labels",
))
IMAGE_MAPS = map_paths(*(
    "Config.Labels", "Config.ExposedPorts", "Config.Volumes", "GraphDriver.Data",
    "ContainerConfig.Labels", "ContainerConfig.ExposedPorts", "ContainerConfig.Volumes",
))
NETWORK_MAPS = map_paths(*(
    "Options", "Labels", "Containers", "IPAM.Options", "IPAM.Config.*.AuxiliaryAddresses",
    "ConfigFrom", "Peers",
))
VOLUME_MAPS = map_paths(*("Labels", "Options", "Status"))


# ---------------------------------------------------------------------------
# Go's encoding/json.
# ---------------------------------------------------------------------------

def _go_json_float(value: float) -> str:
    """encoding/json's float64: shortest digits, positional between 1e-6 and
    1e21, exponent outside ("1e-7", "1e+21")."""
    if math.isnan(value) or math.isinf(value):
        raise TemplateExecutionError(
            f"json: unsupported value: {'NaN' if math.isnan(value) else value}")
    if value == 0 or 1e-6 <= abs(value) < 1e21:
        return format(Decimal(repr(value)), "f").removesuffix(".0") \
            if "e" in repr(value) or value == int(value) else repr(value)
    return re.sub(r"e-0(\d)$", r"e-\1", repr(value))


_JSON_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t",
                 "\b": "\\b", "\f": "\\f", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_HTML_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}


def _json_string(text: str, escape_html: bool) -> str:
    """encoding/json's string: control characters as \\u00XX, no ASCII-only."""
    out = []
    for char in text:
        if char in _JSON_ESCAPES:
            out.append(_JSON_ESCAPES[char])
        elif escape_html and char in _HTML_ESCAPES:
            out.append(_HTML_ESCAPES[char])
        elif ord(char) < 0x20:
            out.append(f"\\u{ord(char):04x}")
        elif 0xD800 <= ord(char) < 0xE000:  # lone surrogate: invalid UTF-8 in Go
            out.append("\ufffd")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _json_members(value: object) -> list[tuple[str, object]] | None:
    """Object members in Go's order: struct fields as declared, map keys sorted."""
    if isinstance(value, _StructFields):
        return list(value.items())
    if isinstance(value, Mapping):
        return [(str(k), value[k]) for k in sorted(value, key=str)]
    return None


class _StructFields(dict):
    """Fields returned by a __go_json__ hook: encoded in their own order."""


def _encode(value: object, html: bool, indent: str | None, depth: int) -> str:
    hook = getattr(value, "__go_json__", None)
    if callable(hook):
        inner = hook()
        value = _StructFields(inner) if isinstance(inner, Mapping) else inner
    members = _json_members(value)
    if members is not None:
        items = [_json_string(k, html) + (": " if indent else ":")
                 + _encode(v, html, indent, depth + 1) for k, v in members]
        return _wrap_json("{", items, "}", indent, depth)
    if isinstance(value, (list, tuple)):
        items = [_encode(v, html, indent, depth + 1) for v in value]
        return _wrap_json("[", items, "]", indent, depth)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _go_json_float(value)
    if isinstance(value, str):
        return _json_string(value, html)
    raise TemplateExecutionError(f"json: unsupported type: {type(value).__name__}")


def _wrap_json(open_: str, items: list[str], close: str, indent: str | None,
               depth: int) -> str:
    if not items:
        return open_ + close
    if indent is None:
        return open_ + ",".join(items) + close
    inner = "\n" + indent * (depth + 1)
    return open_ + inner + ("," + inner).join(items) + "\n" + indent * depth + close


def go_json(value: object, *, escape_html: bool = False, indent: str | None = None) -> str:
    """Go's encoding/json of `value` (dicts are maps: sorted keys; GoStructs
    keep field order). Docker's `json` template function does not escape
    HTML; the daemon's API output, shown by `docker inspect`, does.
    """
    return _encode(value, escape_html, indent, 0)


def inspect_json(items: Sequence[object], *, compact: bool = False) -> str:
    """`docker inspect` without --format (indented) or with `--format json`."""
    if not items:
        return "[]\n"
    return go_json(list(items), escape_html=True, indent=None if compact else "    ") + "\n"


# ---------------------------------------------------------------------------
# Docker's template functions (docker/cli templates/templates.go).
# ---------------------------------------------------------------------------

def _json(value: object) -> str:
    return go_json(value)


def _need_string(value: object) -> str:
    if value is INVALID:  # a missing map key handed to a function
        raise TemplateExecutionError("invalid value; expected string")
    if not isinstance(value, str):
        raise TemplateExecutionError(f"wrong type for value; expected string; got "
                                     f"{_go_type(value)}")
    return value


def _go_type(value: object) -> str:
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, (list, tuple)):
        return "[]interface {}"
    if isinstance(value, Mapping):
        return "map[string]interface {}"
    return getattr(value, "type_name", type(value).__name__)


def _split(text: object, sep: object) -> list[str]:
    text, sep = _need_string(text), _need_string(sep)
    if sep == "":
        return list(text)
    return text.split(sep)


def _join(items: object, sep: object) -> str:
    if not isinstance(items, (list, tuple)) or not all(isinstance(i, str) for i in items):
        raise TemplateExecutionError(f"wrong type for value; expected []string; got "
                                     f"{_go_type(items)}")
    return _need_string(sep).join(items)


def _title(text: object) -> str:
    """strings.Title: upper-case the first letter of each word."""
    return re.sub(r"(?:^|(?<=[^\w']))(\w)", lambda m: m.group(1).upper(), _need_string(text))


def _pad(text: object, prefix: int, suffix: int) -> str:
    text = _need_string(text)
    return text if text == "" else " " * prefix + text + " " * suffix


def _truncate(text: object, length: int) -> str:
    """truncateWithLength: byte length, as Go's len() counts."""
    data = _need_string(text).encode()
    if len(data) < length:
        return data.decode()
    return data[:length].decode(errors="ignore")


FUNCTIONS = {
    "json": _json, "split": _split, "join": _join, "title": _title,
    "lower": lambda s: _need_string(s).lower(), "upper": lambda s: _need_string(s).upper(),
    "pad": _pad, "truncate": _truncate,
}

# Table headings are rendered with these: the heading stays intact
# (`pad` is kept, so padded columns stay aligned with their heading).
HEADER_FUNCTIONS = {
    **FUNCTIONS,
    "json": _need_string, "split": lambda v, _sep: _need_string(v),
    "join": lambda v, _sep: _need_string(v), "title": _need_string,
    "lower": _need_string, "upper": _need_string, "truncate": lambda v, _n: _need_string(v),
}


# ---------------------------------------------------------------------------
# Parsing and executing, with Go's error texts.
# ---------------------------------------------------------------------------

_SYNTAX_TEXTS = [
    (re.compile(r"function '([^']*)' not defined"), r'function "\1" not defined'),
    (re.compile(r"undefined variable '([^']*)'"), r'undefined variable "\1"'),
    (re.compile(r"^unexpected (end|else)$"), r"unexpected {{\1}}"),
    (re.compile(r"^(break|continue) outside range$"), r"{{\1}} outside {{range}}"),
]
_EXEC_TEXTS = [
    (re.compile(r"missing key or attribute '([^']*)'"), r'map has no entry for key "\1"'),
    (re.compile(r"template '([^']*)' is not defined"), r'template "\1" not defined'),
    (re.compile(r"function '([^']*)' failed: "), r"error calling \1: "),
    (re.compile(r"^non-callable command has arguments$"), "can't give argument to non-function"),
]
_FIELD_CHAIN = re.compile(r"(\$\w*|\.\w*|\w+)((?:\.\w+)*)")


def _translate(message: str, table: list[tuple[re.Pattern[str], str]]) -> str:
    for pattern, replacement in table:
        message = pattern.sub(replacement, message)
    return message


def _node_at(source: str, position: int) -> tuple[int, str]:
    """Go's error context for the node at `position`: (column, "<text>").

    A field chain `.A.B.C` is positioned at its second element, as Go's
    parser builds it; node texts longer than 20 characters are cut with
    "...".
    """
    match = _FIELD_CHAIN.match(source, position)
    column = position - (source.rfind("\n", 0, position) + 1)
    text = match.group(0) if match else source[position:position + 1]
    if match and match.group(2) and match.group(1).startswith((".", "$")):
        column += len(match.group(1))
    if len(text) > 20:
        text = text[:20] + "..."
    return column, text


def _syntax_message(err: TemplateSyntaxError, name: str) -> str:
    message = str(err).split(": ", 1)[1]
    return f"template: {name}:{err.line}: {_translate(message, _SYNTAX_TEXTS)}"


def _execution_message(err: TemplateExecutionError, source: str, name: str) -> str:
    message = _translate(getattr(err, "message", str(err)), _EXEC_TEXTS)
    if err.position is None:
        return f"template: {name}: executing \"{name}\": {message}"
    column, node = _node_at(source, err.position)
    if message == "can't give argument to non-function" and node.startswith("."):
        message = f"{node.rsplit('.', 1)[1]} has arguments but cannot be invoked as function"
    elif message == "can't give argument to non-function":
        message += " " + node
    elif message.endswith(" not defined") and source.startswith("{{", err.position):
        action = source[err.position:source.find("}}", err.position) + 2]
        column += action.find('"')
        node = action
    return (f"template: {name}:{err.line}:{column}: executing \"{name}\" at <{node}>: "
            f"{message}")


@dataclass(frozen=True)
class Template:
    """A parsed --format template (Docker's templates.Parse)."""

    source: str
    name: str
    compiled: gotpl.Template
    header: gotpl.Template

    def execute(self, data: object, *, strict: bool = False) -> str:
        """Run the template over `data`; TemplateError carries Go's text.

        `strict` is Go's missingkey=error option: a missing map key fails
        instead of printing `<no value>` (docker inspect's raw retry).
        """
        template = self.compiled
        if strict:
            template = gotpl.Template(self.source, name=self.name or "template",
                                      functions=FUNCTIONS, missing_key="error")
        try:
            return template.render(data)
        except TemplateExecutionError as err:
            raise TemplateError("template parsing error: "
                                + _execution_message(err, self.source, self.name)) from None

    def execute_header(self, headers: object) -> str:
        """The heading row: header functions, and on error the text written
        so far (docker ignores the error of the heading template)."""
        out = io.StringIO()
        try:
            self.header.render_to(out, headers)
        except TemplateExecutionError:
            pass
        return out.getvalue()


def parse(source: str, name: str = "") -> Template:
    """Parse `source` with Docker's functions; errors read like Docker's
    (`template parsing error: template: :1: unclosed action`)."""
    try:
        compiled = gotpl.Template(source, name=name or "template", functions=FUNCTIONS)
        header = gotpl.Template(source, name=name or "template", functions=HEADER_FUNCTIONS)
    except TemplateSyntaxError as err:
        raise TemplateError("template parsing error: " + _syntax_message(err, name),
                            exit_code=64) from None
    return Template(source, name, compiled, header)


def render(source: str, data: object) -> str:
    """Parse and execute in one step: render("{{.State.Status}}", doc)."""
    return parse(source).execute(data)


def render_inspect(fmt: str | None, items: Sequence[object]) -> tuple[str, list[str]]:
    """What `docker inspect [-f fmt]` prints for `items`: (stdout, errors).

    `items` are typed documents (see `typed()`). With a template, each item
    is executed typed; when that fails (an unknown struct field), Docker
    retries on the raw JSON with missingkey=error, so a wrong field name
    reports `map has no entry for key "Foo"`. A template that does not parse
    raises TemplateError (exit code 64).
    """
    if not fmt:  # the daemon's JSON: struct fields in order, map keys sorted
        return inspect_json(items), []
    if fmt == "json":
        return inspect_json(items, compact=True), []
    template = parse(fmt)
    out, errors = [], []
    for item in items:
        try:
            out.append(template.execute(item) + "\n")
            continue
        except TemplateError:
            pass
        try:
            out.append(template.execute(raw(item), strict=True) + "\n")
        except TemplateError as err:
            errors.append(err.message)
    return ("".join(out) or "\n"), errors
