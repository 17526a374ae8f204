"""Container records: where they live, how names and id prefixes find them.

A record is `containers/<id>/config.json`, shaped like Docker's `inspect`
output minus `State` (which lives in state.json, written by the shim).
Names are reserved atomically (`names/<name>` created with O_EXCL) so two
CLIs racing for one name get one winner and Docker's conflict message.
"""
from __future__ import annotations

import fcntl
import os
import re
import shutil
from pathlib import Path

from .errors import Conflict, InvalidArgument, NotFound
from .fsutil import atomic_write_json, locked, read_json
from .names import random_name
from .runtime.state import StateFile
from .settings import Settings

NAME_RE = re.compile(r"^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$")


class ContainerStore:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.dir = settings.containers_dir
        self.names = settings.root / "names"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.names.mkdir(parents=True, exist_ok=True)
        self._pending: dict[str, int] = {}   # name -> locked fd, until its record is saved

    # -- names ----------------------------------------------------------------
    def reserve_name(self, name: str | None, cid: str) -> str:
        if name is None:
            for _ in range(50):
                candidate = random_name()
                if self._try_reserve(candidate, cid):
                    return candidate
            raise Conflict("could not find a free container name")
        if not NAME_RE.match(name):
            raise InvalidArgument(f"Invalid container name ({name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed")
        name = name.lstrip("/")
        if not self._try_reserve(name, cid):
            owner = self.owner_of(name) or "unknown"
            raise Conflict(f'Conflict. The container name "/{name}" is already in use by container '
                           f'"{owner}". You have to remove (or rename) that container to be able to '
                           f"reuse that name.")
        return name

    def _try_reserve(self, name: str, cid: str) -> bool:
        """Link a locked file holding `cid` at names/<name>; False if someone owns it.

        The flock stays held until the record is saved (see `save`), so a
        reservation whose record does not exist yet is stale only once the
        process that made it is gone (crash, kill -9), never while it works.
        """
        path = self.names / name
        tmp = self.names / f".{name}.{cid}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, cid.encode())
        try:
            os.link(tmp, path)
        except FileExistsError:
            os.close(fd)
            tmp.unlink(missing_ok=True)
            if not self.remove_if_stale(path):
                return False
            return self._try_reserve(name, cid)
        tmp.unlink(missing_ok=True)
        self._pending[name] = fd
        return True

    def remove_if_stale(self, path: Path) -> bool:
        """Remove a reservation left by a dead process; under a lock so two never race."""
        with locked(self.names / ".lock"):
            try:
                fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            except FileNotFoundError:
                return True
            try:
                owner = os.read(fd, 200).decode().strip()
                if owner and (self.dir / owner / "config.json").exists():
                    return False
                try:
                    fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                except BlockingIOError:
                    return False             # its creator is alive, between reserve and save
                path.unlink(missing_ok=True)
                return True
            finally:
                os.close(fd)

    def _settle(self, name: str) -> None:
        fd = self._pending.pop(name.lstrip("/"), None)
        if fd is not None:
            os.close(fd)

    def owner_of(self, name: str) -> str | None:
        try:
            return (self.names / name.lstrip("/")).read_text().strip() or None
        except FileNotFoundError:
            return None

    def release_name(self, name: str, cid: str) -> None:
        if self.owner_of(name) == cid:
            (self.names / name.lstrip("/")).unlink(missing_ok=True)
        self._settle(name)

    # -- records ----------------------------------------------------------------
    def new_id(self) -> str:
        """64 hex digits from the kernel's CSPRNG (what secrets.token_hex does, without its imports)."""
        return os.urandom(32).hex()

    def path(self, cid: str) -> Path:
        return self.dir / cid

    def save(self, record: dict) -> None:
        """Written durably, except for a --rm container's record: gone at its exit anyway,
        it need not cost a container start an fsync (0.5-4 ms on these disks)."""
        durable = not (record.get("HostConfig") or {}).get("AutoRemove")
        atomic_write_json(self.path(record["Id"]) / "config.json", record, durable=durable,
                          compact=True)
        self._settle(record["Name"])

    def load(self, cid: str) -> dict | None:
        return read_json(self.path(cid) / "config.json")

    def ids(self) -> list[str]:
        return [p.name for p in self.dir.iterdir() if (p / "config.json").exists()]

    def resolve(self, ref: str) -> str:
        """Full id for a name, a full id or a unique id prefix (Docker's rules)."""
        owner = self.owner_of(ref) if NAME_RE.match(ref) else None
        if owner and (self.dir / owner / "config.json").exists():
            return owner
        if (self.dir / ref / "config.json").exists():
            return ref
        matches = [i for i in self.ids() if i.startswith(ref)] if ref else []
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise InvalidArgument(f"multiple IDs found with provided prefix: {ref}")
        raise NotFound(f"No such container: {ref}")

    def state(self, cid: str) -> StateFile:
        return StateFile(self.path(cid))

    def delete(self, cid: str) -> None:
        record = self.load(cid)
        if record:
            self.release_name(record["Name"], cid)
        shutil.rmtree(self.path(cid), ignore_errors=True)
