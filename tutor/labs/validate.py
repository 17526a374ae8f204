"""`dockerlab lab validate FILE...`: every problem of every file, then a summary.

Kept separate from the CLI so the command is a one-liner to wire and the
output is testable as text: compiler-style lines, then one summary line;
exit code 1 when any file has an error (warnings alone pass, they are
advice for the teacher, not blockers).
"""
from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Iterable

from dockerlab.tutor.i18n import ngettext, use_language
from dockerlab.tutor.labs.diagnostics import Diagnostic
from dockerlab.tutor.labs.loader import read_lab


def _summary(files: int, errors: int, warnings: int) -> str:
    return "{files}, {errors}, {warnings}".format(
        files=ngettext("{n} file checked", "{n} files checked", files).format(n=files),
        errors=ngettext("{n} error", "{n} errors", errors).format(n=errors),
        warnings=ngettext("{n} warning", "{n} warnings", warnings).format(n=warnings),
    )


def validate_files(paths: Iterable[str | Path], lang: str | None = None) -> tuple[str, int]:
    """The report text and the exit code (0 valid, 1 errors) for `paths`.

    `lang` (`fr`/`en`, None = the current language) applies to this report
    only.
    """
    with use_language(lang) if lang else nullcontext():
        found: list[Diagnostic] = []
        count = 0
        for path in paths:
            count += 1
            found += read_lab(path)[1]
        errors = sum(d.severity == "error" for d in found)
        lines = [d.render() for d in found]
        lines.append(_summary(count, errors, len(found) - errors))
        return "\n".join(lines) + "\n", 1 if errors else 0

