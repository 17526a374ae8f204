"""RUN: the command runs in a real container on the previous step's image.

The container is made and started by the Engine like any other (namespaces,
overlayfs, cgroup, default bridge), its output goes to the build output as
it comes, and once it exits its upper dir becomes the step's layer.
"""
from __future__ import annotations

import json
import socket
from typing import Callable

from ..runtime import streams


def create_run_container(engine, image_id: str, argv: list[str], config: dict,
                         extra_env: list[str]) -> str:
    """A stopped container for a RUN step; returns its id."""
    body = {
        "Image": image_id, "Cmd": argv, "Entrypoint": [],
        "Env": list(config.get("Env") or []) + extra_env,
        "WorkingDir": config.get("WorkingDir") or "", "User": config.get("User") or "",
        "Labels": {}, "AttachStdout": True, "AttachStderr": True,
        "HostConfig": {"NetworkMode": "bridge"},
    }
    return engine.create(body)["Id"]


def run_attached(engine, cid: str, write: Callable[[bytes], None]) -> int:
    """Start `cid`, pass its stdout/stderr to `write` until it exits; returns the exit code."""
    mine, theirs = socket.socketpair()
    try:
        engine.start(cid, attach=theirs)
    finally:
        theirs.close()
    status: dict = {}
    with mine:
        while (frame := streams.read_frame(mine)) is not None:
            kind, payload = frame
            if kind == streams.EXIT:
                status = json.loads(payload or b"{}")
                break
            if kind in (streams.STDOUT, streams.STDERR):
                write(payload)
    if "StatusCode" not in status:
        status = engine.wait(cid)
    else:
        engine.wait(cid)          # the shim has released mounts and cgroup
    return int(status.get("StatusCode", 0))
