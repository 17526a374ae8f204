"""The embedded DNS server: where it lives and how long.

Like Docker's, it listens on 127.0.0.11:53 *inside* each container's network
namespace (so /etc/resolv.conf says `nameserver 127.0.0.11`, as in Docker).
The UDP socket is created in the container's namespace (netns.created_in),
then served by a daemon thread of the process that called
`NetworkManager.connect()` - the container's shim, which lives exactly as
long as the container. Hence:
- no extra process, no pid file: the server stops with the shim, and a
  `system reset` that kills shims kills the servers too;
- a container's DNS cannot be queried from another network: its socket only
  exists in that container's namespace;
- every query reads the network records afresh, so names added or removed by
  other containers' connect/disconnect are seen at once.
`connect()` must therefore run in a process that outlives the container's
start (the shim); `stop()` is called by disconnect/release and on reset.
Only UDP is served (answers are always small); TCP queries are refused by
the kernel.
"""
from __future__ import annotations

import logging
import os
import select
import socket
import threading

from ..settings import Settings
from . import dnsnames
from .netns import created_in, netns_path
from .store import NetworkStore

ADDRESS = "127.0.0.11"
PORT = 53
log = logging.getLogger("dockerlab.network.dns")


class Responder:
    """Answers queries arriving on one container's 127.0.0.11:53 socket."""

    def __init__(self, settings: Settings, container_id: str, sock: socket.socket):
        self.store = NetworkStore(settings)
        self.container_id = container_id
        self.sock = sock
        self._wake_r, self._wake_w = os.pipe2(os.O_CLOEXEC)
        self.thread = threading.Thread(target=self._run, daemon=True,
                                       name=f"dns-{container_id[:12]}")

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        try:
            os.write(self._wake_w, b"x")
        except OSError:
            pass
        if self.thread.is_alive() and self.thread is not threading.current_thread():
            self.thread.join(timeout=5)

    def _run(self) -> None:
        try:
            while True:
                ready, _, _ = select.select([self.sock, self._wake_r], [], [])
                if self._wake_r in ready:
                    return
                self._serve_one()
        finally:
            self.sock.close()
            os.close(self._wake_r)
            os.close(self._wake_w)

    def _serve_one(self) -> None:
        try:
            data, peer = self.sock.recvfrom(4096)
        except OSError:
            return
        try:
            out = dnsnames.answer(self.store.all(), self.container_id, data)
        except Exception:   # a bad record must not kill the server
            log.exception("embedded DNS failed to answer")
            return
        if out is not None:
            try:
                self.sock.sendto(out, peer)
            except OSError:
                pass


_active: dict[tuple[str, str], Responder] = {}
_guard = threading.Lock()


def _open_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.bind((ADDRESS, PORT))
    except BaseException:
        sock.close()
        raise
    return sock


def start(settings: Settings, container_id: str, pid: int) -> bool:
    """Serve DNS in `pid`'s namespace for this container (no-op if already served)."""
    key = (str(settings.root), container_id)
    with _guard:
        if key in _active and _active[key].thread.is_alive():
            return False
        fd = os.open(netns_path(pid), os.O_RDONLY | os.O_CLOEXEC)
        try:
            sock = created_in(fd, _open_socket)
        finally:
            os.close(fd)
        responder = Responder(settings, container_id, sock)
        _active[key] = responder
        responder.start()
        return True


def serving(settings: Settings, container_id: str) -> bool:
    r = _active.get((str(settings.root), container_id))
    return bool(r and r.thread.is_alive())


def stop(settings: Settings, container_id: str) -> None:
    with _guard:
        responder = _active.pop((str(settings.root), container_id), None)
    if responder is not None:
        responder.stop()


def stop_all(settings: Settings) -> None:
    """Stop every responder of this state root that runs in this process."""
    root = str(settings.root)
    for key in [k for k in list(_active) if k[0] == root]:
        stop(settings, key[1])
