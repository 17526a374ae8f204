"""docker run / create / start / attach: the commands that start things and may attach."""
from __future__ import annotations

import os
import socket
import sys

from dockerlab.engine.errors import EngineError
from dockerlab.engine.runtime.trace import mark

from ..context import CliExit, Context
from ..runopts import client_checks, client_error, create_body
from ..terminal import Detached, console_size, relay
from .images_pull import ensure_image


def create_container(ctx: Context, flags: dict, args: list[str], given: set[str] = frozenset(),
                     verb: str = "run") -> str:
    client_checks(flags, args, verb)
    cidfile = flags.get("cidfile") or ""
    if cidfile and os.path.exists(cidfile):      # docker/cli's containerIDFile, before creating
        raise client_error(verb, "container ID file found, make sure the other container isn't "
                                 f"running or delete {cidfile}")
    body, name = create_body(flags, args, given)
    body.setdefault("HostConfig", {})["ConsoleSize"] = console_size()   # as Docker's CLI: [0, 0] if no tty
    mark("cli.body")
    ensure_image(ctx, body["Image"])
    mark("cli.image")
    created = ctx.engine.create(body, name)
    mark("cli.created")
    for warning in created.get("Warnings") or []:
        ctx.err.write(f"WARNING: {warning}\n")
    if cidfile:
        with open(cidfile, "w") as out:
            out.write(created["Id"])
    return created["Id"]


def cmd_create(ctx: Context, p) -> int:
    cid = create_container(ctx, p.flags, p.args, set(p.given), "create")
    ctx.print(cid)
    return 0


def require_terminal(flags: dict) -> None:
    """Docker's client refuses -t with -i when stdin is not a terminal, before creating anything."""
    if flags.get("tty") and flags.get("interactive") and not flags.get("detach"):
        if sys.stdin is None or not os.isatty(sys.stdin.fileno()):
            raise CliExit("the input device is not a TTY", 1)


def cmd_run(ctx: Context, p) -> int:
    flags = p.flags
    detach = bool(flags.get("detach"))
    require_terminal(flags)
    cid = create_container(ctx, flags, p.args, set(p.given))
    if detach:
        ctx.engine.start(cid)
        ctx.print(cid)
        return 0
    rm = bool(flags.get("rm"))
    code = start_attached(ctx, cid, tty=bool(flags.get("tty")), stdin=bool(flags.get("interactive")),
                          until_closed=rm)
    if rm:
        _wait_removed(ctx, cid)
    return code


def _wait_removed(ctx: Context, cid: str, seconds: float = 5.0) -> None:
    """Docker's CLI returns from `run --rm` once the container is gone, not just exited.

    The shim closes the attach socket once the record is deleted, so the first
    look usually finds it gone; the loop covers a shim killed meanwhile.
    """
    import time
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            ctx.engine.record(cid)
        except EngineError:
            return
        time.sleep(0.001)


def _wait_closed(sock: socket.socket, seconds: float) -> None:
    """Read `sock` to its end (the shim's last act for a --rm container), `seconds` at most."""
    sock.settimeout(seconds)
    try:
        while sock.recv(4096):
            pass
    except OSError:
        pass


def start_attached(ctx: Context, cid: str, tty: bool, stdin: bool, until_closed: bool = False) -> int:
    mine, theirs = socket.socketpair()
    try:
        ctx.engine.start(cid, attach=theirs)
    finally:
        theirs.close()
    try:
        status = relay(mine, tty=tty, stdin=stdin and sys.stdin is not None)
        if until_closed:
            _wait_closed(mine, 5.0)
    except Detached:
        return 0
    except KeyboardInterrupt:  # Ctrl-C without -t: Docker forwards SIGINT... we stop waiting
        ctx.engine.kill(cid, "INT")
        status = ctx.engine.wait(cid)
    finally:
        mine.close()
    if "StatusCode" not in status:
        status = ctx.engine.wait(cid)
    return int(status.get("StatusCode", 0))


def cmd_start(ctx: Context, p) -> int:
    attach = bool(p.flags.get("attach") or p.flags.get("interactive"))     # -i attaches too
    if attach and len(p.args) > 1:
        raise CliExit("you cannot start and attach multiple containers at once", 1)
    failed = False
    for ref in p.args:
        try:
            if attach:
                rec = ctx.engine.record(ref)
                return start_attached(ctx, rec["Id"], rec["Config"]["Tty"], bool(p.flags.get("interactive")))
            ctx.engine.start(ref)
            ctx.print(ref)
        except EngineError as e:
            ctx.warn(f"Error response from daemon: {e}")
            failed = True
    if failed:
        ctx.warn("Error: failed to start containers: " + ", ".join(p.args))
        return 1
    return 0


def cmd_attach(ctx: Context, p) -> int:
    from dockerlab.engine.runtime import streams
    from dockerlab.engine.runtime.state import attach_path
    rec = ctx.engine.inspect_container(p.args[0])
    if not rec["State"]["Running"]:
        raise CliExit("You cannot attach to a stopped container, start it first", 1)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(str(attach_path(ctx.engine.settings.run_dir, rec["Id"])))
    streams.send_json_line(sock, {"op": "attach", "stdin": not p.flags.get("no-stdin")})
    try:
        status = relay(sock, tty=rec["Config"]["Tty"], stdin=not p.flags.get("no-stdin"))
    except Detached:
        return 0
    finally:
        sock.close()
    return int(status.get("StatusCode", 0))




COMMANDS = {("container", "run"): cmd_run, ("container", "create"): cmd_create,
            ("container", "start"): cmd_start, ("container", "attach"): cmd_attach}
