"""Problems found in a lab file, and the error that carries them.

A diagnostic keeps its English message id and arguments, not a rendered
string, so it is translated when shown: a `LabError` raised while French
was current still prints in English under `--lang en`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from dockerlab.tutor.i18n import _, ngettext

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Diagnostic:
    """`file:line:column: message`, an error unless `severity` says warning."""

    file: str
    line: int
    column: int
    msgid: str
    args: dict[str, Any] = field(default_factory=dict)
    severity: Severity = "error"
    plural: str | None = None
    count: int = 1

    @property
    def message(self) -> str:
        """The message in the current language."""
        text = ngettext(self.msgid, self.plural, self.count) if self.plural else _(self.msgid)
        return text.format(**self.args)

    def render(self) -> str:
        """The compiler-style line editors and CI logs understand.

        "warning:" stays untranslated: it is a marker tools match on.
        """
        marker = "warning: " if self.severity == "warning" else ""
        return f"{self.file}:{self.line}:{self.column}: {marker}{self.message}"

    @property
    def sort_key(self) -> tuple:
        return (self.file, self.line, self.column, self.severity)


class LabError(Exception):
    """A lab (or exam) file cannot be used; `diagnostics` says why and where.

    Warnings found in the same file are kept too, so a caller can show
    everything at once.
    """

    def __init__(self, diagnostics: list[Diagnostic]):
        super().__init__()
        self.diagnostics = sorted(diagnostics, key=lambda d: d.sort_key)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    def __str__(self) -> str:
        return "\n".join(d.render() for d in self.errors)


class Report(Protocol):
    """How a document rule reports a problem at a document path (`("steps", 0, "id")`)."""

    def __call__(self, where: tuple[Any, ...], msgid: str, severity: Severity = "error",
                 **args: Any) -> None: ...
