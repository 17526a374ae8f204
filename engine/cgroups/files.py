"""Reading and writing cgroupfs interface files.

cgroupfs files are not ordinary files: a value must reach the kernel in one
write(2), a file that does not exist must never be created (it means the
kernel lacks the feature), and a write error carries the kernel's verdict on
the value. These helpers keep those rules in one place and turn OS errors
into messages a person can act on.
"""
from __future__ import annotations

import errno
import os
import time
from pathlib import Path

from ..errors import EngineError

MAX = "max"   # the v2 spelling of "no limit"


def write(path: Path, value: str | int) -> None:
    """Write `value` to an existing interface file in a single write(2)."""
    data = str(value).encode()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_TRUNC | os.O_CLOEXEC)
    except OSError as err:
        raise EngineError(f'failed to write "{value}": open {path}: {err.strerror}') from err
    try:
        os.write(fd, data)
    except OSError as err:
        raise EngineError(f'failed to write "{value}": write {path}: {err.strerror}') from err
    finally:
        os.close(fd)


def read(path: Path) -> str:
    """The content of an interface file, without the trailing newline."""
    with open(path) as f:
        return f.read().strip()


def read_optional(path: Path) -> str | None:
    """Like read(), but None when the kernel does not offer the file."""
    try:
        return read(path)
    except FileNotFoundError:
        return None


def read_int(path: Path) -> int | None:
    """An integer file; None when absent or when it says "max" (no limit)."""
    text = read_optional(path)
    if text is None or text == MAX:
        return None
    return int(text)


def read_keyed(path: Path) -> dict[str, int]:
    """A flat keyed file ("key value" lines: memory.stat, cpu.stat, ...)."""
    text = read_optional(path)
    out: dict[str, int] = {}
    for line in (text or "").splitlines():
        key, _, value = line.partition(" ")
        try:
            out[key] = int(value)
        except ValueError:
            continue
    return out


def read_pids(path: Path) -> list[int]:
    """The pids listed in a cgroup.procs file; [] if the cgroup is gone."""
    try:
        return [int(p) for p in read(path).split()]
    except FileNotFoundError:
        return []


def add_pid(procs_file: Path, pid: int) -> None:
    """Move `pid` into a cgroup, retrying while the task is still being born.

    A freshly forked task can be in TASK_NEW for a moment, during which the
    kernel answers EINVAL; waiting a few milliseconds is enough.
    """
    for _ in range(20):
        try:
            write(procs_file, pid)
            return
        except EngineError as err:
            cause = err.__cause__
            if not (isinstance(cause, OSError) and cause.errno == errno.EINVAL):
                raise
            time.sleep(0.01)
    write(procs_file, pid)


def rmdir_when_empty(path: Path, timeout: float = 5.0, on_retry=None) -> None:
    """rmdir a cgroup, retrying on EBUSY while its last processes finish exiting.

    `on_retry` (e.g. a kill) runs before each new attempt, so a process that
    forked during a kill is caught on the next round. A missing directory is
    success: removal is idempotent.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            os.rmdir(path)
            return
        except FileNotFoundError:
            return
        except OSError as err:
            if err.errno not in (errno.EBUSY, errno.ENOTEMPTY) or time.monotonic() > deadline:
                raise EngineError(f"unable to remove cgroup {path}: {err.strerror}") from err
        time.sleep(0.01)
        if on_retry is not None:
            on_retry()
