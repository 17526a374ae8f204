"""The container's log file: Docker's json-file format, one JSON object a line."""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator


def now_rfc3339() -> str:
    """Docker's timestamps: RFC 3339 with nanoseconds, in UTC."""
    t = datetime.now(timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond:06d}000Z"


class LogWriter:
    """Appends output to json.log, one record per line of output."""

    def __init__(self, path: Path):
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o640)
        self.partial: dict[str, bytes] = {}

    def write(self, stream: str, data: bytes) -> None:
        """Record whole lines; keep a partial line until its end arrives (or 16 KiB)."""
        *lines, tail = (self.partial.pop(stream, b"") + data).split(b"\n")
        chunks = [line + b"\n" for line in lines]
        if len(tail) >= 16384:
            chunks.append(tail)
        elif tail:
            self.partial[stream] = tail
        self._append(stream, chunks)

    def _append(self, stream: str, chunks: list[bytes]) -> None:
        if not chunks:
            return
        t = now_rfc3339()
        records = [json.dumps({"log": c.decode("utf-8", "replace"), "stream": stream, "time": t})
                   for c in chunks]
        os.write(self.fd, ("\n".join(records) + "\n").encode())

    def flush(self) -> None:
        for stream in list(self.partial):
            self._append(stream, [self.partial.pop(stream)])

    def close(self) -> None:
        self.flush()
        os.close(self.fd)


def read_records(path: Path, offset: int = 0) -> Iterator[tuple[dict, int]]:
    """Yield (record, offset after it) from `offset`; stops at the last whole line."""
    try:
        f = open(path, "rb")
    except FileNotFoundError:
        return
    with f:
        f.seek(offset)
        for line in f:
            if not line.endswith(b"\n"):
                break
            offset += len(line)
            try:
                yield json.loads(line), offset
            except ValueError:
                continue
