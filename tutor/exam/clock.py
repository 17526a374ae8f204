"""The exam's clock: wall time since the first start, so a killed shell,
a pause or a power cut does not stop it (the teacher may grant time with
a larger `time_factors` entry and a new exam file)."""
from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass(frozen=True)
class ExamClock:
    started: float
    limit_seconds: float

    def remaining(self, now: float | None = None) -> float:
        return max(0.0, self.started + self.limit_seconds - (time.time() if now is None else now))

    def over(self, now: float | None = None) -> bool:
        return self.remaining(now) <= 0


def clock_text(seconds: float) -> str:
    """`12:05` or `1:02:05`: what the toolbar shows."""
    total = int(seconds + 0.999)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"
