"""Relay between the user's terminal and a container's attach stream.

With -t the terminal goes raw and Ctrl-P Ctrl-Q detaches (Docker's default
detach keys); without it, stdout and stderr frames go to our stdout and stderr.
"""
from __future__ import annotations

import json
import os
import select
import socket
import sys
import termios
import tty as ttymod

from dockerlab.engine.runtime import streams

DETACH = b"\x10\x11"   # Ctrl-P Ctrl-Q


class Detached(Exception):
    pass


def console_size() -> list[int]:
    """[rows, columns] of our stdout's terminal, [0, 0] when it is none (Docker's GetTtySize).

    Sent as HostConfig.ConsoleSize at create, so the container's tty has the
    right size before its program runs (`docker run -t img stty size`).
    """
    try:
        fd = sys.stdout.fileno()
        if os.isatty(fd):
            size = os.get_terminal_size(fd)
            return [size.lines, size.columns]
    except (AttributeError, ValueError, OSError):     # no stdout, or a stream without a descriptor
        pass
    return [0, 0]


def _resize(sock: socket.socket, size: list[int]) -> None:
    sock.sendall(streams.frame(streams.RESIZE, json.dumps({"h": size[0], "w": size[1]}).encode()))


def relay(sock: socket.socket, tty: bool, stdin: bool) -> dict:
    """Pump until the container exits; returns its exit status dict. Raises Detached.

    With -t the container's tty takes our terminal's size when our stdout is
    one, with or without -i (Docker's MonitorTtySize); only an attached stdin
    that is a terminal goes raw.
    """
    in_fd = sys.stdin.fileno() if stdin else None
    old = None
    if tty and in_fd is not None and os.isatty(in_fd):
        old = termios.tcgetattr(in_fd)
        ttymod.setraw(in_fd)
    size = console_size() if tty else [0, 0]
    if all(size):
        _resize(sock, size)
    parser = streams.FrameParser()
    pending = b""
    try:
        while True:
            fds = [sock] + ([in_fd] if in_fd is not None else [])
            ready, _, _ = select.select(fds, [], [])
            if sock in ready:
                data = sock.recv(65536)
                if not data:
                    return {"StatusCode": 0}
                for kind, payload in parser.feed(data):
                    if kind == streams.EXIT:
                        return json.loads(payload or b"{}")
                    out = sys.stderr if kind == streams.STDERR else sys.stdout
                    out.buffer.write(payload)
                    out.flush()
            if in_fd is not None and in_fd in ready:
                data = os.read(in_fd, 4096)
                if not data:
                    sock.sendall(streams.frame(streams.STDIN, b""))
                    in_fd = None
                    continue
                if tty:
                    data = pending + data
                    if DETACH in data:
                        sock.sendall(streams.frame(streams.STDIN, data.split(DETACH)[0]))
                        raise Detached()
                    pending = data[-1:] if data.endswith(DETACH[:1]) else b""
                    data = data[:-1] if pending else data
                if data:
                    sock.sendall(streams.frame(streams.STDIN, data))
    finally:
        if old is not None:
            termios.tcsetattr(in_fd, termios.TCSADRAIN, old)
