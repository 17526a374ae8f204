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
    assert "/dev/pts/1" in exe.before and "25 90" in exe.before     # pts/0 is run's console
    exe.sendline("exit 4")
    exe.expect(pexpect.EOF)
    exe.close()
    assert exe.exitstatus == 4
    run.sendline("exit 3")
    run.expect(pexpect.EOF)
    run.close()
    assert run.exitstatus == 3


def test_run_t_stdio_is_pts_0_of_the_containers_devpts_also_bound_on_dev_console(state_root):
    """As with runc: `tty` says /dev/pts/0 (not /dev/console), fd 0 links there, and
    /dev/console is that same pty (136:0), so a host pty never shows through."""
    run = spawn(state_root, "run", "-t", "--rm", "busybox", "sh", "-c",
                "echo B$((1+1))GIN; tty; readlink /proc/self/fd/0; readlink /proc/self/fd/2; "
                "stat -c '%n %t:%T' /dev/console /dev/pts/0; ls -1 /dev/pts; echo E$((40+2))ND")
    run.expect("B2GIN")                        # after the image's pull messages
    run.expect("E42ND")
    out = run.before.replace("\r", "")
    run.expect(pexpect.EOF)
    run.close()
    assert run.exitstatus == 0
    assert out == "\n/dev/pts/0\n/dev/pts/0\n/dev/pts/0\n/dev/console 88:0\n/dev/pts/0 88:0\n" \
                  "0\nptmx\n", out           # the container's own devpts: one pty


def test_run_t_without_i_gives_the_program_the_terminals_size_from_the_start(state_root):
    """Docker's CLI sends its terminal's size as HostConfig.ConsoleSize, so a program that
    reads it at once (no shell prompt to wait at) sees it, with -t alone."""
    run = spawn(state_root, "run", "-t", "--name", "sized", "--network", "none", "busybox",
                "stty", "size", rows=31, cols=97)
    run.expect(pexpect.EOF)
    run.close()
    assert run.exitstatus == 0
    assert run.before.replace("\r", "").splitlines()[-1] == "31 97", run.before
    shown = spawn(state_root, "inspect", "-f", "{{json .HostConfig.ConsoleSize}}", "sized")
    shown.expect(pexpect.EOF)
    assert shown.before.strip() == "[31,97]"


def test_start_a_resizes_a_t_container_to_the_attaching_terminal(state_root):
    """Without -i, the CLI still resizes the container's tty when its stdout is a terminal."""
    create = spawn(state_root, "create", "-t", "--name", "later", "--network", "none", "busybox",
                   "sh", "-c", "sleep 1; stty size", rows=20, cols=70)
    create.expect(pexpect.EOF)
    create.close()
    assert create.exitstatus == 0
    start = spawn(state_root, "start", "-a", "later", rows=33, cols=111)
    start.expect(pexpect.EOF)
    start.close()
    assert start.exitstatus == 0
    assert "33 111" in start.before, start.before


def test_a_resized_terminal_resizes_the_containers_tty_in_run_and_exec(state_root):
    """Docker's MonitorTtySize: SIGWINCH on the CLI sets the container's pty to the new size."""
    run = spawn(state_root, "run", "-ti", "--rm", "--name", "winch", "--network", "none",
                "busybox", "sh", rows=24, cols=80)
    run.expect("# ")
    run.setwinsize(41, 123)               # the kernel sends SIGWINCH to the CLI
    run.sendline("stty size; echo $((40+4))XY")
    run.expect("44XY\r\n")
    assert "41 123" in run.before, run.before
    exe = spawn(state_root, "exec", "-ti", "winch", "sh", rows=24, cols=80)
    exe.expect("# ")
    exe.setwinsize(19, 77)
    exe.sendline("stty size; echo $((40+5))XY")
    exe.expect("45XY\r\n")
    assert "19 77" in exe.before, exe.before
    exe.sendline("exit")
    exe.expect(pexpect.EOF)
    run.sendline("exit")
    run.expect(pexpect.EOF)
