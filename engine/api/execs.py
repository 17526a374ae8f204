"""/containers/{id}/exec and /exec/{id}/...: exec instances, their streams and exit codes.

An exec instance lives in the daemon's memory, as in dockerd. Its process
is a child of the daemon (runtime/execproc.py enters the container), with a
pty for `-t` or pipes otherwise; the hijacked connection carries a raw
stream with a tty and a multiplexed one without.
"""
from __future__ import annotations

import fcntl
import os
import secrets
import select
import socket
import struct
import termios
import threading
from dataclasses import dataclass, field

from .. import events
from ..errors import Conflict, NotFound
from ..runtime import execproc, streams
from ..runtime.process import ExecError
from .httpio import MULTIPLEXED_STREAM, RAW_STREAM
from .relay import DETACH_KEYS, close_hijacked, parse_detach_keys


@dataclass
class ExecInstance:
    id: str
    container_id: str
    config: dict
    running: bool = False
    exit_code: int | None = None
    pid: int = 0
    master: int | None = None
    started: bool = False
    done: threading.Event = field(default_factory=threading.Event)

    def inspect(self) -> dict:
        cfg = self.config
        cmd = list(cfg.get("Cmd") or [])
        return {"ID": self.id, "Running": self.running, "ExitCode": self.exit_code,
                "ProcessConfig": {"tty": bool(cfg.get("Tty")), "entrypoint": cmd[0] if cmd else "",
                                  "arguments": cmd[1:], "privileged": bool(cfg.get("Privileged")),
                                  "user": cfg.get("User") or ""},
                "OpenStdin": bool(cfg.get("AttachStdin")), "OpenStderr": bool(cfg.get("AttachStderr")),
                "OpenStdout": bool(cfg.get("AttachStdout")), "CanRemove": False,
                "ContainerID": self.container_id, "DetachKeys": cfg.get("DetachKeys") or "",
                "Pid": self.pid}


class ExecRegistry:
    def __init__(self) -> None:
        self.items: dict[str, ExecInstance] = {}
        self.lock = threading.Lock()

    def add(self, inst: ExecInstance) -> None:
        with self.lock:
            self.items[inst.id] = inst

    def get(self, eid: str) -> ExecInstance:
        inst = self.items.get(eid)
        if inst is None:
            raise NotFound(f"No such exec instance: {eid}")
        return inst

    def ids_for(self, cid: str) -> list[str]:
        return [i.id for i in list(self.items.values()) if i.container_id == cid and not i.done.is_set()]


def create(req) -> None:
    eng = req.engine
    cid = eng.resolve(req.params["id"])
    body = req.json()
    state = eng.state(cid)
    if not state["Running"]:
        raise Conflict(f"container {cid} is not running")
    if not body.get("Cmd"):
        from ..errors import InvalidArgument
        raise InvalidArgument("No exec command specified")
    inst = ExecInstance(secrets.token_hex(32), cid, body)
    req.app.execs.add(inst)
    events.container(eng.settings, cid, "exec_create: " + " ".join(body["Cmd"]), execID=inst.id)
    req.send_json(201, {"Id": inst.id})


def inspect(req) -> None:
    req.send_json(200, req.app.execs.get(req.params["id"]).inspect())


def resize(req) -> None:
    inst = req.app.execs.get(req.params["id"])
    if inst.master is not None:
        size = struct.pack("HHHH", req.qint("h", 24), req.qint("w", 80), 0, 0)
        try:
            fcntl.ioctl(inst.master, termios.TIOCSWINSZ, size)
        except OSError:
            pass
    req.send(200, b"", "text/plain; charset=utf-8")


def start(req) -> None:
    inst = req.app.execs.get(req.params["id"])
    body = req.json()
    if inst.started:
        raise Conflict(f"Error: Exec command {inst.id} has already run")
    inst.started = True
    # the process gets a pty when the exec was created with Tty; the stream is raw when
    # start asks for Tty, multiplexed otherwise (dockerd decides the two separately)
    raw = bool(body.get("Tty"))
    if body.get("Detach"):
        _spawn_detached(req, inst)
        req.send(200, b"", "text/plain; charset=utf-8")
        return
    conn = req.hijack(RAW_STREAM if raw else MULTIPLEXED_STREAM)
    try:
        if inst.config.get("Tty"):
            _run_tty(req, inst, conn, body.get("ConsoleSize") or inst.config.get("ConsoleSize"), raw)
        else:
            _run_pipes(req, inst, conn)
    finally:
        inst.running = False
        inst.done.set()
        events.container(req.engine.settings, inst.container_id, "exec_die", execID=inst.id,
                         exitCode=inst.exit_code)
        close_hijacked(conn)


def _kw(inst: ExecInstance) -> dict:
    cfg = inst.config
    return {"user": cfg.get("User") or None, "env": list(cfg.get("Env") or []),
            "workdir": cfg.get("WorkingDir") or None}


