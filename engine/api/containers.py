"""/containers/...: create, list, inspect, start/stop/kill/restart/rm, wait, resize, top, export, prune."""
from __future__ import annotations

import subprocess
import time

from .. import events
from ..errors import Conflict, EngineError, InvalidArgument, NotFound, StartFailure
from . import shapes
from .relay import client_gone, shim_resize


def create(req) -> None:
    body = req.json()
    if not body.get("Image"):
        raise InvalidArgument("config cannot be empty in order to create a container")
    log = (body.get("HostConfig") or {}).get("LogConfig") or {}
    if log.get("Type") not in (None, "", "json-file", "local", "none"):
        raise InvalidArgument(f"logger: no log driver named '{log['Type']}' is registered")
    if log and not log.get("Type"):
        log["Type"] = "json-file"          # an empty driver means the daemon's default
    from .createcompat import migrate_mac_address
    warnings = migrate_mac_address(body, req.version())
    created = req.engine.create(body, req.q("name") or None)
    created["Warnings"] = (created.get("Warnings") or []) + warnings
    req.send_json(201, created)


def list_(req) -> None:
    filters = req.filters()
    show_all = req.qbool("all")
    cs = [c for c in req.engine.list_containers(all=True)
          if (show_all or c["State"]["Running"]) and shapes.container_matches(c, filters)]
    limit = req.qint("limit", -1)
    if limit and limit > 0:
        cs = cs[:limit]
    ids = shapes.network_ids(req.engine)
    req.send_json(200, [shapes.container_summary(shapes.fill_networks(c, ids)) for c in cs])


def inspect(req) -> None:
    view = shapes.fill_networks(req.engine.inspect_container(req.params["id"]), shapes.network_ids(req.engine))
    view["ExecIDs"] = req.app.execs.ids_for(view["Id"]) or None
    req.send_json(200, view)


def start(req) -> None:
    eng = req.engine
    cid = eng.resolve(req.params["id"])
    if eng.state(cid)["Running"]:
        req.send(304)
        return
    attach = req.app.pending_attach.pop(cid, None)
    try:
        eng.start(cid, attach=attach)
    except StartFailure as e:
        e.status = 400
        raise
    finally:
        if attach is not None:
            attach.close()
    req.send(204)


def stop(req) -> None:
    eng = req.engine
    cid = eng.resolve(req.params["id"])
    if not eng.state(cid)["Running"]:
        req.send(304)
        return
    eng.stop(cid, req.qint("t"), req.q("signal") or None)
    req.send(204)


def restart(req) -> None:
    req.engine.restart(req.params["id"], req.qint("t"))
    req.send(204)


def kill(req) -> None:
    """SIGKILL answers once the container is dead (dockerd waits too); other signals at once."""
    from ..lifecycle import parse_signal
    import signal as signals
    eng = req.engine
    cid = eng.resolve(req.params["id"])
    sig = req.q("signal") or "KILL"
    eng.kill(cid, sig)
    if parse_signal(sig) == signals.SIGKILL:
        eng.wait(cid)
    req.send(204)


def remove(req) -> None:
    eng = req.engine
    cid = eng.resolve(req.params["id"])
    if req.qbool("link"):
        raise EngineError("Conflict, cannot remove the default link name of the container")
    eng.remove(cid, force=req.qbool("force"), volumes=req.qbool("v"))
    req.send(204)


def remove_link(req) -> None:
    """DELETE /containers/PARENT/ALIAS: with link=1 the legacy link goes, else the container it names."""
    eng, parent, alias = req.engine, req.params["parent"], req.params["alias"]
    missing = NotFound(f"No such container: {parent}/{alias}")
    try:
        record = eng.record(parent)
    except NotFound:
        raise missing from None
    links = record["HostConfig"].get("Links") or []
    named = [link for link in links if (link.partition(":")[2] or link).rsplit("/", 1)[-1] == alias]
    if not named:
        raise missing
    if req.qbool("link"):
        record["HostConfig"]["Links"] = [link for link in links if link not in named] or None
        eng.containers.save(record)
    else:
        target = eng.resolve(named[0].partition(":")[0].strip("/"))
        eng.remove(target, force=req.qbool("force"), volumes=req.qbool("v"))
    req.send(204)


def rename(req) -> None:
    name = req.q("name") or ""
    if not name:
        raise InvalidArgument("Neither old nor new names may be empty")
    req.engine.rename(req.params["id"], name)
    req.send(204)


def resize(req) -> None:
    eng = req.engine
    cid = eng.resolve(req.params["id"])
    if not eng.state(cid)["Running"]:
        raise Conflict(f"Container {cid} is not running")
    shim_resize(eng, cid, req.qint("h", 24), req.qint("w", 80))
    req.send(200, b"", "text/plain; charset=utf-8")


