"""Docker's units: sizes, durations, CPU counts, and the `ps` time columns.

The docker client formats and parses these with github.com/docker/go-units
(v0.5.0 in docker 28), Go's `time.ParseDuration` / `Duration.String`, and
`opts.ParseCPUs`. A student compares what dockerlab prints with what the
course shows, so every function here reproduces the Go behaviour exactly,
error texts included (they reach the user inside the flag errors of
`docker run -m 32x` and friends).
"""
from __future__ import annotations

import math
import re
from datetime import datetime, timezone
from typing import Any, Mapping

from dockerlab.engine.goduration import format_duration  # noqa: F401 - re-exported

__all__ = [
    "UnitError", "ram_in_bytes", "from_human_size", "human_size", "bytes_size",
    "human_duration", "parse_duration", "format_duration", "parse_nano_cpus",
    "format_nano_cpus", "parse_go_float", "parse_go_int", "parse_go_uint",
    "parse_go_bool", "container_status", "created_ago", "go_time_string",
    "parse_timestamp", "timestamp_ns",
]


class UnitError(ValueError):
    """A value could not be parsed; `str()` is Go's error text."""


_DECIMAL_MAP = {"k": 1000, "m": 1000**2, "g": 1000**3, "t": 1000**4, "p": 1000**5}
_BINARY_MAP = {"k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4, "p": 1024**5}
_DECIMAL_ABBRS = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"]
_BINARY_ABBRS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"]

# strconv.ParseFloat accepts decimal floats, hex floats, inf/infinity and nan.
_DIGITS = r"\d+(?:_\d+)*"
_GO_FLOAT = re.compile(
    rf"[+-]?({_DIGITS}\.?(?:{_DIGITS})?|\.{_DIGITS})([eE][+-]?{_DIGITS})?\Z")
_GO_HEX_FLOAT = re.compile(r"[+-]?0[xX][0-9a-fA-F_]*\.?[0-9a-fA-F_]*[pP][+-]?\d+\Z")
_GO_SPECIAL = {"inf": math.inf, "+inf": math.inf, "-inf": -math.inf,
               "infinity": math.inf, "+infinity": math.inf,
               "-infinity": -math.inf, "nan": math.nan, "+nan": math.nan,
               "-nan": math.nan}


def parse_go_float(text: str) -> float:
    """strconv.ParseFloat(text, 64), with its error text.

    Python's float() is more lenient (spaces, underscores anywhere), so the
    accepted syntax is checked first.
    """
    special = _GO_SPECIAL.get(text.lower())
    if special is not None:
        return special
    digits = text.lstrip("+-")
    if _GO_HEX_FLOAT.match(text):
        try:
            sign = -1.0 if text.startswith("-") else 1.0
            return sign * float.fromhex(digits.replace("_", ""))
        except ValueError:
            pass
    elif _GO_FLOAT.match(text):
        value = float(text.replace("_", ""))
        if math.isinf(value):
            raise UnitError(f'strconv.ParseFloat: parsing "{text}": value out of range')
        return value
    raise UnitError(f'strconv.ParseFloat: parsing "{text}": invalid syntax')


def _go_int_literal(text: str) -> int | None:
    """Value of a Go integer literal with base prefix (base 0), or None."""
    body = text[1:] if text[:1] in "+-" else text
    sign = -1 if text.startswith("-") else 1
    if not body:
        return None
    base, digits = 10, body
    lowered = body.lower()
    if lowered.startswith(("0x", "0b", "0o")):
        base = {"x": 16, "b": 2, "o": 8}[lowered[1]]
        digits = body[2:]
    elif len(body) > 1 and body[0] == "0":
        base, digits = 8, body[1:]
    if base != 10 or "_" in digits:
        # underscores are allowed only between digits, and only with base 0
        if digits.startswith("_") or digits.endswith("_") or "__" in digits:
            return None
    if not digits or not all(c == "_" or c.isalnum() for c in digits):
        return None
    try:
        return sign * int(digits.replace("_", ""), base)
    except ValueError:
        return None


def parse_go_int(text: str, bits: int = 64) -> int:
    """strconv.ParseInt(text, 0, bits), as pflag's int flags use it."""
    value = _go_int_literal(text)
    if value is None:
        raise UnitError(f'strconv.ParseInt: parsing "{text}": invalid syntax')
    if not -(1 << (bits - 1)) <= value < (1 << (bits - 1)):
        raise UnitError(f'strconv.ParseInt: parsing "{text}": value out of range')
    return value


def parse_go_uint(text: str, bits: int = 64) -> int:
    """strconv.ParseUint(text, 0, bits), as pflag's uint flags use it."""
    value = None if text[:1] in "+-" else _go_int_literal(text)
    if value is None:
        raise UnitError(f'strconv.ParseUint: parsing "{text}": invalid syntax')
    if value >= (1 << bits):
        raise UnitError(f'strconv.ParseUint: parsing "{text}": value out of range')
    return value


_TRUE = {"1", "t", "T", "TRUE", "true", "True"}
_FALSE = {"0", "f", "F", "FALSE", "false", "False"}


def parse_go_bool(text: str) -> bool:
    """strconv.ParseBool, the parser of every boolean flag (`--rm=false`)."""
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise UnitError(f'strconv.ParseBool: parsing "{text}": invalid syntax')


def _parse_size(text: str, unit_map: Mapping[str, int]) -> int:
    """go-units parseSize: a number, optional space, optional unit suffix."""
    sep = max(text.rfind(c) for c in "0123456789. ")
    if sep == -1:
        raise UnitError(f"invalid size: '{text}'")
    if text[sep] != " ":
        num, suffix = text[: sep + 1], text[sep + 1:]
    else:
        num, suffix = text[:sep], text[sep + 1:]
    size = parse_go_float(num)
    if size < 0:
        raise UnitError(f"invalid size: '{text}'")
    if not suffix:
        return _go_int64(size)
    lowered = suffix.lower()
    if len(suffix) > 3:
        raise UnitError(f"invalid suffix: '{suffix}'")
    if lowered[0] == "b":
        if len(lowered) > 1:
            raise UnitError(f"invalid suffix: '{lowered}'")
        return _go_int64(size)
    multiplier = unit_map.get(lowered[0])
    if multiplier is None or (len(lowered) == 2 and lowered[1] != "b") or (
            len(lowered) == 3 and lowered[1:] != "ib"):
        raise UnitError(f"invalid suffix: '{lowered}'")
    return _go_int64(size * multiplier)


def _go_int64(value: float) -> int:
    """Go's int64(float64) on amd64: out-of-range values become MinInt64."""
    if math.isfinite(value) and abs(value) < 2.0**63:
        return int(value)
    return -(1 << 63)


def ram_in_bytes(text: str) -> int:
    """units.RAMInBytes: "32m" -> 33554432 (binary multiples; `-m`, `--shm-size`)."""
    return _parse_size(text, _BINARY_MAP)


def from_human_size(text: str) -> int:
    """units.FromHumanSize: "32MB" -> 32000000 (decimal multiples)."""
    return _parse_size(text, _DECIMAL_MAP)


def _scaled(size: float, base: float, abbrs: list[str]) -> tuple[float, str]:
    index = 0
    while size >= base and index < len(abbrs) - 1:
        size /= base
        index += 1
    return size, abbrs[index]


def _go_g(value: float, precision: int) -> str:
    """Go's %.<p>g, which matches C's for finite values."""
    return "%.*g" % (precision, value)


def human_size(size: float, precision: int = 3) -> str:
    """units.HumanSizeWithPrecision: decimal units ("7.8MB", "187MB", "0B").

    `docker images`, `ps -s` and `system df` use precision 3; go-units'
    own HumanSize uses 4.
    """
    value, unit = _scaled(float(size), 1000.0, _DECIMAL_ABBRS)
    return _go_g(value, precision) + unit


def bytes_size(size: float) -> str:
    """units.BytesSize: binary units ("1.5MiB"), as `docker stats` prints."""
    value, unit = _scaled(float(size), 1024.0, _BINARY_ABBRS)
    return _go_g(value, 4) + unit


def human_duration(seconds: float) -> str:
    """units.HumanDuration: "About a minute", "5 minutes", "2 weeks"...

    `seconds` may be fractional (a Go Duration is in nanoseconds; the
    thresholds below truncate exactly as Go's int conversions do).
    """
    secs = int(seconds)
    if secs < 1:
        return "Less than a second"
    if secs == 1:
        return "1 second"
    if secs < 60:
        return f"{secs} seconds"
    minutes = int(seconds / 60)
    if minutes == 1:
        return "About a minute"
    if minutes < 60:
        return f"{minutes} minutes"
    hours = int(seconds / 3600 + 0.5)
    if hours == 1:
        return "About an hour"
    if hours < 48:
        return f"{hours} hours"
    if hours < 24 * 7 * 2:
        return f"{hours // 24} days"
    if hours < 24 * 30 * 2:
        return f"{hours // 24 // 7} weeks"
    if hours < 24 * 365 * 2:
        return f"{hours // 24 // 30} months"
    return f"{int(seconds / 3600) // 24 // 365} years"


# -- Go durations -------------------------------------------------------------

_NS = 1
_DURATION_UNITS = {
    "ns": _NS, "us": 1000, "\u00b5s": 1000, "\u03bcs": 1000, "ms": 10**6,
    "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9,
}
_MAX_DURATION = (1 << 63) - 1


def _go_quote(text: str) -> str:
    """Go's time package quote(): double quotes, escapes for \\ and \"."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _leading_digits(text: str) -> tuple[str, str]:
    index = 0
    while index < len(text) and text[index].isdigit() and text[index].isascii():
        index += 1
    return text[:index], text[index:]


def _duration_part(rest: str, orig: str) -> tuple[int, str]:
    """One `[0-9]*(.[0-9]*)?unit` element of a Go duration, in nanoseconds."""
    invalid = UnitError("time: invalid duration " + _go_quote(orig))
    if not (rest[0] == "." or (rest[0].isascii() and rest[0].isdigit())):
        raise invalid
    whole, rest = _leading_digits(rest)
    fraction = ""
    if rest.startswith("."):
        fraction, rest = _leading_digits(rest[1:])
        if not whole and not fraction:
            raise invalid
    elif not whole:
        raise invalid
    index = 0
    while index < len(rest) and not (rest[index] == "." or (
            rest[index].isascii() and rest[index].isdigit())):
        index += 1
    if index == 0:
        raise UnitError("time: missing unit in duration " + _go_quote(orig))
    unit_name, rest = rest[:index], rest[index:]
    unit = _DURATION_UNITS.get(unit_name)
    if unit is None:
        raise UnitError(f"time: unknown unit {_go_quote(unit_name)} in duration "
                        + _go_quote(orig))
    if int(whole or "0") > (1 << 63) // unit:
        raise invalid
    value = int(whole or "0") * unit
    if fraction:
        value += int(int(fraction) * (unit / 10 ** len(fraction)))
    if value > 1 << 63:
        raise invalid
    return value, rest


def parse_duration(text: str) -> int:
    """time.ParseDuration: "1m30s" -> 90_000_000_000 (nanoseconds)."""
    rest, negative = text, False
    if rest[:1] in ("-", "+"):
        negative, rest = rest[0] == "-", rest[1:]
    if rest == "0":
        return 0
    if not rest:
        raise UnitError("time: invalid duration " + _go_quote(text))
    total = 0
    while rest:
        value, rest = _duration_part(rest, text)
        total += value
        if total > 1 << 63:
            raise UnitError("time: invalid duration " + _go_quote(text))
    if negative:
        return -total
    if total > _MAX_DURATION:
        raise UnitError("time: invalid duration " + _go_quote(text))
    return total




# -- CPUs -----------------------------------------------------------------------

_RATIONAL = re.compile(r"[+-]?(\d+(/\d+)?|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)\Z")


def parse_nano_cpus(text: str) -> int:
    """opts.ParseCPUs: "0.5" -> 500000000, with Docker's error texts."""
    from fractions import Fraction   # with decimal: ~1.5 ms, for --cpus alone
    try:
        # big.Rat takes 0x/0o/0b prefixes, but reads "010" as ten.
        prefixed = re.match(r"[+-]?0[xXoObB]", text)
        literal = _go_int_literal(text) if prefixed else None
        if literal is not None:
            nano = Fraction(literal) * 10**9
        elif _RATIONAL.match(text):
            nano = Fraction(text) * 10**9
        else:
            raise ValueError(text)
    except (ValueError, ZeroDivisionError):
        raise UnitError(f"failed to parse {text} as a rational number") from None
    if nano.denominator != 1:
        raise UnitError("value is too precise")
    return int(nano)


def format_nano_cpus(nano: int) -> str:
    """NanoCPUs.String(): 1500000000 -> "1.500" ("" for 0)."""
    if nano == 0:
        return ""
    from fractions import Fraction
    scaled = round(Fraction(nano, 10**9) * 1000)
    sign = "-" if scaled < 0 else ""
    return f"{sign}{abs(scaled) // 1000}.{abs(scaled) % 1000:03d}"


# -- times shown by `docker ps` ----------------------------------------------

_GO_ZERO_TIME = "0001-01-01T00:00:00Z"


def parse_timestamp(value: datetime | str | float | int | None) -> datetime | None:
    """An RFC 3339 string (Docker's JSON), a datetime or epoch seconds.

    Go's zero time ("0001-01-01T00:00:00Z") and None mean "never".
    """
    if value is None or value == "" or value == _GO_ZERO_TIME:
        return None
    if isinstance(value, datetime):
        stamp = value
    elif isinstance(value, (int, float)):
        stamp = datetime.fromtimestamp(value, timezone.utc)
    else:
        text = value.replace("Z", "+00:00")
        match = re.match(r"(.*T\d\d:\d\d:\d\d)(\.\d+)?(.*)\Z", text)
        if match and match.group(2):
            # Python accepts at most 6 fractional digits; Go writes 9.
            text = match.group(1) + match.group(2)[:7] + match.group(3)
        stamp = datetime.fromisoformat(text)
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=timezone.utc)
    if stamp.year <= 1:
        return None
    return stamp


