"""POST /containers/{id}/attach (hijacked) and GET /containers/{id}/logs (streamed)."""
from __future__ import annotations

import socket
import time

from ..runtime import streams
from ..runtime.logs import read_records
from ..errors import Conflict
from . import shapes
from .httpio import MULTIPLEXED_STREAM, RAW_STREAM
from .relay import AttachRelay, client_gone, connect_shim, parse_detach_keys


def attach(req) -> None:
    """Before start (docker run): the stream is handed to the start; after: to the shim."""
    eng = req.engine
    record = eng.record(req.params["id"])
    cid, tty = record["Id"], bool(record["Config"].get("Tty"))
    stdin = req.qbool("stdin")
    if not req.qbool("stream") and not req.qbool("logs"):
        raise Conflict("you must choose at least one stream")
    state = eng.state(cid)
    if state["Running"]:
        shim = connect_shim(eng, cid, stdin)
    elif req.qbool("stream"):
        shim, theirs = socket.socketpair()
        old = req.app.pending_attach.pop(cid, None)
        if old is not None:
            old.close()
        req.app.pending_attach[cid] = theirs
    else:
        shim = None
    conn = req.hijack(RAW_STREAM if tty else MULTIPLEXED_STREAM)
    if req.qbool("logs"):
        # clients read the upgraded stream from the raw socket after parsing the 101 with a
        # buffered reader: bytes sent at once would land in that buffer and be lost
        time.sleep(0.05)
        _write_logs(conn, eng.containers.path(cid) / "json.log", tty, req)
    if shim is None or not req.qbool("stream"):
        return
    relay = AttachRelay(conn, shim, tty, stdin, req.qbool("stdout"), req.qbool("stderr"),
                        parse_detach_keys(req.q("detachKeys")))
    relay.run()


def _write_logs(conn: socket.socket, path, tty: bool, req) -> None:
    for rec, _ in read_records(path):
        kind = streams.STDERR if rec.get("stream") == "stderr" else streams.STDOUT
        data = rec.get("log", "").encode()
        conn.sendall(data if tty else streams.frame(kind, data))


def logs(req) -> None:
    eng = req.engine
    record = eng.record(req.params["id"])
    cid, tty = record["Id"], bool(record["Config"].get("Tty"))
    want = {"stdout": req.qbool("stdout"), "stderr": req.qbool("stderr")}
    if not any(want.values()):
        from ..errors import InvalidArgument
        raise InvalidArgument("Bad parameters: you must choose at least one stream")
    path = eng.containers.path(cid) / "json.log"
    since, until = _stamp(req.q("since")), _stamp(req.q("until"))
    stamps = req.qbool("timestamps")
    w = req.stream(200, RAW_STREAM if tty else MULTIPLEXED_STREAM)

    def emit(rec: dict) -> None:
        stream = rec.get("stream", "stdout")
        when = shapes.unix_time(rec.get("time")) if (since or until) else 0
        if not want.get(stream) or (since and when < since) or (until and when > until):
            return
        text = (rec.get("time", "") + " " if stamps else "") + rec.get("log", "")
        kind = streams.STDERR if stream == "stderr" else streams.STDOUT
        w.write(text.encode() if tty else streams.frame(kind, text.encode()))

    records, offset = [], 0
    for rec, offset in read_records(path):
        records.append(rec)
    tail = req.q("tail") or "all"
    if tail != "all":
        n = int(tail) if tail.lstrip("-").isdigit() else -1
        records = records[-n:] if n > 0 else ([] if n == 0 else records)
    for rec in records:
        emit(rec)
    if req.qbool("follow") and not until:
        _follow(req, cid, path, offset, emit)
    w.close()


def _follow(req, cid: str, path, offset: int, emit) -> None:
    conn = req.handler.connection
    while not client_gone(conn):
        got = False
        for rec, offset in read_records(path, offset):
            emit(rec)
            got = True
        if got:
            continue
        if not req.engine.state(cid)["Running"] and not req.engine.state(cid)["Restarting"]:
            for rec, offset in read_records(path, offset):
                emit(rec)
            return
        time.sleep(0.1)


def _stamp(text: str | None) -> float:
    if not text:
        return 0
    try:
        return float(text)
    except ValueError:
        return shapes.unix_time(text)


ROUTES = [
    ("POST", "/containers/{id}/attach", attach),
    ("GET", "/containers/{id}/logs", logs),
]
