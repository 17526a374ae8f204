"""Start a state root's API daemon when a container asks for the Docker socket.

The course mounts /var/run/docker.sock into a container to talk to the
daemon from inside (3.4.2). dockerlab's CLI and guided shell work in
process, so usually no `dockerlab daemon` listens: the first create that
binds the Docker socket starts one for its state root, the way the
package cache starts with the default bridge. It listens on the root's
default socket (run/docker.sock, root:dockerlab 0660) and its pid file is
under run/, so `dockerlab system reset` stops it.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from ..fsutil import locked
from .socketmount import default_socket, dockerlab_socket

START_SECONDS = 20.0            # a loaded machine imports the engine slowly


def pidfile(settings) -> Path:
    return Path(settings.run_dir) / "api" / "daemon.pid"


def ensure_daemon(settings) -> Path | None:
    """The socket of this root's daemon, started now if none listens (None if it cannot start)."""
    found = dockerlab_socket(settings)
    if found is not None:
        return found
    pidfile(settings).parent.mkdir(parents=True, exist_ok=True)
    with locked(pidfile(settings).parent / "start.lock"):   # two creates at once: one daemon
        found = dockerlab_socket(settings)
        return found if found is not None else _start(settings)


def _start(settings) -> Path | None:
    path = default_socket(settings)
    log = pidfile(settings).with_name("daemon.log")
    env = {**os.environ, "DOCKERLAB_ROOT": str(settings.root)}
    with open(log, "ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "dockerlab.main", "daemon"], env=env,
                                stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                start_new_session=True, cwd="/")
    pidfile(settings).write_text(f"{proc.pid}\n")    # only the pid: system reset reads it
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline and proc.poll() is None:
        if dockerlab_socket(settings) == path:
            return path
        time.sleep(0.05)
    return None
