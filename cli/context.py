"""What every docker command handler gets: the engine (made on first use) and the output streams."""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TextIO


class CliExit(Exception):
    """Leave the command with `code` after printing `message` (Docker's wording) to stderr."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.message, self.code = message, code


@dataclass
class Context:
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    _engine: object = None

    @property
    def engine(self):
        if self._engine is None:
            from dockerlab.engine.engine import Engine
            self._engine = Engine()
        return self._engine

    def print(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def warn(self, text: str) -> None:
        self.err.write(text + "\n")
        self.err.flush()