def wait(req) -> None:
    """Headers at once, the status when the condition holds (dockerd's order)."""
    eng = req.engine
    cid = eng.resolve(req.params["id"])
    condition = req.q("condition") or "not-running"
    if condition not in ("not-running", "next-exit", "removed"):
        raise InvalidArgument(f"invalid condition: {condition!r}")
    since = time.time_ns()
    state = eng.state(cid)
    w = req.stream(200)
    code = state["ExitCode"]
    gone = lambda: client_gone(req.handler.connection)  # noqa: E731
    if condition == "removed":
        code = _removed(req, cid, since, code, gone)
    elif condition == "next-exit" or state["Running"] or state["Restarting"]:
        code = _next_die(req, cid, since, gone)
    if code is not None:
        w.json({"StatusCode": int(code)})
    w.close()


def _next_die(req, cid: str, since: int, gone) -> int | None:
    for ev in events.read(req.engine.settings, since_ns=since, follow=True, stopped=gone):
        if ev.get("Type") == "container" and ev["Actor"]["ID"] == cid and ev["Action"] == "die":
            return int(ev["Actor"]["Attributes"].get("exitCode", "0"))
    return None


def _removed(req, cid: str, since: int, code: int, gone) -> int | None:
    """The exit code of the last run once the container is removed (`docker run --rm`)."""
    for ev in events.read(req.engine.settings, since_ns=since, follow=True, stopped=gone):
        if ev.get("Type") != "container" or ev["Actor"]["ID"] != cid:
            continue
        if ev["Action"] == "die":
            code = int(ev["Actor"]["Attributes"].get("exitCode", "0"))
        elif ev["Action"] == "destroy":
            return code
    return None


def top(req) -> None:
    from .. import cgroups
    eng = req.engine
    cid = eng.resolve(req.params["id"])
    state = eng.state(cid)
    if not state["Running"]:
        raise Conflict(f"Container {cid} is not running")
    pids = set(cgroups.Cgroup(eng.settings, cid).procs()) or {state["Pid"]}
    args = (req.q("ps_args") or "-ef").split()
    try:
        out = subprocess.run(["ps", *args], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        raise EngineError(f"Error running ps: {e}") from None
    lines = out.splitlines()
    titles = lines[0].split()
    if "PID" not in titles:
        raise EngineError("Couldn't find PID field in ps output")
    col = titles.index("PID")
    procs = []
    for line in lines[1:]:
        fields = line.split(None, len(titles) - 1)
        if len(fields) > col and fields[col].isdigit() and int(fields[col]) in pids:
            procs.append(fields)
    req.send_json(200, {"Titles": titles, "Processes": procs})


def export(req) -> None:
    """The container's filesystem as a tar (dockerd: 200, application/x-tar, streamed)."""
    from ..containerexport import export as export_fs
    eng = req.engine
    cid = eng.resolve(req.params["id"])        # NotFound answers 404 before the stream starts
    w = req.stream(200, "application/x-tar")
    try:
        export_fs(eng, cid, w.write)
    finally:
        w.close()


def prune(req) -> None:
    filters = req.filters()
    from ..fsutil import tree_size
    removed, reclaimed = [], 0
    for c in req.engine.list_containers(all=True):
        if c["State"]["Status"] in ("exited", "created", "dead") and \
                shapes.container_matches(c, {k: v for k, v in filters.items() if k == "label"}):
            size = tree_size(req.engine.containers.path(c["Id"]) / "upper")
            try:
                req.engine.remove(c["Id"])
            except (NotFound, Conflict):
                continue
            removed.append(c["Id"])
            reclaimed += size
    events.emit(req.engine.settings, "container", "prune", "", {"reclaimed": reclaimed})
    req.send_json(200, {"ContainersDeleted": removed or None, "SpaceReclaimed": reclaimed})


ROUTES = [
    ("POST", "/containers/create", create),
    ("GET", "/containers/json", list_),
    ("POST", "/containers/prune", prune),
    ("GET", "/containers/{id}/json", inspect),
    ("POST", "/containers/{id}/start", start),
    ("POST", "/containers/{id}/stop", stop),
    ("POST", "/containers/{id}/restart", restart),
    ("POST", "/containers/{id}/kill", kill),
    ("DELETE", "/containers/{id}", remove),
    ("DELETE", "/containers/{parent}/{alias}", remove_link),
    ("POST", "/containers/{id}/rename", rename),
    ("POST", "/containers/{id}/resize", resize),
    ("POST", "/containers/{id}/wait", wait),
    ("GET", "/containers/{id}/top", top),
    ("GET", "/containers/{id}/export", export),
]
