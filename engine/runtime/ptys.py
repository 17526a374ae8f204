"""Ptys of a container's own devpts: its console (`run -t`) and `docker exec -t`.

The container mounts a private devpts instance, so a host pty's /dev/pts/N
does not exist inside it: a program given one sees its terminal only as
/dev/console (`tty` would say so, where Docker says /dev/pts/0). So, as
runc does, the child makes its console after pivot_root from the
container's /dev/pts/ptmx, bind-mounts the slave over /dev/console, makes
the slave its stdio and controlling terminal, and sends the master to the
shim over a socket pair (runc's console socket, with SCM_RIGHTS).
An exec'd process gets its pair through /proc/PID/root/dev/ptmx.
"""
from __future__ import annotations

import array
import fcntl
import os
import socket
import struct
import termios

from . import libc

TIOCGPTN, TIOCSPTLCK = 0x80045430, 0x40045431


def _unlocked_pair(ptmx: str) -> tuple[int, str]:
    """(master fd, slave path inside the container) of a new pty of the devpts behind `ptmx`."""
    master = os.open(ptmx, os.O_RDWR | os.O_NOCTTY | os.O_CLOEXEC)
    try:
        fcntl.ioctl(master, TIOCSPTLCK, struct.pack("i", 0))
        number = struct.unpack("I", fcntl.ioctl(master, TIOCGPTN, b"\0" * 4))[0]
    except OSError:
        os.close(master)
        raise
    return master, f"/dev/pts/{number}"


def container_pty(pid: int) -> tuple[int, str]:
    """(master fd, the slave's path inside the container) from the container of `pid`."""
    return _unlocked_pair(f"/proc/{pid}/root/dev/ptmx")


# -- the console of `run -t` (runc's setupConsole) ---------------------------------
def console_socketpair() -> tuple[int, int]:
    """(shim's end, child's end) of the socket the child sends its pty master on."""
    shim_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    return shim_end.detach(), child_end.detach()


def setup_console(sock_fd: int) -> None:
    """In the child, after pivot_root: a pty of the container's devpts becomes its console
    and stdio (so `tty` prints /dev/pts/0), and its master goes to the shim on `sock_fd`."""
    master, slave_path = _unlocked_pair("/dev/pts/ptmx")
    try:
        libc.mount(slave_path, "/dev/console", None, libc.MS_BIND)
        slave = os.open(slave_path, os.O_RDWR)     # the caller made a new session: our ctty
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        for target in (0, 1, 2):
            os.dup2(slave, target)
        if slave > 2:
            os.close(slave)
        with socket.socket(fileno=os.dup(sock_fd)) as sock:
            sock.sendmsg([b"m"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                                   array.array("i", [master]))])
    finally:
        os.close(master)
        os.close(sock_fd)


def receive_master(sock_fd: int) -> int:
    """In the shim, once the child exec'd: the master it sent (closes `sock_fd`)."""
    with socket.socket(fileno=sock_fd) as sock:
        fds = array.array("i")
        _data, ancillary, _flags, _addr = sock.recvmsg(1, socket.CMSG_SPACE(fds.itemsize),
                                                       socket.MSG_CMSG_CLOEXEC)
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[:len(payload) - len(payload) % fds.itemsize])
    if not fds:
        raise OSError("the container did not send its console")
    return fds[0]
