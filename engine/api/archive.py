"""/containers/{id}/archive: stat (HEAD), get (GET) and put (PUT) a path, as `docker cp` uses them.

The stat travels in the X-Docker-Container-Path-Stat header, base64 of its
JSON (dockerd's setContainerPathStatHeader); the tar goes out streamed and
uncompressed (identity is always an acceptable encoding), and comes in plain
or compressed with gzip, bzip2 or xz. The work is engine/containerarchive.py.
"""
from __future__ import annotations

import base64
import json

from ..errors import InvalidArgument

STAT_HEADER = "X-Docker-Container-Path-Stat"


def _path(req) -> str:
    path = req.q("path") or ""
    if not path:
        # dockerd 28's badParameterError, its missing space included
        raise InvalidArgument("bad parameter: pathcannot be empty")
    return path


def _stat_header(stat: dict) -> dict:
    raw = json.dumps(stat, separators=(",", ":")).encode()
    return {STAT_HEADER: base64.b64encode(raw).decode()}


def head(req) -> None:
    from ..containerarchive import stat_path
    stat = stat_path(req.engine, req.params["id"], _path(req))
    req.send(200, extra=_stat_header(stat))


def get(req) -> None:
    from ..containerarchive import archive_path
    path = _path(req)
    out = []

    def begin(stat: dict) -> None:
        out.append(req.stream(200, "application/x-tar", extra=_stat_header(stat)))

    archive_path(req.engine, req.params["id"], path, begin, lambda data: out[0].write(data))
    if out:
        out[0].close()


def put(req) -> None:
    from ..containerarchive import extract_to_dir, plain_tar_feeder
    path = _path(req)
    extract_to_dir(req.engine, req.params["id"], path, plain_tar_feeder(req.body()),
                   copy_uidgid=req.qbool("copyUIDGID"), no_overwrite=req.qbool("noOverwriteDirNonDir"))
    req.send(200)


ROUTES = [
    ("HEAD", "/containers/{id}/archive", head),
    ("GET", "/containers/{id}/archive", get),
    ("PUT", "/containers/{id}/archive", put),
]
