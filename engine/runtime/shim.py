"""The shim: one small process per container that outlives the CLI (the conmon model).

It owns the container's first process (as its parent and a subreaper), its
pty or pipes, its json log, its attach socket, its exit status and its
restart policy. It is forked from the caller (no new interpreter, so a start
costs milliseconds) and detaches with a double fork and setsid.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from .spec import ContainerSpec


@dataclass
class RestartPolicy:
    name: str = "no"          # no | on-failure | always | unless-stopped
    maximum_retry_count: int = 0

    def should_restart(self, exit_code: int, restarts: int, manually_stopped: bool) -> bool:
        if manually_stopped or self.name in ("", "no"):
            return False
        if self.name == "on-failure":
            return exit_code != 0 and (not self.maximum_retry_count or restarts < self.maximum_retry_count)
        return True


@dataclass
class ShimRequest:
    """What the engine hands the shim; the shim reads it after the fork."""

    spec: ContainerSpec
    settings: object
    limits: object = None                 # cgroups.Limits
    restart: RestartPolicy = field(default_factory=RestartPolicy)
    auto_remove: bool = False
    stop_signal: int = signal.SIGTERM
    networks: list = field(default_factory=list)   # [(network name, {ip, aliases, links})]
    listeners: list = field(default_factory=list)  # bound sockets for published ports
    on_removed: object = None             # callable(container_id): deletes the record (--rm)


class LaunchError(Exception):
    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.code = code


def launch(req: ShimRequest, attach: socket.socket | None = None) -> int:
    """Fork a detached shim for `req`; return the container's host pid once it runs.

    `attach` is one end of a socketpair that becomes the shim's first attached
    client before the program starts, so no output is lost.
    """
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the forked shim
        try:
            os.close(r)
            os.setsid()
            if os.fork():
                os._exit(0)
            _detach_stdio(req.spec.container_dir)
            from .shimloop import Shim
            Shim(req, report_fd=w, first_client=attach).run()
        except BaseException:  # noqa: BLE001
            traceback.print_exc()
            try:
                os.write(w, json.dumps({"message": "shim failed (see shim.log)", "code": 125}).encode())
            except OSError:
                pass
        finally:
            os._exit(0)
    os.close(w)
    os.waitpid(pid, 0)
    with os.fdopen(r, "rb") as f:
        data = f.read()
    try:
        reply = json.loads(data.split(b"\n")[0]) if data else {}
    except ValueError:
        reply = {}
    if "pid" not in reply:
        raise LaunchError(reply.get("message", "the shim died before starting the container"),
                          reply.get("code", 125))
    return reply["pid"]


def _detach_stdio(container_dir: Path) -> None:
    """The shim must not hold the caller's terminal: stdio goes to shim.log."""
    null = os.open(os.devnull, os.O_RDONLY)
    log = os.open(container_dir / "shim.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
    os.dup2(null, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(null)
    os.close(log)
    sys.stdout = open(1, "w", closefd=False, buffering=1)
    sys.stderr = open(2, "w", closefd=False, buffering=1)



