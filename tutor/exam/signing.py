"""The teacher's HMAC key and the signature of a result file.

The key comes from `--key-file` or `DOCKERLAB_EXAM_KEY`; it must be the
same on the exam machines and on the teacher's grading machine. A result
is signed over the canonical JSON of everything but its `signature`.
"""
from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

from dockerlab.tutor.i18n import _

from .chain import canonical
from .errors import ExamError, KeyMissing

ENV_KEY = "DOCKERLAB_EXAM_KEY"
MIN_KEY_BYTES = 16


def load_key(key_file: str | None = None) -> bytes:
    """The key bytes; KeyMissing or ExamError with what to do."""
    if key_file:
        try:
            key = Path(key_file).read_bytes().strip()
        except OSError as err:
            raise ExamError(_("cannot read the key file {file}: {reason}").format(
                file=key_file, reason=err.strerror or err)) from None
    else:
        key = os.environ.get(ENV_KEY, "").strip().encode("utf-8")
        if not key:
            raise KeyMissing(_("no exam key: give --key-file FILE or set {env} (the teacher's "
                               "secret, the same for the exam and the grading)").format(env=ENV_KEY))
    if len(key) < MIN_KEY_BYTES:
        raise ExamError(_("the exam key is too short: at least {n} characters").format(
            n=MIN_KEY_BYTES))
    return key


def sign(document: dict, key: bytes) -> str:
    body = {k: v for k, v in document.items() if k != "signature"}
    return "hmac-sha256:" + hmac.new(key, canonical(body), hashlib.sha256).hexdigest()


def signature_ok(document: dict, key: bytes) -> bool:
    given = document.get("signature")
    return isinstance(given, str) and hmac.compare_digest(given, sign(document, key))
