"""Inside the cache process: one HTTP server per lab bridge, and the control socket.

Each bridge network of the lab has its own gateway address, and a container
only knows its own gateway, so the cache listens on every gateway of its
root: one listening socket per bridge, each served by a `CacheServer` in a
thread, all sharing the store and the parsed index. The engine makes each
socket (so a busy port is its error, reported at once) and hands it over on
the control socket (`lab.ensure_serving`). A listener whose address is no
longer the gateway of one of the root's networks on this host (network
removed, subnet changed) is closed: the cache never stays on an address
that might later belong to something else.
"""
from __future__ import annotations

import logging
import socket
import threading
from pathlib import Path

from ..fsutil import atomic_write_bytes, locked
from ..settings import Settings
from .config import CacheConfig
from .server import CacheServer

log = logging.getLogger("dockerlab.pkgcache")
SWEEP_SECONDS = 30
HAND_OVER = b"listen"


def address_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"{host}:{port}"


def lab_gateways(settings: Settings) -> set[str] | None:
    """Gateways of the root's bridge networks (None when the records cannot be read)."""
    from ..network.store import NetworkStore
    try:
        return {conf.get("Gateway") for rec in NetworkStore(settings).all()
                if rec.get("Driver") == "bridge" and not rec.get("Internal")
                for conf in rec.get("IPAM", {}).get("Config") or []}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def is_local(address: str) -> bool:
    """True when this host owns `address` (bind() refuses anything else)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind((address, 0))
        return True
    except OSError:
        return False


class Listeners:
    """The cache's HTTP servers, by `address:port`, and the file that lists them."""

    def __init__(self, settings: Settings, config: CacheConfig, record: Path, lock: Path):
        self.settings, self.config = settings, config
        self.record, self.lock = record, lock
        self.servers: dict[str, tuple[CacheServer, threading.Thread]] = {}

    def add(self, sock: socket.socket) -> str:
        where = address_of(sock)
        server = CacheServer(sock, self.config)
        thread = threading.Thread(target=server.serve_forever, name=f"pkgcache {where}",
                                  daemon=True)
        thread.start()
        self.servers[where] = (server, thread)
        log.info("listening on %s", where)
        return where

    def drop(self, where: str) -> None:
        server, thread = self.servers.pop(where)
        server.shutdown()
        server.server_close()
        thread.join()
        log.info("stopped listening on %s (no lab bridge has that address any more)", where)

    def sweep(self) -> None:
        """Close the listeners whose address is no longer a lab gateway of this host."""
        gateways = lab_gateways(self.settings)
        if gateways is None:
            return
        for where in list(self.servers):
            host = where.rsplit(":", 1)[0]
            if host not in gateways or not is_local(host):
                self.drop(where)

    def write_record(self) -> None:
        """`run/pkgcache/server.addr`: one `address:port` a line (read by lab.listening_on)."""
        text = "".join(f"{where}\n" for where in sorted(self.servers))
        atomic_write_bytes(self.record, text.encode(), durable=False)

    def take(self, conn: socket.socket) -> None:
        """One control request: the engine hands over listening sockets; answer `ok`.

        The engine holds the cache's lock while it waits for the answer, so
        the sweep and the record written here cannot race with another
        engine process.
        """
        conn.settimeout(10)
        msg, fds, _flags, _addr = socket.recv_fds(conn, 64, 8)
        for fd in fds:
            sock = socket.socket(fileno=fd)
            if msg.startswith(HAND_OVER) and sock.type == socket.SOCK_STREAM:
                self.add(sock)
            else:
                sock.close()
        self.sweep()
        self.write_record()
        conn.sendall(b"ok\n")

    def serve(self, control: socket.socket) -> None:
        """Answer control requests; every SWEEP_SECONDS without one, sweep (under the lock)."""
        control.settimeout(SWEEP_SECONDS)
        while True:
            try:
                conn, _ = control.accept()
            except TimeoutError:
                with locked(self.lock):
                    before = set(self.servers)
                    self.sweep()
                    if set(self.servers) != before:
                        self.write_record()
                continue
            with conn:
                try:
                    self.take(conn)
                except OSError as err:
                    log.warning("control request failed: %s", err)