def _since(stamp: datetime | None, now: datetime | None) -> float:
    now = now or datetime.now(timezone.utc)
    if stamp is None:
        # time.Since(zero time) overflows Go's Duration and saturates.
        return float(_MAX_DURATION) / 1e9
    return (now - stamp).total_seconds()


def container_status(state: Mapping[str, Any], now: datetime | None = None) -> str:
    """The daemon's State.String(): "Up 5 minutes", "Exited (0) 8 seconds ago".

    `state` is the `State` object of `docker inspect` (Running, Paused,
    Restarting, Dead, RemovalInProgress?, StartedAt, FinishedAt, ExitCode,
    Health); `docker ps` shows this text in its STATUS column.
    """
    started = parse_timestamp(state.get("StartedAt"))
    finished = parse_timestamp(state.get("FinishedAt"))
    code = state.get("ExitCode", 0)
    if state.get("Running"):
        up = human_duration(_since(started, now))
        if state.get("Paused"):
            return f"Up {up} (Paused)"
        if state.get("Restarting"):
            return f"Restarting ({code}) {human_duration(_since(finished, now))} ago"
        health = state.get("Health")
        if isinstance(health, Mapping) and health.get("Status"):
            status = str(health["Status"])
            return f"Up {up} (health: starting)" if status == "starting" else f"Up {up} ({status})"
        return f"Up {up}"
    if state.get("RemovalInProgress"):
        return "Removal In Progress"
    if state.get("Dead"):
        return "Dead"
    if started is None:
        return "Created"
    if finished is None:
        return ""
    return f"Exited ({code}) {human_duration(_since(finished, now))} ago"


