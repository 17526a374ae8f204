"""Timing marks for the start path, off unless DOCKERLAB_TRACE names a file.

`bench/trace_start.py` reads the marks (pid, label, CLOCK_MONOTONIC ns) and
prints how long each phase took, across the CLI, the shim and the child.
The file is opened once and its descriptor kept across the child's fd clean-up
(see `kept_fds`), so marks written after pivot_root still land.
"""
from __future__ import annotations

import os
import time

_PATH = os.environ.get("DOCKERLAB_TRACE")
_fd: int | None = None


def mark(label: str) -> None:
    global _fd
    if not _PATH:
        return
    try:
        if _fd is None:
            _fd = os.open(_PATH, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
        os.write(_fd, f"{os.getpid()} {label} {time.monotonic_ns()}\n".encode())
    except OSError:
        pass


def kept_fds() -> set[int]:
    """The trace descriptor, for code that closes every other fd."""
    return {_fd} if _fd is not None else set()
