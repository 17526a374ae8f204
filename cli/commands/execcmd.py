"""docker exec [-ti] [-d] [-e] [-u] [-w]: a process in a running container."""
from __future__ import annotations

import os
import select
import shutil
import sys
import termios
import tty as ttymod
import fcntl
import struct

from dockerlab.engine.runtime import execproc
from dockerlab.engine.runtime.process import ExecError

from ..context import CliExit, Context


def _pty_relay(master: int, pid: int, interactive: bool) -> int:
    in_fd = sys.stdin.fileno()
    old = termios.tcgetattr(in_fd) if interactive and os.isatty(in_fd) else None
    if old is not None:
        ttymod.setraw(in_fd)
        size = shutil.get_terminal_size()
        fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", size.lines, size.columns, 0, 0))
    try:
        while True:
            fds = [master] + ([in_fd] if interactive else [])
            ready, _, _ = select.select(fds, [], [])
            if master in ready:
                try:
                    data = os.read(master, 65536)
                except OSError:
                    data = b""
                if not data:
                    break
                sys.stdout.buffer.write(data)
                sys.stdout.flush()
            if interactive and in_fd in ready:
                data = os.read(in_fd, 4096)
                if not data:
                    interactive = False
                else:
                    os.write(master, data)
    finally:
        if old is not None:
            termios.tcsetattr(in_fd, termios.TCSADRAIN, old)
        os.close(master)
    return execproc.wait(pid)


def cmd_exec(ctx: Context, p) -> int:
    eng = ctx.engine
    cid = eng.resolve(p.args[0])
    cmd = p.args[1:]
    kw = dict(user=p.flags.get("user"), env=list(p.flags.get("env") or []), workdir=p.flags.get("workdir"))
    try:
        if p.flags.get("detach"):
            null = os.open(os.devnull, os.O_RDWR)
            execproc.spawn(eng, cid, cmd, stdio=(null, null, null), **kw)
            os.close(null)
            return 0
        if p.flags.get("tty"):
            master, slave = os.openpty()
            pid = execproc.spawn(eng, cid, cmd, tty_slave=os.ttyname(slave), **kw)
            os.close(slave)
            return _pty_relay(master, pid, bool(p.flags.get("interactive")))
        stdin = sys.stdin.fileno() if p.flags.get("interactive") else os.open(os.devnull, os.O_RDONLY)
        sys.stdout.flush()
        pid = execproc.spawn(eng, cid, cmd, stdio=(stdin, sys.stdout.fileno(), sys.stderr.fileno()), **kw)
        return execproc.wait(pid)
    except ExecError as e:
        raise CliExit(str(e), e.code)


COMMANDS = {("container", "exec"): cmd_exec}
