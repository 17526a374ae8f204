"""Completion of built-ins, docker commands, flags and names."""
from __future__ import annotations

from prompt_toolkit.document import Document

from dockerlab.tutor.shell.completion import ShellCompleter


def complete(text: str) -> list[str]:
    completer = ShellCompleter(lambda: (["web", "veille"], ["nginx", "nginx:latest", "busybox"]))
    return [c.text for c in completer.get_completions(Document(text), None)]


def test_first_word():
    assert "docker" in complete("do")
    assert complete("indi") == ["indice"]
    assert "suivant" in complete("sui")


def test_commands_and_subcommands():
    assert "run" in complete("docker ru")
    assert {"ls", "logs", "list"} <= set(complete("docker container l"))
    assert "prune" in complete("docker image p")


def test_flags_of_the_command():
    flags = complete("docker run --na")
    assert flags == ["--name"]
    assert "-p" in complete("docker run -")
    assert "--tail" in complete("docker logs --ta")


def test_names_where_docker_expects_them():
    assert set(complete("docker stop ")) == {"web", "veille"}
    assert complete("docker logs -f w") == ["web"]
    assert "busybox" in complete("docker run -d --name x ")
    assert complete("docker run --name ") == []  # a flag value, not a name
    assert complete("docker run busybox ") == []  # the command, not an image
    assert "nginx" in complete("docker image rm ng")
    assert complete("docker container rm v") == ["veille"]
