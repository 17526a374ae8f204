"""Tab completion: built-ins, docker commands and flags, container and image names.

The docker command tree is the CLI's own (cli/spec.py), so what completes is
exactly what parses. Names come from the engine, cached for a moment so a
burst of Tab presses does not re-read the state files each time.
"""
from __future__ import annotations

import time
from typing import Any, Callable, Iterable

from prompt_toolkit.completion import Completer, Completion, PathCompleter
from prompt_toolkit.document import Document

from dockerlab.cli.spec import ROOT, Command

from .builtins import completion_words

CONTAINER_ARGS = {"attach", "commit", "cp", "diff", "exec", "export", "inspect", "kill", "logs",
                  "pause", "port", "rename", "restart", "rm", "start", "stats", "stop", "top",
                  "unpause", "update", "wait"}
IMAGE_ARGS = {"run", "create", "rmi", "history", "tag", "save", "push"}
IMAGE_GROUP_ARGS = {"rm", "inspect", "history", "tag", "save", "push"}


def _names(command: Command) -> list[str]:
    return [command.name, *command.aliases]


def _takes_value(command: Command, word: str) -> bool:
    """True when `word` is a flag of `command` whose value is the next word."""
    if "=" in word or not word.startswith("-") or word == "-":
        return False
    if word.startswith("--"):
        flag = next((f for f in command.flags if f.name == word[2:]), None)
    else:
        flag = next((f for f in command.flags if f.shorthand == word[-1]), None)
    return flag is not None and not flag.kind.no_opt_default


def walk(words: list[str]) -> tuple[list[Command], int, bool]:
    """The command chain for complete `words` (after "docker"), how many
    positional arguments were given, and whether a flag value is expected."""
    chain, positional, expecting = [ROOT], 0, False
    for word in words:
        if expecting:
            expecting = False
            continue
        if word.startswith("-"):
            expecting = _takes_value(chain[-1], word)
            continue
        child = chain[-1].child(word) if chain[-1].subcommands else None
        if child is not None and positional == 0:
            chain.append(child)
        else:
            positional += 1
    return chain, positional, expecting


class ShellCompleter(Completer):
    """Completes one line of the guided shell."""

    def __init__(self, names: Callable[[], tuple[list[str], list[str]]] | None = None,
                 ttl: float = 2.0):
        self._names_source = names
        self._cache: tuple[float, tuple[list[str], list[str]]] = (0.0, ([], []))
        self._ttl = ttl
        self._paths = PathCompleter(expanduser=True)

    def names(self) -> tuple[list[str], list[str]]:
        """(container names, image names), from the engine."""
        if self._names_source is None:
            return [], []
        stamp, value = self._cache
        if time.monotonic() - stamp > self._ttl:
            try:
                value = self._names_source()
            except Exception:  # noqa: BLE001 - completion must never break typing
                value = ([], [])
            self._cache = (time.monotonic(), value)
        return value

    def get_completions(self, document: Document, complete_event: Any) -> Iterable[Completion]:
        text = document.text_before_cursor
        words = text.split()
        current = "" if text.endswith((" ", "\t")) or not words else words[-1]
        done = words if current == "" else words[:-1]
        if not done:
            yield from _matching(current, ["docker", *completion_words()])
            return
        if done[0] != "docker":
            yield from self._paths.get_completions(Document(current, len(current)), complete_event)
            return
        yield from _matching(current, self.docker_candidates(done[1:], current))

    def docker_candidates(self, words: list[str], current: str) -> list[str]:
        chain, positional, expecting = walk(words)
        command = chain[-1]
        if expecting:
            return []
        if current.startswith("-"):
            out = []
            for flag in command.flags:
                if flag.hidden or flag.deprecated:
                    continue
                out.append(f"--{flag.name}")
                if flag.shorthand:
                    out.append(f"-{flag.shorthand}")
            return sorted(out)
        if command.subcommands and positional == 0:
            return sorted(n for sub in command.subcommands if not sub.hidden for n in _names(sub))
        return self.argument_names(chain, positional)

    def argument_names(self, chain: list[Command], positional: int) -> list[str]:
        path = [c.name for c in chain[1:]]
        containers, images = self.names()
        last = path[-1] if path else ""
        group = path[0] if len(path) > 1 else ""
        if last in ("run", "create"):
            return images if positional == 0 else []
        if group == "image" and last in IMAGE_GROUP_ARGS or (not group and last in IMAGE_ARGS):
            return images
        if last in CONTAINER_ARGS and group in ("", "container"):
            return containers
        if group == "" and last == "inspect":
            return containers + images
        return []


def _matching(prefix: str, candidates: Iterable[str]) -> Iterable[Completion]:
    for word in dict.fromkeys(candidates):
        if word.startswith(prefix):
            yield Completion(word, start_position=-len(prefix))


def engine_names(engine: Any) -> Callable[[], tuple[list[str], list[str]]]:
    """A names source reading containers and image tags from `engine`."""
    def read() -> tuple[list[str], list[str]]:
        containers = [c.get("Name", "").lstrip("/") for c in engine.list_containers(all=True)]
        images = []
        for image in engine.list_images():
            for tag in image.get("RepoTags") or []:
                images.append(tag[:-len(":latest")] if tag.endswith(":latest") else tag)
                images.append(tag)
        return [c for c in containers if c], images
    return read
