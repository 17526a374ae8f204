"""A container's run state (Docker's `State` object), shared by the shim and the CLI.

The shim is the only writer while it lives; the engine writes when there is
no shim (create, a crashed shim). Every write is atomic under an flock.
"""
from __future__ import annotations

import os
from pathlib import Path

from ..fsutil import atomic_write_json, locked, read_json

ZERO_TIME = "0001-01-01T00:00:00Z"


def initial_state() -> dict:
    return {"Status": "created", "Running": False, "Paused": False, "Restarting": False,
            "OOMKilled": False, "Dead": False, "Pid": 0, "ExitCode": 0, "Error": "",
            "StartedAt": ZERO_TIME, "FinishedAt": ZERO_TIME,
            "ShimPid": 0, "ShimStart": 0, "RestartCount": 0, "ManualStop": False,
            "NetworkSettings": {}}


def process_start_time(pid: int) -> int:
    """Start time of `pid` in clock ticks (0 if gone): tells a live pid from a reused one."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return 0
    return int(data.rsplit(b")", 1)[1].split()[19])


def alive(pid: int, start: int) -> bool:
    """`pid` is the process that started at `start` and has not exited.

    A zombie counts as gone: a killed shim stays one until its parent (often
    an init that does not reap, in containers and some VMs) collects it.
    """
    if pid <= 0 or start <= 0:
        return False
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
    except OSError:
        return False
    return fields[0] not in (b"Z", b"X") and int(fields[19]) == start


class StateFile:
    def __init__(self, container_dir: Path):
        self.path = Path(container_dir) / "state.json"
        self.lock = Path(container_dir) / ".state.lock"

    def read(self) -> dict:
        state = initial_state()
        state.update(read_json(self.path, {}) or {})
        return state

    def update(self, **changes) -> dict:
        with locked(self.lock):
            state = self.read()
            state.update(changes)
            # Not fsync'd: a shim's state is checked against the living processes
            # on every read (a dead shim means "exited"), so a power cut can only
            # lose what a reboot makes stale anyway; the fsync cost ~4 ms per update.
            atomic_write_json(self.path, state, durable=False, compact=True)
            return state

    def shim_alive(self, state: dict | None = None) -> bool:
        state = state or self.read()
        return alive(state.get("ShimPid", 0), state.get("ShimStart", 0))


def ended_children():
    """(pid, wait status) of each child that has ended, without blocking."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        yield pid, status


def exit_code_of(status: int) -> int:
    """waitpid status -> Docker's exit code (128 + signal when killed)."""
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def now_exit_state(code: int) -> dict:
    from .logs import now_rfc3339
    return {"Status": "exited", "Running": False, "Paused": False, "Restarting": False, "Pid": 0,
            "ExitCode": code, "FinishedAt": now_rfc3339(), "NetworkSettings": {}}


def attach_path(run_dir: Path, cid: str) -> Path:
    """The shim's socket: under run/ with a short name (unix socket paths max 107 bytes)."""
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    return run_dir / f"{cid[:16]}.sock"
