"""One module per family of docker commands; each exports COMMANDS = {path: handler}.

The dispatcher in cli/main.py gathers them, so adding a command means adding
a module (or an entry) here and nothing else."""
from __future__ import annotations

import importlib
import pkgutil
from typing import Callable


def all_commands() -> dict[tuple[str, ...], Callable]:
    table: dict[tuple[str, ...], Callable] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for path, handler in getattr(module, "COMMANDS", {}).items():
            if path in table:
                raise RuntimeError(f"docker {' '.join(path)} is defined twice ({info.name})")
            table[path] = handler
    return table
