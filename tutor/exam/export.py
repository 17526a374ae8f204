"""`exam grade`: verified results to CSV (LMS grade import), JSON and HTML.

The CSV follows what Moodle's "Import grades from CSV" expects: a header
line, one row per student, an identifier column to map to a user field
(username or ID number) and a grade column, UTF-8, a chosen separator
(comma, semicolon, colon or tab), a dot as decimal mark.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from dockerlab.engine.fsutil import atomic_write_bytes
from dockerlab.tutor.i18n import _, current_language

from .result import problems, read_result

SEPARATORS = {",": ",", ";": ";", ":": ":", "\\t": "\t", "\t": "\t", "tab": "\t"}


@dataclass
class GradeReport:
    rows: list[dict] = field(default_factory=list)
    rejected: list[tuple[str, list[str]]] = field(default_factory=list)
    exam: dict = field(default_factory=dict)


def collect(paths: list[Path], key: bytes, expected: tuple[str, str] | None = None) -> GradeReport:
    """Every result verified; the good ones as rows, the others with their reasons.

    Without `expected` (exam id, digest), the first readable result names the exam.
    """
    report = GradeReport()
    reference = expected
    seen: dict[str, str] = {}
    for path in paths:
        try:
            doc = read_result(path)
        except ValueError as err:
            report.rejected.append((str(path), [str(err)]))
            continue
        if reference is None:
            exam = doc.get("exam") or {}
            reference = (exam.get("id"), exam.get("digest"))
        found = problems(doc, key, *reference)
        student = (doc.get("student") or {}).get("id")
        if not found and student in seen:
            found = [_("a second result for student {id} (first: {file})").format(
                id=student, file=seen[student])]
        if found:
            report.rejected.append((str(path), found))
            continue
        seen[student] = str(path)
        report.rows.append(doc)
        report.exam = doc["exam"]
    report.rows.sort(key=lambda d: d["student"]["id"])
    return report


def csv_text(report: GradeReport, sep: str = ",") -> str:
    delimiter = SEPARATORS.get(sep)
    if delimiter is None:
        from .errors import ExamError
        raise ExamError(_("unsupported CSV separator '{sep}': use , ; : or tab").format(sep=sep))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(["identifier", "name", "grade"])
    for row in report.rows:
        writer.writerow([row["student"]["id"], row["student"]["name"], f"{row['grade']:.2f}"])
    return out.getvalue()


def check_stats(rows: list[dict]) -> list[dict]:
    """Per check: how many students got it, in exam order."""
    stats: dict[tuple, dict] = {}
    for row in rows:
        for entry in row["checks"]:
            key = (entry["step"], entry["check"])
            stat = stats.setdefault(key, {"step": entry["step"], "check": entry["check"],
                                          "what": entry["what"], "points": entry["points"],
                                          "passed": 0, "count": 0})
            stat["count"] += 1
            stat["passed"] += bool(entry["ok"])
    for stat in stats.values():
        stat["rate"] = stat["passed"] / stat["count"] if stat["count"] else 0.0
    return list(stats.values())


def distribution(rows: list[dict], scale: float, bins: int = 10) -> list[dict]:
    """How many grades fall in each tenth of the scale (the last bin includes the top)."""
    width = scale / bins
    counts = [0] * bins
    for row in rows:
        counts[min(bins - 1, int(row["grade"] / width))] += 1
    return [{"low": round(i * width, 2), "high": round((i + 1) * width, 2), "count": c}
            for i, c in enumerate(counts)]


def json_document(report: GradeReport) -> dict:
    students = [{"id": r["student"]["id"], "name": r["student"]["name"], "grade": r["grade"],
                 "scale": r["scale"], "score": r["score"], "max": r["max"],
                 "params": r["params"], "reason": r["reason"],
                 "minutes": round((r["ended"] - r["started"]) / 60, 1), "checks": r["checks"]}
                for r in report.rows]
    return {"exam": report.exam, "students": students, "checks": check_stats(report.rows),
            "rejected": [{"file": f, "reasons": why} for f, why in report.rejected]}


def html_text(report: GradeReport) -> str:
    from jinja2 import Environment, FileSystemLoader, select_autoescape
    env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                      autoescape=select_autoescape(["html", "j2"]))
    env.globals["_"] = _
    scale = report.rows[0]["scale"] if report.rows else 20
    grades = [r["grade"] for r in report.rows]
    title = report.exam.get("title") or {}
    return env.get_template("report.html.j2").render(
        lang=current_language(), report=report, scale=scale, checks=check_stats(report.rows),
        bins=distribution(report.rows, scale),
        title=(title.get("en") if current_language() == "en" else None) or title.get("fr", ""),
        mean=round(sum(grades) / len(grades), 2) if grades else None,
        median=sorted(grades)[len(grades) // 2] if grades else None)


def _write(path: str, text: str) -> None:
    atomic_write_bytes(Path(path), text.encode("utf-8"))


def write_exports(report: GradeReport, csv_path: str | None = None, sep: str = ",",
                  json_path: str | None = None, html_path: str | None = None) -> None:
    if csv_path:
        _write(csv_path, csv_text(report, sep))
    if json_path:
        _write(json_path, json.dumps(json_document(report), ensure_ascii=False, indent=2) + "\n")
    if html_path:
        _write(html_path, html_text(report))

