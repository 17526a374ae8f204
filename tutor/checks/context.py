"""What a check is evaluated against, and what it answers.

`CheckContext` bundles the engine (read through Docker's inspect JSON),
the student's command history, the lab's working directory and the quiz
answers. Checks only read from it: evaluating never changes the student's
state, so "vérifier" can be run any number of times.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Protocol, Sequence

from dockerlab.tutor.i18n import Localized


class EngineView(Protocol):
    """The read side of `dockerlab.engine.Engine` that checks rely on."""

    def list_containers(self, all: bool = True) -> list[dict]: ...
    def list_images(self) -> list[dict]: ...
    def list_networks(self) -> list[dict]: ...
    def list_volumes(self) -> list[dict]: ...
    def exec_run(self, container: str, cmd: list[str],
                 user: str | None = None) -> tuple[int, bytes]: ...


@dataclass(frozen=True)
class HistoryEntry:
    """One command line the student ran: argv, combined output, exit code."""

    argv: tuple[str, ...]
    output: str = ""
    exit_code: int | None = None

    @property
    def is_docker(self) -> bool:
        return bool(self.argv) and self.argv[0] == "docker"


@dataclass
class History:
    """The commands typed in the guided shell, oldest first.

    The shell records every line it runs, as argv (`["docker", "run", ...]`,
    `["curl", "-s", ...]`), with its output and exit code; `mark()` /
    `since()` let a step look only at what was typed during it.
    """

    entries: list[HistoryEntry] = field(default_factory=list)

    def add(self, argv: Sequence[str], output: str = "", exit_code: int | None = None) -> None:
        self.entries.append(HistoryEntry(tuple(argv), output, exit_code))

    def mark(self) -> int:
        return len(self.entries)

    def since(self, mark: int) -> "History":
        return History(self.entries[mark:])

    def newest_first(self) -> list[HistoryEntry]:
        return list(reversed(self.entries))


class QuizLike(Protocol):
    def is_correct(self, chosen: Sequence[int]) -> bool: ...


Parser = Callable[[list[str]], Any]


@dataclass
class CheckContext:
    """Everything a check may look at.

    `parse` turns `docker ...` argv (without "docker") into the CLI's
    ParsedCommand; None means `dockerlab.cli.spec.parse_docker_command`.
    """

    engine: EngineView | None = None
    history: History = field(default_factory=History)
    workdir: Path = field(default_factory=Path.cwd)
    quizzes: Mapping[str, QuizLike] = field(default_factory=dict)
    answers: Mapping[str, Sequence[int]] = field(default_factory=dict)
    parse: Parser | None = None


@dataclass(frozen=True)
class CheckResult:
    """The verdict on one check.

    `feedback` is the teacher's `fail:` text (only when the check failed);
    `details` is the program's own explanation of what was found, in the
    current language, for when there is no feedback or for `--verbose`.
    """

    ok: bool
    kind: str
    feedback: Localized | None = None
    details: str = ""
    children: tuple["CheckResult", ...] = ()

    def text(self, lang: str | None = None) -> str:
        """What to show the student: the teacher's feedback, else the details."""
        if self.feedback is not None:
            return self.feedback.text(lang)
        return self.details
