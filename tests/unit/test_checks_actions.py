"""Unit tests of the evaluator for action checks (`command`) and `output`.

Typed commands are parsed with the CLI's real parser
(`dockerlab.cli.spec.parse_docker_command`), as the guided shell does.
"""
from __future__ import annotations

import pytest

from checks_support import RecordedEngine, command_parser
from dockerlab.tutor.checks import Check, CheckContext, History, evaluate
from dockerlab.tutor.checks.actions import canonical_flag, canonical_path
from dockerlab.tutor.i18n import use_language


@pytest.fixture(autouse=True)
def english():
    with use_language("en"):
        yield


@pytest.fixture
def ctx(tmp_path):
    return CheckContext(engine=RecordedEngine(tmp_path), workdir=tmp_path,
                        history=History(), parse=command_parser())


def typed(ctx, line, output="", exit_code=0):
    import shlex
    ctx.history.add(shlex.split(line), output, exit_code)


def run(ctx, **check):
    return evaluate(Check.model_validate(check), ctx)


PUBLISHED = {"path": "container run", "flags": {"-d": True, "-p": "8080:80"}, "image": "nginx"}


@pytest.mark.parametrize("line", [
    "docker run -d -p 8080:80 nginx",
    "docker container run --detach --publish 8080:80 nginx",
    "docker run -dp 8080:80 nginx:latest",
    "docker run --publish=8080:80 -d --name web docker.io/library/nginx",
    "docker run -p 443:443 -d -p 8080:80 nginx",
])
def test_command_same_meaning_different_spelling(ctx, line):
    typed(ctx, line)
    assert run(ctx, command=PUBLISHED).ok


@pytest.mark.parametrize("line, reason", [
    ("docker run -p 8080:80 nginx", "flag -d is missing"),
    ("docker run -d -p 9090:80 nginx", 'flag -p is ["9090:80"], expected 8080:80'),
    ("docker run -d -p 8080:80 httpd", "image is httpd, expected nginx"),
])
def test_command_mismatch_explained(ctx, line, reason):
    typed(ctx, line)
    result = run(ctx, command=PUBLISHED)
    assert not result.ok
    assert result.details == f"your last 'docker container run' differs: {reason}"


def test_command_never_typed(ctx):
    typed(ctx, "docker ps -a")
    typed(ctx, "ls -l")
    result = run(ctx, command={"path": "run"})
    assert result.details == "you have not run 'docker container run' yet"


def test_command_any_earlier_entry_counts(ctx):
    typed(ctx, "docker run -d -p 8080:80 nginx")
    typed(ctx, "docker run alpine echo hello")
    assert run(ctx, command=PUBLISHED).ok


def test_refused_command_lines_are_ignored(ctx):
    typed(ctx, "docker run -d --bogus -p 8080:80 nginx", exit_code=125)
    assert not run(ctx, command=PUBLISHED).ok


def test_command_flag_absent_and_values_in_units(ctx):
    typed(ctx, "docker run --memory 33554432 --rm alpine true")
    assert run(ctx, command={"path": "run", "flags": {"-m": "32m", "--rm": True}}).ok
    assert not run(ctx, command={"path": "run", "flags": {"-m": "64m"}}).ok
    assert run(ctx, command={"path": "run", "flags": {"-d": False}}).ok
    assert run(ctx, command={"path": "run", "flags": {"--rm": False}}).details == \
        "your last 'docker container run' differs: flag --rm should not be used"


def test_command_args_and_exit_code(ctx):
    typed(ctx, "docker run alpine echo hello", "hello\n", 0)
    assert run(ctx, command={"path": "run", "image": "alpine", "args": "echo hello"}).ok
    assert run(ctx, command={"path": "run", "image": "alpine", "args": ["echo", "hello"],
                             "exit_code": 0}).ok
    result = run(ctx, command={"path": "run", "args": "echo bye"})
    assert result.details == ("your last 'docker container run' differs: arguments are "
                              '["echo", "hello"], expected ["echo", "bye"]')
    assert not run(ctx, command={"path": "run", "exit_code": 125}).ok


def test_command_entrypoint_flag(ctx):
    typed(ctx, "docker run --entrypoint sh ping:2.0 -c 'echo hi'")
    assert run(ctx, command={"path": "run", "flags": {"--entrypoint": "sh"}, "image": "ping:2.0",
                             "args": ["-c", "echo hi"]}).ok


def test_canonical_forms(ctx):
    parse = ctx.parse
    assert canonical_path(parse, ["run"]) == ("container", "run")
    assert canonical_path(parse, ["container", "ps"]) == ("container", "ls")
    expected = canonical_flag(parse, ("container", "run"), "-p", "8080:80")
    assert (expected.key, expected.value) == ("publish", ["8080:80"])
    assert canonical_flag(parse, ("container", "run"), "-m", "32m").value == 32 * 1024 * 1024
    with pytest.raises(Exception, match="unknown shorthand flag"):
        canonical_flag(parse, ("container", "run"), "-z", True)


def test_output_of_last_command(ctx):
    assert run(ctx, output={"contains": "x"}).details == "no command has been run yet"
    typed(ctx, "docker inspect --format '{{ .NetworkSettings.IPAddress }}' web", "172.17.0.2\n")
    typed(ctx, "docker run -d -p 8080:80 nginx", "", 125)
    assert run(ctx, output={"command": "inspect", "regex": r"^172\.17\.\d+\.\d+$"}).ok
    assert run(ctx, output={"exit_code": 125}).ok
    result = run(ctx, output={"contains": "port is already allocated"})
    assert result.details == ("the output of 'docker run -d -p 8080:80 nginx' does not contain "
                              '"port is already allocated"')
    assert run(ctx, output={"command": "ps"}).details == "you have not run 'docker ps' yet"
    typed(ctx, "curl -s http://localhost:8080/", "<h1>Welcome to nginx!</h1>")
    assert run(ctx, output={"contains": "Welcome"}).ok
    assert run(ctx, output={"exit_code": 0, "regex": "^<h1>"}).ok
