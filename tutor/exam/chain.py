"""An append-only log whose records are chained by SHA-256 and fsync'd one by one.

Each record is one JSON line holding the hash of the previous record
(`prev`) and its own (`hash`, over the canonical JSON of the rest), so
removing, reordering or editing any record breaks the chain from there on.
A record is on disk (fsync) before the exam goes on: a power cut loses at
most the line being written, which `ChainLog.open` drops when it finds it
torn, and a resumed exam appends to the same chain.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any, Iterable

GENESIS = "0" * 64


def canonical(data: Any) -> bytes:
    """The one byte string hashed and signed for a JSON value."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def record_hash(record: dict) -> str:
    return hashlib.sha256(canonical({k: v for k, v in record.items() if k != "hash"})).hexdigest()


def verify_chain(records: Iterable[dict]) -> int | None:
    """The sequence number of the first record that breaks the chain, None if whole."""
    prev = GENESIS
    for expected_seq, record in enumerate(records):
        if (record.get("seq") != expected_seq or record.get("prev") != prev
                or record.get("hash") != record_hash(record)):
            return expected_seq
        prev = record["hash"]
    return None


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class ChainBroken(Exception):
    """The log on disk does not verify: record `seq` was changed or removed."""

    def __init__(self, seq: int):
        super().__init__(seq)
        self.seq = seq


class ChainLog:
    """One exam's log file, opened for appending."""

    def __init__(self, path: Path, records: list[dict], torn: bool = False):
        self.path, self.records, self.torn = path, records, torn

    @classmethod
    def open(cls, path: Path) -> "ChainLog":
        """The log at `path` (created empty); ChainBroken when it was tampered with."""
        path.parent.mkdir(parents=True, exist_ok=True)
        records, torn, good_bytes = [], False, 0
        if path.exists():
            raw = path.read_bytes()
            for line in raw.splitlines(keepends=True):
                try:
                    if not line.endswith(b"\n"):
                        raise ValueError("torn")
                    records.append(json.loads(line))
                except ValueError:
                    torn = True  # the line being written when the power went
                    break
                good_bytes += len(line)
            if torn:
                with open(path, "r+b") as handle:
                    handle.truncate(good_bytes)
                    os.fsync(handle.fileno())
        broken = verify_chain(records)
        if broken is not None:
            raise ChainBroken(broken)
        new = not path.exists()
        path.touch(mode=0o600)
        if new:
            _fsync_dir(path.parent)
        return cls(path, records, torn)

    @property
    def head(self) -> str:
        return self.records[-1]["hash"] if self.records else GENESIS

    def append(self, kind: str, **data: Any) -> dict:
        """Write one record and wait until it is on disk."""
        record = {"seq": len(self.records), "t": round(time.time(), 3), "kind": kind, **data,
                  "prev": self.head}
        record["hash"] = record_hash(record)
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        try:
            os.write(fd, line.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        self.records.append(record)
        return record

    def of_kind(self, kind: str) -> list[dict]:
        return [r for r in self.records if r["kind"] == kind]