def created_ago(created: datetime | str | float | int, now: datetime | None = None) -> str:
    """The CREATED column of `ps` and `images`: "8 seconds ago"."""
    return human_duration(_since(parse_timestamp(created), now)) + " ago"


def go_time_string(stamp: datetime | str | float | int) -> str:
    """Go's time.Time.String() in local time: `2024-05-01 10:00:00 +0200 CEST`.

    `docker ps --format '{{.CreatedAt}}'` prints this form.
    """
    moment = parse_timestamp(stamp)
    if moment is None:
        return "0001-01-01 00:00:00 +0000 UTC"
    local = moment.astimezone()
    text = local.strftime("%Y-%m-%d %H:%M:%S")
    if local.microsecond:
        text += ("." + f"{local.microsecond:06d}").rstrip("0")
    return f"{text} {local.strftime('%z')} {local.tzname()}"


def timestamp_ns(text: str | None, now: float) -> int | None:
    """docker/cli's timetypes.GetTimestamp: `10m` (ago), epoch seconds, or an RFC 3339 date."""
    if not text:
        return None
    try:
        if text != "0":
            return int((now - parse_duration(text) / 1e9) * 1e9)
    except UnitError:
        pass
    try:
        return int(float(text) * 1e9)
    except ValueError:
        pass
    try:
        stamp = parse_timestamp(text)
    except ValueError:
        raise UnitError(f'failed to parse value as time or duration: "{text}"') from None
    return int(stamp.timestamp() * 1e9) if stamp else 0
