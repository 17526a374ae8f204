"""Resolve a path inside a container's root without ever leaving it.

A container's image or a student can plant symlinks (`/data -> /etc`); a mount
destination must be resolved as the container would see it, with `..` and
absolute symlinks clamped at the container's root, never the host's.
"""
from __future__ import annotations

import os
from pathlib import Path

MAX_LINKS = 255


def secure_join(root: str | Path, unsafe: str) -> Path:
    root = str(root).rstrip("/") or "/"
    parts = [p for p in unsafe.split("/") if p]
    resolved: list[str] = []
    links = 0
    while parts:
        part = parts.pop(0)
        if part == ".":
            continue
        if part == "..":
            if resolved:
                resolved.pop()
            continue
        candidate = os.path.join(root, *resolved, part)
        if os.path.islink(candidate):
            links += 1
            if links > MAX_LINKS:
                raise OSError(40, f"too many levels of symbolic links: {unsafe}")
            target = os.readlink(candidate)
            if target.startswith("/"):
                resolved = []
            parts = [p for p in target.split("/") if p] + parts
            continue
        resolved.append(part)
    return Path(root, *resolved)