def _spawn(req, inst: ExecInstance, conn, raw: bool = False, **kw) -> bool:
    """Start the process; on failure the message goes to the client, as dockerd writes it."""
    events.container(req.engine.settings, inst.container_id,
                     "exec_start: " + " ".join(inst.config["Cmd"]), execID=inst.id)
    try:
        inst.pid = execproc.spawn(req.engine, inst.container_id, list(inst.config["Cmd"]), **kw, **_kw(inst))
    except ExecError as e:
        inst.exit_code = e.code
        if conn is not None:
            data = (str(e) + "\r\n").encode()
            conn.sendall(data if raw else streams.frame(streams.STDOUT, data))
        return False
    inst.running = True
    return True


def _spawn_detached(req, inst: ExecInstance) -> None:
    null = os.open(os.devnull, os.O_RDWR)
    try:
        ok = _spawn(req, inst, None, stdio=(null, null, null))
    finally:
        os.close(null)

    def reap() -> None:
        if ok:
            inst.exit_code = execproc.wait(inst.pid)
        inst.running = False
        inst.done.set()
    threading.Thread(target=reap, daemon=True).start()


from ..runtime.ptys import container_pty  # noqa: E402 - kept here for readers of this module


def _run_tty(req, inst: ExecInstance, conn: socket.socket, size, raw: bool) -> None:
    master, slave_path = container_pty(req.engine.state(inst.container_id)["Pid"])
    if size:
        fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", int(size[0]), int(size[1]), 0, 0))
    ok = _spawn(req, inst, conn, raw, tty_slave=slave_path)
    if not ok:
        os.close(master)
        return
    inst.master = master
    stdin = bool(inst.config.get("AttachStdin"))
    keys = parse_detach_keys(inst.config.get("DetachKeys"))
    threading.Thread(target=_client_to_fd, args=(conn, master if stdin else None, keys), daemon=True).start()
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            data = b""
        if not data:
            break
        try:
            conn.sendall(data if raw else streams.frame(streams.STDOUT, data))
        except OSError:
            break
    inst.exit_code = execproc.wait(inst.pid)
    inst.master = None
    try:
        conn.shutdown(socket.SHUT_RD)      # the stdin thread stops before the fd is closed
    except OSError:
        pass
    os.close(master)


def _run_pipes(req, inst: ExecInstance, conn: socket.socket) -> None:
    # stdin is a socketpair: shutdown() ends it even while forked helpers hold copies
    stdin = socket.socketpair() if inst.config.get("AttachStdin") else None
    in_fd = stdin[1].fileno() if stdin else os.open(os.devnull, os.O_RDONLY)
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    try:
        ok = _spawn(req, inst, conn, stdio=(in_fd, out_w, err_w))
    finally:
        os.close(out_w)
        os.close(err_w)
        if stdin:
            stdin[1].close()
        else:
            os.close(in_fd)
    if not ok:
        os.close(out_r)
        os.close(err_r)
        if stdin:
            stdin[0].close()
        return
    if stdin:
        threading.Thread(target=_client_to_sock, args=(conn, stdin[0]), daemon=True).start()
    kinds = {out_r: streams.STDOUT, err_r: streams.STDERR}
    want = {out_r: inst.config.get("AttachStdout", True), err_r: inst.config.get("AttachStderr", True)}
    while kinds:
        ready, _, _ = select.select(list(kinds), [], [])
        for fd in ready:
            data = os.read(fd, 65536)
            if not data:
                del kinds[fd]
                os.close(fd)
                continue
            if want[fd]:
                try:
                    conn.sendall(streams.frame(kinds[fd], data))
                except OSError:
                    pass
    inst.exit_code = execproc.wait(inst.pid)


def _client_to_sock(conn: socket.socket, sock: socket.socket) -> None:
    """The client's stdin to the process; the client's half-close ends the process's stdin."""
    try:
        while data := conn.recv(65536):
            sock.sendall(data)
    except OSError:
        pass
    finally:
        try:
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        sock.close()


def _client_to_fd(conn: socket.socket, fd: int | None, keys: bytes = DETACH_KEYS) -> None:
    """What the client types goes to the pty; the detach keys end the stream, not the process."""
    pending = b""
    try:
        while data := conn.recv(65536):
            if fd is None:
                continue
            data = pending + data
            if keys in data:
                os.write(fd, data.split(keys)[0])
                close_hijacked(conn)
                return
            keep = next((n for n in range(len(keys) - 1, 0, -1) if data.endswith(keys[:n])), 0)
            pending, data = (data[-keep:], data[:-keep]) if keep else (b"", data)
            if data:
                os.write(fd, data)
    except OSError:
        pass


ROUTES = [
    ("POST", "/containers/{id}/exec", create),
    ("POST", "/exec/{id}/start", start),
    ("POST", "/exec/{id}/resize", resize),
    ("GET", "/exec/{id}/json", inspect),
]
