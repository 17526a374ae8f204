"""Named and anonymous volumes: a directory under the state root, with Docker's metadata."""
from __future__ import annotations

import os
import re
import shutil
from datetime import datetime, timezone

from .errors import Conflict, InvalidArgument, NotFound
from .fsutil import atomic_write_json, locked, read_json
from .settings import Settings

VOLUME_NAME_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]+$")


class VolumeStore:
    def __init__(self, settings: Settings):
        self.dir = settings.volumes_dir
        self.dir.mkdir(parents=True, exist_ok=True)

    def _meta(self, name: str) -> dict | None:
        return read_json(self.dir / name / "meta.json")

    def create(self, name: str | None = None, labels: dict | None = None,
               driver: str = "local", anonymous: bool = False) -> dict:
        if driver != "local":
            raise NotFound(f"plugin \"{driver}\" not found")
        name = name or os.urandom(32).hex()   # secrets.token_hex(32), without its imports
        if not VOLUME_NAME_RE.match(name):
            raise InvalidArgument(f'create {name}: "{name}" includes invalid characters for a local '
                                  'volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you '
                                  'intended to pass a host directory, use absolute path')
        with locked(self.dir / ".lock"):
            existing = self._meta(name)
            if existing:
                return self._inspect(name, existing)
            (self.dir / name / "_data").mkdir(parents=True, exist_ok=True)
            meta = {"Name": name, "Driver": "local", "Labels": labels or {},
                    "CreatedAt": datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds"),
                    "Options": {}, "Scope": "local", "Anonymous": anonymous}
            if anonymous:
                meta["Labels"] = {"com.docker.volume.anonymous": "", **meta["Labels"]}
            atomic_write_json(self.dir / name / "meta.json", meta)
            return self._inspect(name, meta)

    def _inspect(self, name: str, meta: dict) -> dict:
        return {"CreatedAt": meta["CreatedAt"], "Driver": meta["Driver"], "Labels": meta["Labels"] or None,
                "Mountpoint": str(self.dir / name / "_data"), "Name": name,
                "Options": meta.get("Options") or None, "Scope": "local"}

    def get(self, name: str) -> dict:
        meta = self._meta(name)
        if meta is None:
            raise NotFound(f"get {name}: no such volume")
        return self._inspect(name, meta)

    def exists(self, name: str) -> bool:
        return self._meta(name) is not None

    def list(self) -> list[dict]:
        out = []
        for p in sorted(self.dir.iterdir()):
            meta = self._meta(p.name) if p.is_dir() else None
            if meta:
                out.append(self._inspect(p.name, meta))
        return out

    def remove(self, name: str, users: list[str] = (), force: bool = False) -> None:
        if self._meta(name) is None:
            if force:
                return
            raise NotFound(f"get {name}: no such volume")
        if users:
            raise Conflict(f"remove {name}: volume is in use - [{', '.join(users)}]")
        shutil.rmtree(self.dir / name, ignore_errors=True)

    def is_anonymous(self, name: str) -> bool:
        return bool((self._meta(name) or {}).get("Anonymous"))
