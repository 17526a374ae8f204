"""Fuzz the Dockerfile parser: a Dockerfile or a DockerfileError, never another exception."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dockerlab.engine.errors import InvalidArgument

dockerfile = pytest.importorskip("dockerlab.engine.build.dockerfile")

KEYWORDS = ["FROM", "RUN", "CMD", "LABEL", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT", "VOLUME",
            "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL", "MAINTAINER",
            "from", "FORM", "#", "# escape=`", "# syntax=docker/dockerfile:1"]
PIECES = ["busybox", "alpine AS base", "--from=base", "--chown=1:1", "[\"sh\", \"-c\"]", "[", "]",
          "\\", "`", "$HOME", "${A:-b}", "a=b", "8080/tcp", "\"", "'", "<<EOF", "EOF", " ", "\t"]

line = st.builds(lambda k, parts: " ".join([k, *parts]), st.sampled_from(KEYWORDS),
                 st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=8)), max_size=4))


def _check(text: str) -> None:
    try:
        result = dockerfile.parse(text)
    except InvalidArgument as err:          # DockerfileError, or "cannot be empty"
        assert str(err).strip()
        return
    assert result is not None


@settings(max_examples=400, deadline=None)
@given(st.lists(line, max_size=10).map("\n".join))
def test_instruction_soup(text):
    _check(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text(text):
    _check(text)
