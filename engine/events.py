"""The event journal: what happened to containers, images, networks and volumes.

Events are made in several processes (the CLI, the API daemon, each
container's shim reporting a `die`), so they go to one append-only file per
state root, `run/events.jsonl`, one JSON object a line in the Engine API's
event shape. `GET /events` reads it back and follows it as it grows, the
way `docker events` follows dockerd. Emitting never fails the operation that
emits: a journal that cannot be written is skipped.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Iterator

from .fsutil import locked, read_json

MAX_BYTES = 4 * 1024 * 1024     # then the journal is rotated to events.jsonl.1
OLD_STYLE_TYPES = ("container", "image")   # they still carry status/id/from in API 1.44


def journal_path(settings) -> Path:
    return Path(settings.run_dir) / "events.jsonl"


def make_event(type_: str, action: str, actor_id: str, attributes: dict | None = None,
               now_ns: int | None = None) -> dict:
    """One event in Docker's JSON layout (events.Message)."""
    now_ns = now_ns or time.time_ns()
    attrs = {k: str(v) for k, v in (attributes or {}).items()}
    event: dict = {}
    if type_ in OLD_STYLE_TYPES:
        event = {"status": action, "id": actor_id}
        if "image" in attrs and type_ == "container":
            event["from"] = attrs["image"]
    event.update({"Type": type_, "Action": action, "Actor": {"ID": actor_id, "Attributes": attrs},
                  "scope": "local", "time": now_ns // 1_000_000_000, "timeNano": now_ns})
    return event


def emit(settings, type_: str, action: str, actor_id: str, attributes: dict | None = None) -> None:
    """Append one event to the journal of `settings`' state root."""
    try:
        path = journal_path(settings)
        path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(make_event(type_, action, actor_id, attributes)).encode() + b"\n"
        if path.exists() and path.stat().st_size > MAX_BYTES:
            with locked(path.with_suffix(".lock")):
                if path.exists() and path.stat().st_size > MAX_BYTES:
                    os.replace(path, path.with_suffix(".jsonl.1"))
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
    except OSError:
        pass


def container_attributes(record: dict) -> dict:
    """image, name and the labels, as dockerd puts them on container events."""
    attrs = dict((record.get("Config") or {}).get("Labels") or {})
    attrs["image"] = (record.get("Config") or {}).get("Image", "")
    attrs["name"] = record.get("Name", "").lstrip("/")
    return attrs


def container(settings, cid: str, action: str, **extra) -> None:
    """A container event; reads the record for its image, name and labels."""
    record = read_json(Path(settings.containers_dir) / cid / "config.json") or {}
    attrs = container_attributes(record)
    attrs.update({k: v for k, v in extra.items() if v is not None})
    emit(settings, "container", action, cid, attrs)


def matches(ev: dict, filters: dict[str, list[str]]) -> bool:
    """Docker's event filters: type, event, container, network, volume, image, label."""
    actor = ev["Actor"]
    attrs = actor.get("Attributes") or {}
    for key, values in filters.items():
        if not values:
            continue
        if key == "type" and ev["Type"] not in values:
            return False
        if key == "event" and ev["Action"].split(":")[0] not in values and ev["Action"] not in values:
            return False
        if key in ("container", "network", "volume") and (ev["Type"] != key or not any(
                actor["ID"].startswith(v) or attrs.get("name") == v for v in values)):
            return False
        if key == "image" and not any(attrs.get("image") == v or actor["ID"].startswith(v)
                                      or attrs.get("name") == v for v in values):
            return False
        if key == "label" and not all(
                attrs.get(v.partition("=")[0]) == v.partition("=")[2] if "=" in v else v in attrs
                for v in values):
            return False
    return True


def read(settings, since_ns: int | None = None, until_ns: int | None = None,
         follow: bool = False, stopped=lambda: False, poll: float = 0.1) -> Iterator[dict]:
    """Events from the journal: the past ones from `since_ns`, then new ones while `follow`.

    Without `since_ns` only events made from now on are returned (Docker's
    default). Stops at `until_ns`, or when `stopped()` turns true.
    """
    path = journal_path(settings)
    if since_ns is not None:
        yield from _past(path.with_suffix(".jsonl.1"), since_ns, until_ns)
    f, inode = _open(path, to_end=since_ns is None)
    try:
        partial = b""
        while True:
            chunk = f.readline() if f else b""
            if chunk:
                partial += chunk
                if not partial.endswith(b"\n"):
                    continue
                event, partial = _parse(partial), b""
                if event is None or (since_ns is not None and event["timeNano"] < since_ns):
                    continue
                if until_ns is not None and event["timeNano"] > until_ns:
                    return
                yield event
                continue
            if not follow or stopped() or (until_ns is not None and time.time_ns() > until_ns):
                return
            time.sleep(poll)
            if _inode(path) != inode:          # rotated (or made): start on the new file
                if f:
                    f.close()
                f, inode = _open(path, to_end=False)
    finally:
        if f:
            f.close()


def _past(path: Path, since_ns: int, until_ns: int | None) -> Iterator[dict]:
    try:
        with open(path, "rb") as f:
            for line in f:
                event = _parse(line)
                if event and event["timeNano"] >= since_ns and (until_ns is None or event["timeNano"] <= until_ns):
                    yield event
    except FileNotFoundError:
        return


def _open(path: Path, to_end: bool):
    try:
        f = open(path, "rb")
    except FileNotFoundError:
        return None, None
    if to_end:
        f.seek(0, os.SEEK_END)
    return f, os.fstat(f.fileno()).st_ino


def _inode(path: Path) -> int | None:
    try:
        return path.stat().st_ino
    except FileNotFoundError:
        return None


def _parse(line: bytes) -> dict | None:
    try:
        event = json.loads(line)
    except ValueError:
        return None
    return event if isinstance(event, dict) and "timeNano" in event else None
