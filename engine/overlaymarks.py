"""How overlayfs marks what an upper layer hides: whiteouts and opaque directories.

Read by the layer writer (images/layers.py), `docker diff` (containerfs.py) and
`docker export` (containerexport.py).
"""
from __future__ import annotations

import os
import stat


def is_whiteout(st: os.stat_result) -> bool:
    """True for overlayfs' whiteout: a character device with device number 0/0."""
    return stat.S_ISCHR(st.st_mode) and st.st_rdev == 0


def is_opaque(path: str) -> bool:
    """True for a directory that hides the lower layers' content (trusted.overlay.opaque=y)."""
    try:
        return os.getxattr(path, "trusted.overlay.opaque", follow_symlinks=False) == b"y"
    except OSError:
        return False
