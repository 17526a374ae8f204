"""Dockerfile parsing, variable substitution and .dockerignore matching (no root needed)."""
from __future__ import annotations

import pytest

from dockerlab.engine.build.dockerfile import DockerfileError, parse, parse_instruction
from dockerlab.engine.build.configops import StageState, do_cmd, do_entrypoint, do_env, do_healthcheck
from dockerlab.engine.build.ignore import Matcher, parse as parse_ignore
from dockerlab.engine.build.shellwords import expand, split
from dockerlab.engine.errors import InvalidArgument


def test_stages_steps_and_lines():
    df = parse("ARG V=1\nFROM busybox:${V} AS build\nRUN echo a \\\n  b\n\nFROM scratch\nCOPY --from=build /x /\n")
    assert [s.name for s in df.stages] == ["build", ""]
    run = df.stages[0].instructions[0]
    assert (run.keyword, run.line, run.value) == ("RUN", 3, "echo a   b")
    assert run.original == "RUN echo a   b"
    assert df.stages[1].instructions[0].flags == {"from": "build"}
    assert df.total_steps(1) == 5


def test_escape_directive_uses_backtick():
    df = parse("# escape=`\nFROM busybox\nRUN echo c:\\dir `\n  more\n")
    assert df.escape == "`"
    assert df.stages[0].instructions[0].value == "echo c:\\dir   more"


@pytest.mark.parametrize("text, message", [
    ("FROM busybox\nRUNN x\n", "dockerfile parse error on line 2: unknown instruction: RUNN (did you mean RUN?)"),
    ("FROM busybox\n\nCOPY onlyone\n", "dockerfile parse error on line 3: COPY requires at least two arguments"),
    ("FROM busybox\nSHELL /bin/bash\n", "dockerfile parse error on line 2: SHELL requires the arguments to be in JSON form"),
    ("FROM a b\n", "dockerfile parse error on line 1: FROM requires either one or three arguments"),
    ("RUN x\n", "dockerfile parse error on line 1: no build stage in current context"),
    ("FROM busybox\nCOPY --frm=a b c\n", "dockerfile parse error on line 2: unknown flag: frm"),
])
def test_parse_errors_name_the_line(text, message):
    with pytest.raises(DockerfileError) as err:
        parse(text)
    assert str(err.value).startswith(message)


@pytest.mark.parametrize("word, expected", [
    ("$A", "1"), ("${A}x", "1x"), ("${NOPE:-dflt}", "dflt"), ("${EMPTY:-dflt}", "dflt"),
    ("${EMPTY-dflt}", ""), ("${A:+set}", "set"), ("${NOPE:+set}", ""), ("\\$A", "$A"),
    ("'$A'", "$A"), ('"$A b"', "1 b"), ("${A:-${B}}", "1"), ("${NOPE:-${B}}", "two"),
])
def test_substitution_with_docker_modifiers(word, expected):
    assert expand(word, {"A": "1", "B": "two", "EMPTY": ""}) == expected


def test_required_variable_and_bad_modifier():
    with pytest.raises(InvalidArgument, match="NOPE: must be set"):
        expand("${NOPE:?must be set}", {})
    with pytest.raises(InvalidArgument, match="unsupported modifier"):
        expand("${A:=x}", {"A": "1"})


def test_split_keeps_quoted_blanks():
    assert split('a="x y" b=\'z\' c') == ['a="x y"', "b='z'", "c"]


def test_env_forms_and_invalid_json_cmd_falls_back_to_shell():
    state = StageState(config={})
    assert do_env(parse_instruction('ENV A=1 B="two words"'), state) == "ENV A=1 B=two words"
    do_env(parse_instruction("ENV OLD legacy form"), state)
    assert state.config["Env"] == ["A=1", "B=two words", "OLD=legacy form"]
    do_cmd(parse_instruction("CMD ['a']"), state)
    assert state.config["Cmd"] == ["/bin/sh", "-c", "['a']"]
    assert do_cmd(parse_instruction('CMD ["echo", "hi"]'), state) == 'CMD ["echo" "hi"]'


def test_entrypoint_resets_inherited_cmd_only():
    state = StageState(config={"Cmd": ["sh"]})
    do_entrypoint(parse_instruction('ENTRYPOINT ["echo"]'), state)
    assert state.config.get("Cmd") is None
    state = StageState(config={})
    do_cmd(parse_instruction('CMD ["x"]'), state)
    do_entrypoint(parse_instruction('ENTRYPOINT ["echo"]'), state)
    assert state.config["Cmd"] == ["x"]


def test_healthcheck_as_docker_records_it():
    state = StageState(config={})
    text = do_healthcheck(parse_instruction("HEALTHCHECK --interval=5m --retries=3 CMD curl -f http://x/"), state)
    assert state.config["Healthcheck"] == {"Test": ["CMD-SHELL", "curl -f http://x/"],
                                           "Interval": 300 * 10**9, "Retries": 3}
    assert text == 'HEALTHCHECK &{["CMD-SHELL" "curl -f http://x/"] "5m0s" "0s" "0s" "0s" \'\\x03\'}'


def test_dockerignore_with_exceptions_and_double_star():
    m = Matcher(parse_ignore("# comment\n*.log\n!keep.log\nbuild/\n**/*.tmp\nsecret?\n"))
    assert m.excluded("a.log") and not m.excluded("keep.log")
    assert m.excluded("build/x/y.c") and not m.excluded("src/a.c")
    assert m.excluded("deep/er/x.tmp") and m.excluded("x.tmp")
    assert m.excluded("secret1") and not m.excluded("secret12")
    assert not m.excluded("dir/a.log")          # '*' does not cross '/'
