"""Docker command lines in a lab, judged by the CLI's own parser.

`command:` checks, `setup` docker actions and solution lines are parsed as
the student's commands will be, so a teacher's `--nam` or `-m 32x` is
reported with Docker's wording before any student meets it.
"""
from __future__ import annotations

import re
import shlex
from typing import Any

from dockerlab.cli.flags import UsageError
from dockerlab.tutor.checks.actions import canonical_flag, canonical_path, default_parser
from dockerlab.tutor.checks.models import Check
from dockerlab.tutor.i18n import N_
from dockerlab.tutor.labs.diagnostics import Report
from dockerlab.tutor.labs.schema import Lab
from dockerlab.tutor.labs.walk import walk
from dockerlab.tutor.labs.yamlpos import PositionedYaml

def _first_line(err: UsageError) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else repr(err)


def command_checks_parse(lab: Lab, doc: PositionedYaml, report: Report) -> None:
    """`command:` checks must name a real docker command and real flags.

    The CLI's own parser judges, so `-z` or `--memory 32x` is refused with
    Docker's wording, as the student would see it.
    """
    parse = default_parser()
    for path, value in walk(lab):
        if not (isinstance(value, Check) and value.command is not None):
            continue
        spec = value.command
        try:
            words = canonical_path(parse, list(spec.path))
        except UsageError as err:
            report(path + ("command", "path"), N_("not a docker command: {error}"),
                   error=_first_line(err))
            continue
        for flag, wanted in (spec.flags or {}).items():
            try:
                canonical_flag(parse, words, flag, wanted)
            except UsageError as err:
                report(path + ("command", "flags", flag),
                       N_("flag {flag} of 'docker {command}': {error}"),
                       flag=flag, command=" ".join(words), error=_first_line(err))


_SHELL_SYNTAX = re.compile(r"[$`|;&<>()*?\\]")
_SINGLE_QUOTED = re.compile(r"'[^']*'")


def _refusal(parse: Any, line: str) -> str | None:
    """Docker's complaint about a plain `docker ...` line, None if accepted.

    Lines using shell syntax (`$(...)`, pipes, globs) are the shell's
    business and are not judged.
    """
    if _SHELL_SYNTAX.search(_SINGLE_QUOTED.sub("''", line)):
        return None
    try:
        words = shlex.split(line)
    except ValueError:
        return None
    if words[:1] == ["docker"]:
        words = words[1:]
    try:
        parse(words)
    except UsageError as err:
        return _first_line(err)
    return None


def docker_lines_parse(lab: Lab, doc: PositionedYaml, report: Report) -> None:
    """Solutions and setups must be commands docker accepts: `lab test` runs them."""
    parse = default_parser()
    for i, step in enumerate(lab.steps):
        for j, line in enumerate(step.solution):
            if line.strip().startswith("docker ") and (error := _refusal(parse, line)):
                report(("steps", i, "solution", j), N_("docker refuses this command: {error}"),
                       error=error)
        for j, action in enumerate(step.setup):
            if action.docker is not None and (error := _refusal(parse, action.docker)):
                report(("steps", i, "setup", j, "docker"),
                       N_("docker refuses this command: {error}"), error=error)
