"""Why an exam cannot start or a result cannot be graded, said for people."""
from __future__ import annotations


class ExamError(Exception):
    """An exam problem the user can fix; the message is already translated."""


class KeyMissing(ExamError):
    """No HMAC key: neither --key-file nor DOCKERLAB_EXAM_KEY."""


class ResultRejected(ExamError):
    """A result file that must not be graded (broken chain, bad signature, other exam)."""
