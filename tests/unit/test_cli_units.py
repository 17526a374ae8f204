"""cli/units.py against go-units, Go's time package and Docker's own texts.

Expected error texts were produced by the docker 28.2.2 client
(`docker run -m <x> ...`, `--health-interval <x>`, `--cpus <x>`), which
reports them while parsing flags, before talking to a daemon.
"""
from datetime import datetime, timedelta, timezone

import pytest

from dockerlab.cli import units

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("text, expected", [
    ("32m", 32 * 1024**2), ("1.5g", int(1.5 * 1024**3)), ("1 kb", 1024), ("1kib", 1024),
    ("10 ", 10), ("1e3", 1000), ("+5m", 5 * 1024**2), ("5MiB", 5 * 1024**2),
    ("5K", 5 * 1024), ("1b", 1), ("1_0", 10), ("0", 0), ("2P", 2 * 1024**5),
])
def test_ram_in_bytes_values(text, expected):
    assert units.ram_in_bytes(text) == expected


@pytest.mark.parametrize("text, message", [
    ("32x", "invalid suffix: 'x'"),
    ("", "invalid size: ''"),
    ("abc", "invalid size: 'abc'"),
    ("-1", "invalid size: '-1'"),
    ("inf", "invalid size: 'inf'"),
    ("1.2.3", 'strconv.ParseFloat: parsing "1.2.3": invalid syntax'),
    ("0x10", 'strconv.ParseFloat: parsing "0x10": invalid syntax'),
    (" 5", 'strconv.ParseFloat: parsing " 5": invalid syntax'),
    ("1kbb", "invalid suffix: 'kbb'"),
    ("5Mi", "invalid suffix: 'mi'"),
    ("5GBYTES", "invalid suffix: 'GBYTES'"),
])
def test_ram_in_bytes_errors_are_dockers(text, message):
    with pytest.raises(units.UnitError) as err:
        units.ram_in_bytes(text)
    assert str(err.value) == message


def test_from_human_size_is_decimal():
    assert units.from_human_size("32MB") == 32_000_000
    assert units.from_human_size("1k") == 1000


@pytest.mark.parametrize("size, expected", [
    (0, "0B"), (1, "1B"), (999, "999B"), (1000, "1kB"), (999_999, "1e+03kB"),
    (7_800_000, "7.8MB"), (187_000_000, "187MB"), (1_234_567_890, "1.23GB"),
    (5.5e15, "5.5PB"), (1e25, "10YB"),
])
def test_human_size_three_significant_digits(size, expected):
    assert units.human_size(size) == expected


def test_human_size_precision_four_is_go_units_default():
    assert units.human_size(1_234_567_890, 4) == "1.235GB"


@pytest.mark.parametrize("size, expected", [
    (0, "0B"), (1023, "1023B"), (1024, "1KiB"), (1536, "1.5KiB"),
    (7_800_000, "7.439MiB"), (8 * 1024**3, "8GiB"), (1_234_567_890, "1.15GiB"),
])
def test_bytes_size_binary(size, expected):
    assert units.bytes_size(size) == expected


@pytest.mark.parametrize("seconds, expected", [
    (0, "Less than a second"), (0.999, "Less than a second"), (-5, "Less than a second"),
    (1, "1 second"), (1.5, "1 second"), (2, "2 seconds"), (59, "59 seconds"),
    (60, "About a minute"), (119, "About a minute"), (120, "2 minutes"),
    (300, "5 minutes"), (3599, "59 minutes"), (3600, "About an hour"),
    (5399, "About an hour"), (5400, "2 hours"), (47 * 3600, "47 hours"),
    (48 * 3600, "2 days"), (3 * 86400, "3 days"), (13 * 86400, "13 days"),
    (14 * 86400, "2 weeks"), (59 * 86400, "8 weeks"), (60 * 86400, "2 months"),
    (150 * 86400, "5 months"), (729 * 86400, "24 months"), (730 * 86400, "2 years"),
])
def test_human_duration_matches_go_units(seconds, expected):
    assert units.human_duration(seconds) == expected


@pytest.mark.parametrize("text, nanoseconds", [
    ("0", 0), ("-0", 0), ("5s", 5 * 10**9), ("1m30s", 90 * 10**9), ("-1s", -10**9),
    ("+2h", 7200 * 10**9), ("1.5h", 5400 * 10**9), (".5s", 5 * 10**8), ("5.s", 5 * 10**9),
    ("1\u00b5s", 1000), ("1us", 1000), ("3ns", 3), ("1h0m0.5s", 3_600_500_000_000),
])
def test_parse_duration(text, nanoseconds):
    assert units.parse_duration(text) == nanoseconds


@pytest.mark.parametrize("text, message", [
    ("5", 'time: missing unit in duration "5"'),
    ("1h1", 'time: missing unit in duration "1h1"'),
    ("x", 'time: invalid duration "x"'),
    ("", 'time: invalid duration ""'),
    (".s", 'time: invalid duration ".s"'),
    ("s", 'time: invalid duration "s"'),
    ("5x", 'time: unknown unit "x" in duration "5x"'),
    ("9999999999999h", 'time: invalid duration "9999999999999h"'),
])
def test_parse_duration_errors(text, message):
    with pytest.raises(units.UnitError) as err:
        units.parse_duration(text)
    assert str(err.value) == message


@pytest.mark.parametrize("nanoseconds, text", [
    (0, "0s"), (1, "1ns"), (1500, "1.5\u00b5s"), (1_500_000, "1.5ms"), (10**9, "1s"),
    (90 * 10**9, "1m30s"), (3600 * 10**9, "1h0m0s"), (-180 * 10**9, "-3m0s"),
    (3_600_500_000_000, "1h0m0.5s"),
])
def test_format_duration_is_go_string(nanoseconds, text):
    assert units.format_duration(nanoseconds) == text
    assert units.parse_duration(text) == nanoseconds


