"""Read a lab (or any document of the schema family) with positioned errors.

Reading goes YAML (with positions) -> pydantic model -> document-wide rules,
and every problem on the way becomes a `Diagnostic` at `file:line:column`.
Exams reuse `read_document` with their own model and rules.
"""
from __future__ import annotations

from pathlib import Path as FsPath
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from dockerlab.tutor.i18n import N_
from dockerlab.tutor.labs.diagnostics import Diagnostic, LabError, Severity
from dockerlab.tutor.labs.explain import Explainer
from dockerlab.tutor.labs.lint import GENERIC_RULES, LAB_RULES, Rule
from dockerlab.tutor.labs.schema import Lab
from dockerlab.tutor.labs.yamlpos import Path, PositionedYaml, YamlSyntaxError, load_positioned

M = TypeVar("M", bound=BaseModel)
MAX_BYTES = 2_000_000


def _read_text(file: str) -> str:
    raw = FsPath(file).read_bytes()
    if len(raw) > MAX_BYTES:
        raise ValueError(N_("the file is too large (more than 2 MB)"))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(N_("the file is not UTF-8 text")) from None


def _parse(file: str) -> PositionedYaml | Diagnostic:
    try:
        text = _read_text(file)
    except OSError as err:
        return Diagnostic(file, 1, 1, N_("cannot read the file: {reason}"),
                          {"reason": err.strerror or str(err)})
    except ValueError as err:
        return Diagnostic(file, 1, 1, str(err))
    try:
        return load_positioned(text)
    except YamlSyntaxError as err:
        pos = err.position
        if err.context:
            return Diagnostic(file, pos.line, pos.column,
                              N_("YAML syntax error: {problem} ({context}, line {line})"),
                              {"problem": err.problem, "context": err.context,
                               "line": err.context_line})
        return Diagnostic(file, pos.line, pos.column, N_("YAML syntax error: {problem}"),
                          {"problem": err.problem})


def _duplicates(file: str, doc: PositionedYaml) -> list[Diagnostic]:
    return [Diagnostic(file, here.line, here.column,
                       N_("duplicate key '{key}' (first written at line {line})"),
                       {"key": path[-1], "line": first.line})
            for path, here, first in doc.duplicates]


def read_document(file: str | FsPath, model: type[M],
                  rules: list[Rule] = ()) -> tuple[M | None, list[Diagnostic]]:
    """The validated document (None when it has errors) and every diagnostic."""
    file = str(file)
    doc = _parse(file)
    if isinstance(doc, Diagnostic):
        return None, [doc]
    found = _duplicates(file, doc)
    try:
        document = model.model_validate(doc.data)
    except ValidationError as err:
        return None, sorted(found + Explainer(file, doc, model).diagnostics(err),
                            key=lambda d: d.sort_key)

    def report(where: Path, msgid: str, severity: Severity = "error", **args: Any) -> None:
        pos = doc.value_position(where)
        found.append(Diagnostic(file, pos.line, pos.column, msgid, args, severity))

    for rule in [*GENERIC_RULES, *rules]:
        rule(document, doc, report)
    found.sort(key=lambda d: d.sort_key)
    if any(d.severity == "error" for d in found):
        return None, found
    return document, found


def load_document(file: str | FsPath, model: type[M], rules: list[Rule] = ()) -> M:
    """The validated document; `LabError` with all diagnostics when it has errors."""
    document, found = read_document(file, model, rules)
    if document is None:
        raise LabError(found)
    return document


def read_lab(file: str | FsPath) -> tuple[Lab | None, list[Diagnostic]]:
    """A lab and its warnings (or None and its errors), without raising."""
    return read_document(file, Lab, LAB_RULES)


def load_lab(file: str | FsPath) -> Lab:
    """The lab in `file`; raises `LabError` listing every problem found."""
    return load_document(file, Lab, LAB_RULES)
