"""JSON-lines progress answers (pull, push, load, build), with dockerd's error rule.

The answer's headers go out with the first progress line: an error before
it is an HTTP error (`docker pull nosuch` gets a 404), an error after it is
an `errorDetail` line in the stream, as dockerd's streamformatter writes it.
"""
from __future__ import annotations

from typing import Callable

from ..errors import EngineError


class Progress:
    def __init__(self, req, quiet: bool = False):
        self.req, self.quiet = req, quiet
        self.writer = None

    @property
    def started(self) -> bool:
        return self.writer is not None

    def begin(self) -> None:
        """Send the headers now (the answer is a stream whatever happens)."""
        if self.writer is None:
            self.writer = self.req.stream(200, "application/json")

    def _json(self, obj: dict) -> None:
        if self.writer is None:
            self.writer = self.req.stream(200, "application/json")
        self.writer.json(obj)

    def status(self, text: str, id_: str | None = None) -> None:
        self._json({"status": text, **({"id": id_} if id_ else {})})

    def stream(self, text: str) -> None:
        self._json({"stream": text})

    def aux(self, obj: dict) -> None:
        self._json({"aux": obj})

    def error(self, message: str, code: int | None = None) -> None:
        detail = {"message": message, **({"code": code} if code is not None else {})}
        self._json({"errorDetail": detail, "error": message})

    def close(self) -> None:
        if self.writer is None:
            self.writer = self.req.stream(200, "application/json")
        self.writer.close()


def run_streamed(req, work: Callable[[Progress], object], quiet: bool = False) -> None:
    progress = Progress(req, quiet)
    try:
        work(progress)
    except EngineError as e:
        if not progress.started:
            raise
        progress.error(str(e))
    except Exception as e:  # noqa: BLE001 - shown to the client, as dockerd does
        if not progress.started:
            raise
        progress.error(str(e) or type(e).__name__)
    progress.close()