@pytest.mark.parametrize("text, nano", [
    ("0.5", 500_000_000), ("1/2", 500_000_000), ("1e-9", 1), ("-1", -10**9),
    ("1.", 10**9), (".5", 500_000_000), ("1e3", 10**12), ("+2", 2 * 10**9),
    ("0x1", 10**9), ("010", 10 * 10**9), ("1.5e1", 15 * 10**9),
])
def test_parse_nano_cpus(text, nano):
    assert units.parse_nano_cpus(text) == nano


@pytest.mark.parametrize("text, message", [
    ("abc", "failed to parse abc as a rational number"),
    ("  1", "failed to parse   1 as a rational number"),
    ("1/0", "failed to parse 1/0 as a rational number"),
    ("1/2/3", "failed to parse 1/2/3 as a rational number"),
    ("1e-10", "value is too precise"),
    ("0.0000000001", "value is too precise"),
])
def test_parse_nano_cpus_errors(text, message):
    with pytest.raises(units.UnitError) as err:
        units.parse_nano_cpus(text)
    assert str(err.value) == message


def test_format_nano_cpus():
    assert units.format_nano_cpus(1_500_000_000) == "1.500"
    assert units.format_nano_cpus(0) == ""


@pytest.mark.parametrize("text, value", [
    ("0x1F", 31), ("1_000", 1000), ("0b101", 5), ("010", 8), ("+5", 5), ("-7", -7),
])
def test_parse_go_int_base_zero(text, value):
    assert units.parse_go_int(text) == value


@pytest.mark.parametrize("text", ["08", "_1", "-", "1_", "x", "1.0", ""])
def test_parse_go_int_rejects(text):
    with pytest.raises(units.UnitError) as err:
        units.parse_go_int(text)
    assert str(err.value) == f'strconv.ParseInt: parsing "{text}": invalid syntax'


def test_parse_go_int_range():
    with pytest.raises(units.UnitError, match="value out of range"):
        units.parse_go_int("99999999999999999999")
    with pytest.raises(units.UnitError, match="value out of range"):
        units.parse_go_uint("65536", 16)
    with pytest.raises(units.UnitError, match="invalid syntax"):
        units.parse_go_uint("-1")


@pytest.mark.parametrize("text, value", [
    ("1", True), ("t", True), ("T", True), ("TRUE", True), ("true", True), ("True", True),
    ("0", False), ("f", False), ("F", False), ("FALSE", False), ("false", False),
])
def test_parse_go_bool(text, value):
    assert units.parse_go_bool(text) is value


@pytest.mark.parametrize("text", ["yes", "tRue", "", "2"])
def test_parse_go_bool_rejects(text):
    with pytest.raises(units.UnitError) as err:
        units.parse_go_bool(text)
    assert str(err.value) == f'strconv.ParseBool: parsing "{text}": invalid syntax'


def _iso(delta: timedelta) -> str:
    return (NOW - delta).strftime("%Y-%m-%dT%H:%M:%S.000000000Z")  # Go writes 9 digits


@pytest.mark.parametrize("state, expected", [
    ({"Running": True, "StartedAt": _iso(timedelta(minutes=5))}, "Up 5 minutes"),
    ({"Running": True, "Paused": True, "StartedAt": _iso(timedelta(seconds=2))},
     "Up 2 seconds (Paused)"),
    ({"Running": True, "Restarting": True, "ExitCode": 1,
      "FinishedAt": _iso(timedelta(seconds=3))}, "Restarting (1) 3 seconds ago"),
    ({"Running": True, "StartedAt": _iso(timedelta(hours=3)),
      "Health": {"Status": "healthy"}}, "Up 3 hours (healthy)"),
    ({"Running": True, "StartedAt": _iso(timedelta(seconds=10)),
      "Health": {"Status": "starting"}}, "Up 10 seconds (health: starting)"),
    ({"Running": False, "StartedAt": _iso(timedelta(minutes=1)), "ExitCode": 0,
      "FinishedAt": _iso(timedelta(seconds=8))}, "Exited (0) 8 seconds ago"),
    ({"Running": False, "StartedAt": "0001-01-01T00:00:00Z",
      "FinishedAt": "0001-01-01T00:00:00Z"}, "Created"),
    ({"Running": False, "Dead": True, "StartedAt": _iso(timedelta(1))}, "Dead"),
    ({"Running": False, "RemovalInProgress": True}, "Removal In Progress"),
    ({"Running": False, "StartedAt": _iso(timedelta(1)), "FinishedAt": ""}, ""),
])
def test_container_status_is_the_daemons(state, expected):
    assert units.container_status(state, NOW) == expected


def test_created_ago_accepts_epoch_iso_and_datetime():
    epoch = int((NOW - timedelta(seconds=8)).timestamp())
    assert units.created_ago(epoch, NOW) == "8 seconds ago"
    assert units.created_ago(_iso(timedelta(hours=2)), NOW) == "2 hours ago"
    assert units.created_ago(NOW - timedelta(days=3), NOW) == "3 days ago"


def test_go_time_string_layout(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    import time
    time.tzset()
    try:
        assert units.go_time_string(0) == "1970-01-01 00:00:00 +0000 UTC"
        assert units.go_time_string("2024-05-01T10:00:00.5Z") == \
            "2024-05-01 10:00:00.5 +0000 UTC"
    finally:
        monkeypatch.undo()
        time.tzset()
