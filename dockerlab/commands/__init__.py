"""The `dockerlab` subcommands, one module each.

A module exports NAME (the word typed after `dockerlab`), USAGE (the synopsis),
summary() (one translated line for the help), NEEDS_ROOT, and run(argv) -> exit code.
The entry point in dockerlab/main.py gathers them, so a new subcommand is a new
module here and nothing else."""
from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def all_subcommands() -> dict[str, ModuleType]:
    table: dict[str, ModuleType] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        name = getattr(module, "NAME", None)
        if name:
            table[name] = module
    return table
