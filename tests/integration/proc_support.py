"""Waiting for a process the test stopped to be gone."""
from __future__ import annotations

import time
from pathlib import Path


def ended(pid: int) -> bool:
    """True once `pid` is gone or a zombie (SIGTERM is handled asynchronously: wait a bit)."""
    for _ in range(100):
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        if state == "Z":
            return True
        time.sleep(0.05)
    return False
