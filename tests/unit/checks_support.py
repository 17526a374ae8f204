"""Helpers for the check evaluator's unit tests (tests/unit/test_checks_*.py).

`RecordedEngine` answers with recorded `docker inspect` JSON
(tests/data/labs/engine/*.json): these are unit tests of the evaluator's
logic over Docker's data shapes, not of the engine.

`command_parser()` is the CLI's real `parse_docker_command`.
"""
from __future__ import annotations

import json
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


def command_parser() -> Callable[[list[str]], Any]:
    """The CLI's real parser: checks see typed commands as `docker` does."""
    from dockerlab.cli.spec import parse_docker_command
    return parse_docker_command
