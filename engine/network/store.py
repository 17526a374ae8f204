"""Network records on disk: one JSON file per network under `networks/`.

A record is Docker's `network inspect` document plus a private `_lab` part
(bridge name, endpoints with their addresses and DNS names). Every change
happens under one flock per state root, so two `docker run` at once never
hand out the same address; readers (the DNS responders) need no lock because
files are replaced atomically.
"""
from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterator

from ..errors import InvalidArgument, NotFound
from ..fsutil import atomic_write_json, locked, read_json
from ..settings import Settings

PREDEFINED = ("bridge", "host", "none")


class NetworkStore:
    """Load, save, delete and look up network records of one state root."""

    def __init__(self, settings: Settings):
        self.dir: Path = settings.networks_dir

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        self.dir.mkdir(parents=True, exist_ok=True)
        with locked(self.dir / ".lock"):
            yield

    def all(self) -> list[dict]:
        if not self.dir.is_dir():
            return []
        out = []
        for name in sorted(os.listdir(self.dir)):
            if name.endswith(".json") and not name.startswith("."):
                rec = read_json(self.dir / name)
                if rec is not None:
                    out.append(rec)
        return out

    def save(self, rec: dict, durable: bool = True) -> None:
        """Write `rec` atomically; `durable=False` for endpoint changes only.

        Endpoints are runtime state: a power cut can only lose an endpoint
        change that the reboot makes stale anyway (the veths are gone, and
        connect/remove forget endpoints without a veth). The fsync costs
        ~1-4 ms, twice per container start and stop.
        """
        self.dir.mkdir(parents=True, exist_ok=True)
        atomic_write_json(self.dir / f"{rec['Id']}.json", rec, durable=durable)

    def delete(self, rec: dict) -> None:
        try:
            (self.dir / f"{rec['Id']}.json").unlink()
        except FileNotFoundError:
            pass

    def by_name(self, name: str) -> dict | None:
        return next((r for r in self.all() if r["Name"] == name), None)

    def find(self, term: str) -> dict:
        """Docker's lookup order: full ID, then exact name, then unique ID prefix."""
        recs = self.all()
        for r in recs:
            if r["Id"] == term:
                return r
        by_name = [r for r in recs if r["Name"] == term]
        by_prefix = [r for r in recs if term and r["Id"].startswith(term)]
        if len(by_name) == 1:
            return by_name[0]
        if len(by_name) > 1:
            raise InvalidArgument(f"network {term} is ambiguous ({len(by_name)} matches found on name)")
        if len(by_prefix) == 1:
            return by_prefix[0]
        if len(by_prefix) > 1:
            raise InvalidArgument(f"network {term} is ambiguous "
                                  f"({len(by_prefix)} matches found based on ID prefix)")
        raise NotFound(f"network {term} not found")


def lab(rec: dict) -> dict:
    """The private part of a record (bridge, endpoints)."""
    return rec.setdefault("_lab", {"bridge": "", "endpoints": {}})


def is_user_defined(rec: dict) -> bool:
    """User-defined bridge networks get DNS, aliases and static IPs (as in Docker)."""
    return rec["Name"] not in PREDEFINED
