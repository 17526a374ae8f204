"""A container's init layer: dockerd's `<id>-init`, between the image and the container.

Every Docker container has an empty `/.dockerenv` (programs test it to know
they run in Docker). dockerd does not put it in the image nor in the
container's writable layer but in a read-only layer made for the container
just above the image's: `ls -la /` and `docker export` show it, while
`docker diff` and `docker commit`, which read the writable layer only, never
list it. Here that layer is the container directory's `init/`, the top-most
of the record's GraphDriver.LowerDir, as in Docker's inspect output.
"""
from __future__ import annotations

import os
from pathlib import Path

DIRNAME = "init"
DOCKERENV = ".dockerenv"


def init_dir(container_dir: Path) -> Path:
    return Path(container_dir) / DIRNAME


def make_init_layer(container_dir: Path) -> Path:
    """Create the init layer (at create time, before the record names it); returns its path."""
    layer = init_dir(container_dir)
    layer.mkdir(mode=0o755, exist_ok=True)
    fd = os.open(layer / DOCKERENV, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o755)
    try:
        os.fchmod(fd, 0o755)      # dockerd's 0755 (-rwxr-xr-x), whatever our umask
    finally:
        os.close(fd)
    return layer
