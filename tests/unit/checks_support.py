"""Helpers for the check evaluator's unit tests (tests/unit/test_checks_*.py).

`RecordedEngine` answers with recorded `docker inspect` JSON
(tests/data/labs/engine/*.json): these are unit tests of the evaluator's
logic over Docker's data shapes, not of the engine. Integration tests of
the guided shell evaluate the same checks against the real engine.

`command_parser()` is the CLI's real `parse_docker_command` when
cli/spec.py exists; until then a stand-in built on the real pflag-style
`dockerlab.cli.flags.FlagSet` with a handful of `run`/`exec`/`inspect`
flags and Docker's command aliases.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from dockerlab.engine.errors import NotFound, NotRunning

DATA = Path(__file__).resolve().parent.parent / "data" / "labs"
ENGINE_DATA = DATA / "engine"


def recorded(name: str, workdir: Path) -> list[dict]:
    text = (ENGINE_DATA / f"{name}.json").read_text()
    return json.loads(text.replace("@WORKDIR@", str(workdir)))


class RecordedEngine:
    """The read side of the Engine over recorded inspect JSON.

    `exec_results` maps (container name, tuple(cmd)) to (exit code, output);
    `exec_calls` records what was run, so tests can see the user passed.
    """

    def __init__(self, workdir: Path):
        self.containers = recorded("containers", workdir)
        self.images = recorded("images", workdir)
        self.networks = recorded("networks", workdir)
        self.volumes = recorded("volumes", workdir)
        self.exec_results: dict[tuple[str, tuple[str, ...]], tuple[int, bytes]] = {}
        self.exec_calls: list[tuple[str, list[str], str | None]] = []

    def list_containers(self, all: bool = True) -> list[dict]:
        return [c for c in self.containers if all or c["State"]["Running"]]

    def list_images(self) -> list[dict]:
        return self.images

    def list_networks(self) -> list[dict]:
        return self.networks

    def list_volumes(self) -> list[dict]:
        return self.volumes

    def exec_run(self, container: str, cmd: list[str], user: str | None = None) -> tuple[int, bytes]:
        self.exec_calls.append((container, cmd, user))
        found = [c for c in self.containers if c["Name"] == "/" + container]
        if not found:
            raise NotFound(f"No such container: {container}")
        if not found[0]["State"]["Running"]:
            raise NotRunning(f"Container {found[0]['Id']} is not running")
        return self.exec_results.get((container, tuple(cmd)), (127, b"sh: not found\n"))


@dataclass
class StandInParsed:
    path: tuple[str, ...]
    flags: dict[str, Any]
    args: list[str]
    given: set[str] = field(default_factory=set)


def _standin() -> Callable[[list[str]], StandInParsed]:
    from dockerlab.cli.flags import BOOL, BYTES, LIST, STRING, Flag, FlagSet, UsageError

    run = [Flag("detach", BOOL, shorthand="d"), Flag("interactive", BOOL, shorthand="i"),
           Flag("tty", BOOL, shorthand="t"), Flag("publish", LIST, shorthand="p"),
           Flag("name", STRING), Flag("memory", BYTES, shorthand="m"), Flag("rm", BOOL),
           Flag("entrypoint", STRING), Flag("env", LIST, shorthand="e"),
           Flag("volume", LIST, shorthand="v")]
    tables = {
        ("container", "run"): (run, 1, False), ("container", "create"): (run, 1, False),
        ("container", "exec"): ([Flag("interactive", BOOL, shorthand="i"),
                                 Flag("tty", BOOL, shorthand="t")], 2, False),
        ("container", "inspect"): ([Flag("format", STRING, shorthand="f")], 1, True),
        ("container", "ls"): ([Flag("all", BOOL, shorthand="a"),
                               Flag("quiet", BOOL, shorthand="q")], 0, True),
    }
    aliases = {("run",): ("container", "run"), ("create",): ("container", "create"),
               ("exec",): ("container", "exec"), ("ps",): ("container", "ls"),
               ("container", "ps"): ("container", "ls"), ("inspect",): ("container", "inspect")}

    def parse(argv: list[str]) -> StandInParsed:
        for size in (2, 1):
            key = tuple(argv[:size])
            path = aliases.get(key, key)
            if path in tables:
                flags, minimum, interspersed = tables[path]
                result = FlagSet(flags, interspersed=interspersed).parse(argv[size:])
                if len(result.args) < minimum:
                    raise UsageError(f'"docker {" ".join(path)}" requires at least '
                                     f"{minimum} argument.", 1)
                return StandInParsed(path, result.values, result.args, set(result.given))
        raise UsageError(f"docker: '{' '.join(argv[:1])}' is not a docker command.", 1)

    return parse


def command_parser() -> Callable[[list[str]], Any]:
    try:
        from dockerlab.cli.spec import parse_docker_command
    except ImportError:
        return _standin()
    return parse_docker_command
