"""Running a function inside a container's network namespace.

setns(CLONE_NEWNET) changes only the calling thread, so the work runs in a
short-lived thread: the caller (the shim, with proxy threads around) never
leaves the host namespace, and sockets or netlink handles created there stay
bound to the container's namespace after the thread ends.
"""
from __future__ import annotations

import os
import threading
from typing import Callable, TypeVar

from ..runtime import libc

T = TypeVar("T")


def netns_path(pid: int) -> str:
    return f"/proc/{pid}/ns/net"


def run_in_netns(pid: int, fn: Callable[[], T]) -> T:
    """Call `fn()` in the network namespace of process `pid`; return its result."""
    fd = os.open(netns_path(pid), os.O_RDONLY | os.O_CLOEXEC)
    box: dict = {}

    def target() -> None:
        try:
            libc.setns(fd, libc.CLONE_NEWNET)
            box["value"] = fn()
        except BaseException as exc:  # handed to the caller's thread
            box["error"] = exc

    try:
        t = threading.Thread(target=target, name=f"netns-{pid}")
        t.start()
        t.join()
    finally:
        os.close(fd)
    if "error" in box:
        raise box["error"]
    return box["value"]
