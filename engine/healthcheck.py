"""A container's health check as configured: image HEALTHCHECK, `run --health-*`.

The probes themselves run in the container's shim (runtime/health.py). Here:
the merge of the create body with the image's config, field by field as
dockerd's commit.go merge does; the daemon's validation (same wording); and
the plan the shim receives, with Docker's defaults filled in.
"""
from __future__ import annotations

from .errors import InvalidArgument

DURATIONS = ("Interval", "Timeout", "StartPeriod", "StartInterval")
MINIMUM_NS = 1_000_000                 # containertypes.MinimumDuration: 1ms
DEFAULT_SECONDS = {"Interval": 30.0, "Timeout": 30.0, "StartPeriod": 0.0, "StartInterval": 5.0}
DEFAULT_RETRIES = 3
DEFAULT_SHELL = ["/bin/sh", "-c"]


def merge(user: dict | None, image: dict | None) -> dict | None:
    """The container's Healthcheck: the run's own settings, the image's for any left unset."""
    if user is None:
        return dict(image) if image else None
    merged = {k: v for k, v in user.items() if v not in (None, 0, [])}
    for key, value in (image or {}).items():
        if key not in merged and value not in (None, 0, []):
            merged[key] = value
    return merged


def validate(hc: dict | None) -> None:
    """dockerd's validateHealthCheck: durations of at least 1ms, no negative retries."""
    if not hc:
        return
    for key in ("Interval", "Timeout", "Retries", "StartPeriod", "StartInterval"):   # dockerd's order
        value = int(hc.get(key) or 0)
        if key == "Retries":
            if value < 0:
                raise InvalidArgument("Retries in Healthcheck cannot be negative")
        elif value != 0 and value < MINIMUM_NS:
            raise InvalidArgument(f"{key} in Healthcheck cannot be less than 1ms")


class HealthPlan:
    """What the shim needs to run the probes; times in seconds. (A plain class: a dataclass
    costs 0.6 ms to define, on the path of every `docker run`.)"""

    __slots__ = ("argv", "interval", "timeout", "start_period", "start_interval", "retries",
                 "user", "workdir")

    def __init__(self, argv: list[str], interval: float, timeout: float, start_period: float,
                 start_interval: float, retries: int, user: str = "", workdir: str = ""):
        self.argv, self.interval, self.timeout = argv, interval, timeout
        self.start_period, self.start_interval, self.retries = start_period, start_interval, retries
        self.user, self.workdir = user, workdir

    def __getstate__(self) -> dict:
        return {name: getattr(self, name) for name in self.__slots__}

    def __setstate__(self, state: dict) -> None:
        for name, value in state.items():
            setattr(self, name, value)


def plan(config: dict) -> HealthPlan | None:
    """The probe plan of a container Config; None when it has no check (or NONE)."""
    hc = config.get("Healthcheck") or {}
    test = list(hc.get("Test") or [])
    if not test or test[0] not in ("CMD", "CMD-SHELL") or len(test) < 2:
        return None                    # NONE, or a type dockerd ignores with a warning
    argv = test[1:] if test[0] == "CMD" else list(config.get("Shell") or DEFAULT_SHELL) + test[1:]
    seconds = {key: (int(hc.get(key) or 0) / 1e9) or DEFAULT_SECONDS[key] for key in DURATIONS}
    retries = int(hc.get("Retries") or 0)
    return HealthPlan(argv=argv, interval=seconds["Interval"], timeout=seconds["Timeout"],
                      start_period=seconds["StartPeriod"], start_interval=seconds["StartInterval"],
                      retries=retries if retries > 0 else DEFAULT_RETRIES,
                      user=config.get("User") or "", workdir=config.get("WorkingDir") or "")
