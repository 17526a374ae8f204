"""Go's time.Duration.String(), which Docker prints durations with (health check
timeouts, `--help` defaults, build history)."""
from __future__ import annotations


def _fraction_text(value: int, digits: int) -> tuple[str, int]:
    """Go's fmtFrac: `digits` decimals of value, trailing zeros dropped."""
    text, printed = "", False
    for _ in range(digits):
        digit = value % 10
        printed = printed or digit != 0
        if printed:
            text = str(digit) + text
        value //= 10
    return ("." + text if printed else ""), value


def format_duration(nanoseconds: int) -> str:
    """time.Duration.String(): 90s -> "1m30s", 1.5ms -> "1.5ms", 0 -> "0s"."""
    sign = "-" if nanoseconds < 0 else ""
    value = abs(nanoseconds)
    if value < 10**9:
        if value == 0:
            return "0s"
        for unit, digits in (("ns", 0), ("\u00b5s", 3), ("ms", 6)):
            if value < 10 ** (digits + 3):
                frac, whole = _fraction_text(value, digits)
                return f"{sign}{whole}{frac}{unit}"
    frac, seconds = _fraction_text(value, 9)
    text = f"{seconds % 60}{frac}s"
    minutes = seconds // 60
    if minutes:
        text = f"{minutes % 60}m" + text
        hours = minutes // 60
        if hours:
            text = f"{hours}h" + text
    return sign + text
