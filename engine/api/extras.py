"""Less common endpoints: commit, import, pause/unpause, changes, and swarm's refusal."""
from __future__ import annotations

from pathlib import Path

from .. import events
from ..errors import EngineError, InvalidArgument


class NotInSwarm(EngineError):
    status = 503


def swarm(req) -> None:
    """docker-py and the docker client ask; dockerlab has no swarm mode (dockerd's 503)."""
    req.drain()
    raise NotInSwarm("This node is not a swarm manager. dockerlab does not run swarm mode.")


def commit(req) -> None:
    from ..images.commit import commit_container
    req.drain()
    changes = req.qlist("changes")
    repo = req.q("repo") or ""
    target = f"{repo}:{req.q('tag')}" if repo and req.q("tag") else repo
    eng = req.engine
    record = eng.record(req.q("container") or "")
    image = commit_container(eng, record["Id"], target, message=req.q("comment") or "",
                             author=req.q("author") or "", changes=changes)
    events.container(eng.settings, record["Id"], "commit", comment=req.q("comment") or "")
    req.send_json(201, {"Id": image.id})


def import_image(req, repo: str, tag: str) -> None:
    """POST /images/create?fromSrc=-: a one-layer image from the body's root file system tar."""
    from ..images.archive_import import import_rootfs
    from .progress import run_streamed
    if req.q("fromSrc") != "-":
        raise InvalidArgument("dockerlab imports from the request body only (fromSrc=-), not from a URL")
    target = (f"{repo}:{tag}" if tag else repo) or None

    def work(progress) -> None:
        image = import_rootfs(req.engine.images, req.body(), target, message=req.q("message") or "",
                              changes=req.qlist("changes"))
        events.emit(req.engine.settings, "image", "import", image.id, {"name": target or image.id})
        progress.status(image.id)
    run_streamed(req, work)


def pause(req) -> None:
    req.engine.pause(req.params["id"])
    req.send(204)


def unpause(req) -> None:
    req.engine.unpause(req.params["id"])
    req.send(204)


def changes(req) -> None:
    """GET /containers/{id}/changes: what `docker diff` prints (containerfs.changes), with the
    API's kinds: 0 modified, 1 added, 2 deleted."""
    from ..containerfs import changes as container_changes
    kinds = {"C": 0, "A": 1, "D": 2}
    out = [{"Path": path, "Kind": kinds[kind]} for kind, path in container_changes(req.engine, req.params["id"])]
    req.send_json(200, out or None)


def _sample(eng, cid: str, name: str) -> dict:
    from datetime import datetime, timezone
    from .. import cgroups
    try:
        data = cgroups.Cgroup(eng.settings, cid).stats() if eng.state(cid)["Running"] else {}
    except EngineError:
        data = {}
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return {"read": stamp, "preread": "0001-01-01T00:00:00Z", "name": name, "id": cid,
            "pids_stats": data.get("pids_stats") or {},
            "blkio_stats": {"io_service_bytes_recursive": None, "io_serviced_recursive": None,
                            "io_queue_recursive": None, "io_service_time_recursive": None,
                            "io_wait_time_recursive": None, "io_merged_recursive": None,
                            "io_time_recursive": None, "sectors_recursive": None},
            "num_procs": 0, "storage_stats": {},
            "cpu_stats": data.get("cpu_stats") or {"cpu_usage": {"total_usage": 0, "usage_in_kernelmode": 0,
                                                                 "usage_in_usermode": 0},
                                                   "throttling_data": {"periods": 0, "throttled_periods": 0,
                                                                       "throttled_time": 0}},
            "memory_stats": data.get("memory_stats") or {},
            "networks": _net_dev(eng.state(cid)["Pid"]) if data else {}}


def _net_dev(pid: int) -> dict:
    """Per-interface counters from the container's /proc/PID/net/dev (dockerd's `networks`)."""
    out = {}
    try:
        lines = Path(f"/proc/{pid}/net/dev").read_text().splitlines()[2:]
    except OSError:
        return out
    for line in lines:
        name, _, rest = line.partition(":")
        name, v = name.strip(), [int(x) for x in rest.split()]
        if name == "lo" or len(v) < 16:
            continue
        out[name] = {"rx_bytes": v[0], "rx_packets": v[1], "rx_errors": v[2], "rx_dropped": v[3],
                     "tx_bytes": v[8], "tx_packets": v[9], "tx_errors": v[10], "tx_dropped": v[11]}
    return out


def stats(req) -> None:
    """GET /containers/{id}/stats: one sample a second, or one with the previous CPU figures."""
    import time
    from .relay import client_gone
    eng = req.engine
    record = eng.record(req.params["id"])
    cid, name = record["Id"], record["Name"]
    prev = _sample(eng, cid, name)
    if not req.qbool("stream", True):
        if not req.qbool("one-shot"):
            time.sleep(1)
            now = _sample(eng, cid, name)
            now["precpu_stats"], now["preread"] = prev["cpu_stats"], prev["read"]
            prev = now
        else:
            prev["precpu_stats"] = {"cpu_usage": {"total_usage": 0}, "throttling_data": {}}
        req.send_json(200, prev)
        return
    w = req.stream(200)
    prev["precpu_stats"] = {"cpu_usage": {"total_usage": 0}, "throttling_data": {}}
    w.json(prev)
    while not client_gone(req.handler.connection):
        time.sleep(1)
        now = _sample(eng, cid, name)
        now["precpu_stats"], now["preread"] = prev["cpu_stats"], prev["read"]
        try:
            w.json(now)
        except OSError:
            return
        prev = now
    w.close()


def update(req) -> None:
    """POST /containers/{id}/update: new limits now (cgroup) and in the record (next starts)."""
    warnings = req.engine.update(req.params["id"], req.json())
    req.send_json(200, {"Warnings": warnings})


ROUTES = [
    ("POST", "/commit", commit),
    ("POST", "/containers/{id}/pause", pause),
    ("POST", "/containers/{id}/unpause", unpause),
    ("GET", "/containers/{id}/changes", changes),
    ("GET", "/containers/{id}/stats", stats),
    ("POST", "/containers/{id}/update", update),
    ("GET", "/swarm", swarm),
    ("POST", "/swarm/init", swarm),
    ("POST", "/swarm/leave", swarm),
    ("POST", "/swarm/join", swarm),
    ("GET", "/services", swarm),
    ("GET", "/nodes", swarm),
]
