"""Start and stop the API server on its socket: permissions, the socket record, signals."""
from __future__ import annotations

import os
import signal
import socket
import threading
from pathlib import Path

from ..errors import Conflict
from .permissions import Access, group_id
from .server import App, UnixHTTPServer
from .socketmount import default_socket, forget_socket, record_socket


def _in_use(path: Path) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.connect(str(path))
        return True
    except OSError:
        return False


def open_server(engine, path: Path | None = None, group: str = "dockerlab",
                refusal: str = "permission denied", debug: bool = False) -> UnixHTTPServer:
    """Bind the socket root:GROUP 0660 (root:root when the group is missing) and build the server."""
    path = Path(path or default_socket(engine.settings)).absolute()
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() or path.is_socket():
        if _in_use(path):
            raise Conflict(f"{path}: another daemon is listening on this socket")
        path.unlink()
    gid = group_id(group)
    old = os.umask(0o177)          # never reachable by others, not even between bind and chmod
    try:
        server = UnixHTTPServer(str(path), App(engine, str(path), Access(gid, refusal), debug))
    finally:
        os.umask(old)
    os.chown(path, 0, gid if gid is not None else 0)
    os.chmod(path, 0o660)
    record_socket(engine.settings, path)
    return server


def close_server(server: UnixHTTPServer) -> None:
    app = server.app
    for sock in list(app.pending_attach.values()):
        sock.close()
    server.server_close()
    Path(app.socket_path).unlink(missing_ok=True)
    forget_socket(app.engine.settings)


def serve_until_signalled(server: UnixHTTPServer) -> None:
    """serve_forever until SIGTERM or SIGINT; then close and remove the socket."""
    def stop(*_):
        threading.Thread(target=server.shutdown, daemon=True).start()
    old = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        close_server(server)
