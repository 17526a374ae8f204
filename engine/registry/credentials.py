"""The credentials file `docker login` writes: `config.json` with an `auths` table.

Same format as Docker's (`{"auths": {"localhost:5000": {"auth": base64(user:pw)}}}`),
so the real docker client can read it. Where it lives: the `--config` dir when
given, else `$DOCKER_CONFIG`, else `<state root>/docker-config` (dockerlab
never touches the student's own ~/.docker unless asked to).
"""
from __future__ import annotations

import os
from pathlib import Path

from ..fsutil import atomic_write_bytes, locked, read_json
from ..settings import Settings
from .auth import decode_auth, encode_auth

DOCKER_HUB_KEY = "https://index.docker.io/v1/"


def config_dir(settings: Settings, explicit: str | None = None) -> Path:
    if explicit:
        return Path(explicit)
    if os.environ.get("DOCKER_CONFIG"):
        return Path(os.environ["DOCKER_CONFIG"])
    return Path(settings.root) / "docker-config"


def server_key(host: str) -> str:
    """The key config.json files a registry under (Docker Hub has its legacy URL)."""
    return DOCKER_HUB_KEY if host in ("docker.io", "index.docker.io", "registry-1.docker.io") else host


class Credentials:
    """Read and change one config.json."""

    def __init__(self, directory: Path):
        self.dir = Path(directory)
        self.path = self.dir / "config.json"

    def _read(self) -> dict:
        return read_json(self.path, {}) or {}

    def _write(self, doc: dict) -> None:
        import json
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        atomic_write_bytes(self.path, json.dumps(doc, indent="\t").encode() + b"\n", mode=0o600)

    def get(self, host: str) -> tuple[str, str] | None:
        entry = (self._read().get("auths") or {}).get(server_key(host)) or {}
        if entry.get("auth"):
            return decode_auth(entry["auth"])
        if entry.get("username"):
            return entry["username"], entry.get("password", "")
        return None

    def store(self, host: str, username: str, password: str) -> None:
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        with locked(self.dir / ".config.lock"):
            doc = self._read()
            doc.setdefault("auths", {})[server_key(host)] = {"auth": encode_auth(username, password)}
            self._write(doc)

    def remove(self, host: str) -> bool:
        """Forget a registry's credentials; False when there were none."""
        if not self.path.exists():
            return False
        with locked(self.dir / ".config.lock"):
            doc = self._read()
            auths = doc.get("auths") or {}
            if server_key(host) not in auths:
                return False
            del auths[server_key(host)]
            self._write(doc)
        return True
