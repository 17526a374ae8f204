"""`docker run -ti` and `docker exec -ti` through the CLI on a real terminal (pexpect)."""
from __future__ import annotations

import os
import sys

import pexpect
import pytest

pytestmark = pytest.mark.root


def spawn(state_root, *args: str, rows: int = 30, cols: int = 100) -> pexpect.spawn:
    env = dict(os.environ, DOCKERLAB_ROOT=str(state_root.root), DOCKERLAB_LANG="en")
    return pexpect.spawn(sys.executable, ["-m", "dockerlab.main", "docker", *args], env=env,
                         encoding="utf-8", timeout=30, dimensions=(rows, cols))


def test_exec_ti_gets_a_pty_of_the_container_with_the_callers_size(state_root):
    run = spawn(state_root, "run", "-ti", "--rm", "--name", "tty1", "busybox", "sh")
    run.expect("# ")
    run.sendline("stty size; echo $((40+2))XY")
    run.expect("42XY\r\n")
    assert "30 100" in run.before
    exe = spawn(state_root, "exec", "-ti", "tty1", "sh", rows=25, cols=90)
    exe.expect("# ")
    exe.sendline("tty; stty size; echo $((40+3))XY")
    exe.expect("43XY\r\n")
    assert "/dev/pts/0" in exe.before and "25 90" in exe.before
    exe.sendline("exit 4")
    exe.expect(pexpect.EOF)
    exe.close()
    assert exe.exitstatus == 4
    run.sendline("exit 3")
    run.expect(pexpect.EOF)
    run.close()
    assert run.exitstatus == 3
