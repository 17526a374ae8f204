"""The signed result file: everything is derived from the exam's log.

A result holds the whole hash-chained log and a summary computed from it
(who, which exam, when, each check's mark). `verify` recomputes the chain,
recomputes the summary from the log and checks the HMAC: editing a mark,
a log record or the student's name is caught one way or another.
"""
from __future__ import annotations

import json
from pathlib import Path

from dockerlab.engine.fsutil import atomic_write_bytes
from dockerlab.tutor.i18n import _

from .chain import verify_chain
from .signing import sign, signature_ok

FORMAT = "dockerlab-exam-result/1"


def summary(records: list[dict]) -> dict:
    """The result's fields as the log says them (KeyError/IndexError if incomplete)."""
    start = next(r for r in records if r["kind"] == "start")
    final = [r for r in records if r["kind"] == "final"][-1]
    end = [r for r in records if r["kind"] == "end"][-1]
    return {
        "format": FORMAT,
        "exam": {"id": start["exam"], "title": start["title"], "digest": start["digest"]},
        "student": {"id": start["student"], "name": start["name"]},
        "params": start["params"],
        "time_limit_seconds": start["limit_seconds"],
        "time_factor": start["factor"],
        "started": start["t"],
        "ended": end["t"],
        "reason": end["reason"],
        "checks": final["checks"],
        **final["totals"],
        "log_head": records[-1]["hash"],
    }


def make_result(records: list[dict], key: bytes) -> dict:
    document = {**summary(records), "log": records}
    document["signature"] = sign(document, key)
    return document


def write_result(path: Path, document: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, (json.dumps(document, ensure_ascii=False, indent=1) + "\n")
                       .encode("utf-8"))
    return path


def read_result(path: Path) -> dict:
    """The JSON of a result file; ValueError with a message for people."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(_("not a readable result file: {reason}").format(reason=err)) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(_("not a dockerlab exam result"))
    return data


def problems(document: dict, key: bytes, exam_id: str | None = None,
             digest: str | None = None) -> list[str]:
    """Why this result must not be graded; empty when it verifies."""
    found: list[str] = []
    log = document.get("log")
    if not isinstance(log, list):
        return [_("the result has no log")]
    broken = verify_chain(log)
    if broken is not None:
        found.append(_("the log's hash chain is broken at record {n}").format(n=broken))
    else:
        try:
            derived = summary(log)
        except (StopIteration, IndexError, KeyError, TypeError):
            derived = None
        if derived is None:
            found.append(_("the log is incomplete (the exam was not handed in)"))
        elif any(document.get(k) != v for k, v in derived.items()):
            found.append(_("the marks or names do not match the log"))
    if not signature_ok(document, key):
        found.append(_("the signature does not verify (another key, or the file was edited)"))
    exam = document.get("exam") or {}
    if exam_id is not None and (exam.get("id") != exam_id
                                or (digest is not None and exam.get("digest") != digest)):
        found.append(_("this result is from another exam ({found}), not {expected}").format(
            found=f"{exam.get('id')} {str(exam.get('digest'))[:19]}",
            expected=f"{exam_id} {str(digest)[:19]}" if digest else exam_id))
    return found
