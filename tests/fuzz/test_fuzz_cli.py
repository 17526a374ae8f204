"""Fuzz the docker command-line parser: any argv gives a ParsedCommand or a UsageError.

Words are drawn from the real command tree and its flags (so the parser's
deep paths are reached), mixed with arbitrary text.
"""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dockerlab.cli.flags import UsageError
from dockerlab.cli.spec import ROOT, ParsedCommand, parse_docker_command


def _vocabulary() -> list[str]:
    words, todo = set(), [ROOT]
    while todo:
        cmd = todo.pop()
        words.add(cmd.use.split()[0])
        words.update(cmd.aliases)
        for flag in cmd.flags:
            words.add("--" + flag.name)
            words.add(f"--{flag.name}=")
            if flag.shorthand:
                words.add("-" + flag.shorthand)
        todo.extend(getattr(cmd, "subcommands", ()) or ())
    return sorted(words)


WORDS = _vocabulary()
token = st.one_of(st.sampled_from(WORDS), st.sampled_from(["-", "--", "-ti", "-p", "8080:80", "-e",
                                                           "A=1", "busybox", "=", "-it=true"]),
                  st.text(max_size=12))


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(token, max_size=8))
def test_parser_never_raises_anything_but_usage_errors(argv):
    try:
        parsed = parse_docker_command(argv)
    except UsageError as err:
        assert str(err).strip()
        assert getattr(err, "exit_code", 125) in (1, 125)
        return
    assert isinstance(parsed, ParsedCommand)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["run", "create"]), st.lists(token, max_size=6))
def test_run_flags_turn_into_a_body_or_a_clear_error(cmd, rest):
    """What the parser accepts, create_body turns into a body or a refusal with a message."""
    from dockerlab.cli.context import CliExit
    from dockerlab.cli.runopts import create_body
    from dockerlab.engine.errors import EngineError
    try:
        parsed = parse_docker_command([cmd, *rest, "busybox"])
    except UsageError:
        return
    if parsed.flags.get("help") or not parsed.args:
        return
    try:
        body, _ = create_body(parsed.flags, parsed.args, set(parsed.given))
    except (EngineError, CliExit) as err:
        assert str(err) or getattr(err, "message", "")
        return
    assert body["Image"] == parsed.args[0]
