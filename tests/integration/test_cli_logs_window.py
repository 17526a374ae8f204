"""docker logs --since / --until: a window on the log's own timestamps."""
from __future__ import annotations

import pytest

from dockerlab.cli import units

from cli_support import Docker

pytestmark = pytest.mark.root


@pytest.fixture
def docker(state_root):
    return Docker(state_root)


def test_since_and_until_keep_the_lines_of_their_window(docker, capfd):
    docker.ok("run", "-d", "--name", "talker", "busybox", "sh", "-c", "echo early; sleep 1; echo late")
    assert docker.ok("wait", "talker") == "0\n"
    capfd.readouterr()
    docker.ok("logs", "-t", "talker")                              # logs writes to the real stdout
    stamps = [line.split()[0] for line in capfd.readouterr().out.splitlines()]
    first, second = (units.parse_timestamp(s).timestamp() for s in stamps)
    middle = f"{(first + second) / 2:.6f}"                         # epoch seconds, as Docker takes
    docker.ok("logs", "--since", middle, "talker")
    assert capfd.readouterr().out == "late\n"
    docker.ok("logs", "--until", middle, "talker")
    assert capfd.readouterr().out == "early\n"
    docker.ok("logs", "--since", "1h", "--tail", "1", "talker")    # a Go duration: one hour ago
    assert capfd.readouterr().out == "late\n"
    r = docker("logs", "--since", "yesterday", "talker")
    assert (r.code, r.err) == (1, 'failed to parse value as time or duration: "yesterday"\n')
