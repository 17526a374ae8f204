"""Who may talk to the API: root and the members of one group, as with Docker's socket.

The socket file is made root:GROUP mode 0660, so the kernel already refuses
others; the daemon checks the peer's credentials too (SO_PEERCRED), so a
socket whose mode was loosened by hand still answers others with a clear
403 instead of running their commands.
"""
from __future__ import annotations

import grp
import os
import pwd
import socket
import struct


def group_id(name: str) -> int | None:
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        return None


def user_groups(uid: int, gid: int) -> set[int]:
    try:
        user = pwd.getpwuid(uid).pw_name
    except KeyError:
        return {gid}
    return set(os.getgrouplist(user, gid))


class Access:
    def __init__(self, gid: int | None, message: str = "permission denied"):
        self.gid = gid
        self.message = message

    def allowed(self, uid: int, gid: int) -> bool:
        if uid == 0 or uid == os.geteuid():
            return True
        return self.gid is not None and self.gid in user_groups(uid, gid)

    def refusal(self, conn: socket.socket) -> str | None:
        try:
            data = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        except OSError:
            return None
        _pid, uid, gid = struct.unpack("3i", data)
        return None if self.allowed(uid, gid) else self.message.format(uid=uid)
