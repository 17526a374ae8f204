"""Where the chapters shipped with dockerlab are, and finding one by name.

`dockerlab start chapitre3` looks in the packaged `labs/` folder (the
`dockerlab.labs` data package of a wheel, or `labs/` of the repository);
anything that looks like a path (`./mon-tp.yaml`, `labs/x.yml`) is used as
a file. `DOCKERLAB_LABS` points to another folder of chapters.
"""
from __future__ import annotations

import os
from pathlib import Path


def labs_dir() -> Path:
    override = os.environ.get("DOCKERLAB_LABS")
    if override:
        return Path(override)
    try:
        import dockerlab.labs as packaged  # data-only package
        for entry in getattr(packaged, "__path__", []):
            if any(Path(entry).glob("*.yaml")):
                return Path(entry)
    except ImportError:
        pass
    return Path(__file__).resolve().parent.parent.parent / "labs"


def shipped_labs() -> list[Path]:
    folder = labs_dir()
    return sorted(folder.glob("*.yaml")) if folder.is_dir() else []


def find_lab(name: str) -> Path:
    """The file for a chapter name or a path; FileNotFoundError otherwise."""
    looks_like_path = "/" in name or name.endswith((".yaml", ".yml"))
    if looks_like_path or Path(name).is_file():
        path = Path(name)
        if path.is_file():
            return path
        raise FileNotFoundError(name)
    for suffix in (".yaml", ".yml"):
        path = labs_dir() / f"{name}{suffix}"
        if path.is_file():
            return path
    raise FileNotFoundError(name)
