"""A pty of a running container's own devpts, for `docker exec -t`.

The container mounts a private devpts instance, so a host pty's /dev/pts/N
does not exist inside it; the container's /dev/ptmx, reached through
/proc/PID/root, gives a pair whose slave the exec'd process can open.
"""
from __future__ import annotations

import fcntl
import os
import struct

TIOCGPTN, TIOCSPTLCK = 0x80045430, 0x40045431


def container_pty(pid: int) -> tuple[int, str]:
    """(master fd, the slave's path inside the container) from the container of `pid`."""
    master = os.open(f"/proc/{pid}/root/dev/ptmx", os.O_RDWR | os.O_NOCTTY | os.O_CLOEXEC)
    try:
        fcntl.ioctl(master, TIOCSPTLCK, struct.pack("i", 0))
        number = struct.unpack("I", fcntl.ioctl(master, TIOCGPTN, b"\0" * 4))[0]
    except OSError:
        os.close(master)
        raise
    return master, f"/dev/pts/{number}"
