"""Relay between the user's terminal and a container's attach stream.

With -t the terminal goes raw and Ctrl-P Ctrl-Q detaches (Docker's default
detach keys); without it, stdout and stderr frames go to our stdout and stderr.
"""
from __future__ import annotations

import json
import os
import select
import signal
import socket
import sys
import termios
import threading
import tty as ttymod
from collections.abc import Callable

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


class SizeWatch:
    """Docker's MonitorTtySize: the container's tty follows our terminal when it is resized.

    SIGWINCH writes to a pipe that the relay's select() watches, so a resize is
    applied between two reads. Signal handlers belong to the main thread: from
    another thread (a caller's worker) the size is set once, at the start.
    """

    def __init__(self, apply: Callable[[list[int]], None], active: bool):
        self.apply, self.size = apply, [0, 0]
        self.fd: int | None = None
        self._w: int | None = None
        self._old = None
        if not active:
            return
        self.update()
        if threading.current_thread() is threading.main_thread():
            self.fd, self._w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
            self._old = signal.signal(signal.SIGWINCH, self._on_signal)

    def _on_signal(self, *_: object) -> None:
        try:
            os.write(self._w, b"w")
        except OSError:
            pass            # the pipe is full: a wake-up is already pending

    def update(self) -> None:
        """Apply our terminal's size if it changed (and is known)."""
        size = console_size()
        if all(size) and size != self.size:
            self.size = size
            self.apply(size)

    def woken(self) -> None:
        try:
            os.read(self.fd, 4096)
        except BlockingIOError:
            pass
        self.update()

    def close(self) -> None:
        if self.fd is None:
            return
        signal.signal(signal.SIGWINCH, self._old if self._old is not None else signal.SIG_DFL)
        os.close(self.fd)
        os.close(self._w)
        self.fd = None


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
    watch = SizeWatch(lambda size: _resize(sock, size), active=tty)
    parser = streams.FrameParser()
    pending = b""
    try:
        while True:
            fds = [sock] + ([in_fd] if in_fd is not None else [])
            if watch.fd is not None:
                fds.append(watch.fd)
            ready, _, _ = select.select(fds, [], [])
            if watch.fd in ready:
                watch.woken()
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
        watch.close()
        if old is not None:
            termios.tcsetattr(in_fd, termios.TCSADRAIN, old)
