"""A student's progress through one lab, saved after every change.

Progress is per user and per lab, under the state root
(`<root>/progress/<user>/<lab id>.json`), so `sudo dockerlab start` finds
the student's own file: the user is `$SUDO_USER` when set, else the user
running the program. The file is written atomically, so a crash leaves the
previous version whole and the shell resumes at the same step.
"""
from __future__ import annotations

import getpass
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from dockerlab.engine.fsutil import atomic_write_json, read_json

_SAFE = re.compile(r"[^A-Za-z0-9._-]")


def user_name() -> str:
    """Whose progress this is: the sudo caller first, else the current user."""
    name = os.environ.get("SUDO_USER") or ""
    if not name:
        try:
            name = getpass.getuser()
        except (KeyError, OSError):
            name = str(os.getuid())
    return _SAFE.sub("_", name) or "user"


def progress_dir(root: Path, user: str | None = None) -> Path:
    return Path(root) / "progress" / (user or user_name())


@dataclass
class Progress:
    """Where a student is in a lab and what they have done.

    `step` is the index of the current step; `done` the ids of steps whose
    checks passed; `answers` the last answer to each quiz; `hints` how many
    hints of each step were shown; `solutions` the steps whose solution was
    shown (an exam or a teacher may want to know).
    """

    lab_id: str
    path: Path | None = None
    step: int = 0
    done: list[str] = field(default_factory=list)
    answers: dict[str, list[int]] = field(default_factory=dict)
    hints: dict[str, int] = field(default_factory=dict)
    solutions: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, root: Path, lab_id: str, user: str | None = None) -> "Progress":
        """The saved progress, or a fresh one at the first step."""
        path = progress_dir(root, user) / f"{lab_id}.json"
        data = read_json(path) or {}
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__ and k != "path"}
        known["lab_id"] = lab_id
        return cls(path=path, **known)

    def save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = asdict(self)
        data.pop("path")
        atomic_write_json(self.path, data)

    def reset(self) -> None:
        """Start over: first step, nothing done; saved at once."""
        self.step, self.done, self.answers, self.hints, self.solutions = 0, [], {}, {}, []
        self.save()

    def mark_done(self, step_id: str) -> bool:
        """Record a passed step; True when it was not done before."""
        if step_id in self.done:
            return False
        self.done.append(step_id)
        self.save()
        return True

    def clamp(self, steps: int) -> None:
        """Keep `step` inside a lab that may have shrunk since the last run."""
        self.step = max(0, min(self.step, steps - 1))


def summary(root: Path, lab_id: str, step_ids: list[str], user: str | None = None) -> tuple[int, int]:
    """(steps done, steps in the lab) for `dockerlab list`."""
    progress = Progress.load(root, lab_id, user)
    return len(set(progress.done) & set(step_ids)), len(step_ids)
