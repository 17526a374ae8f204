"""Health check configuration (engine/healthcheck.py, cli/runopts.py) and the status rules
of the shim's monitor (engine/runtime/health.py), fed results directly."""
from __future__ import annotations

import time

import pytest

from dockerlab.cli.runopts import health_config
from dockerlab.engine import healthcheck
from dockerlab.engine.errors import InvalidArgument
from dockerlab.engine.runtime.health import HealthMonitor

MS = 1_000_000


def test_run_settings_override_the_images_field_by_field():
    image = {"Test": ["CMD", "check"], "Interval": 5000 * MS, "Retries": 7}
    assert healthcheck.merge(None, image) == image
    assert healthcheck.merge({"Test": None, "Timeout": 2000 * MS}, image) == {
        "Test": ["CMD", "check"], "Timeout": 2000 * MS, "Interval": 5000 * MS, "Retries": 7}
    assert healthcheck.merge({"Test": ["CMD-SHELL", "mine"]}, None) == {"Test": ["CMD-SHELL", "mine"]}
    assert healthcheck.merge(None, None) is None


@pytest.mark.parametrize("hc, message", [
    ({"Interval": 500_000}, "Interval in Healthcheck cannot be less than 1ms"),
    ({"Timeout": -1}, "Timeout in Healthcheck cannot be less than 1ms"),
    ({"Retries": -1, "StartPeriod": 1}, "Retries in Healthcheck cannot be negative"),
    ({"StartInterval": 10}, "StartInterval in Healthcheck cannot be less than 1ms"),
])
def test_the_daemons_validation(hc, message):
    with pytest.raises(InvalidArgument, match=f"^{message}$"):
        healthcheck.validate(hc)


def test_the_plan_fills_dockers_defaults_and_the_shell():
    plan = healthcheck.plan({"Healthcheck": {"Test": ["CMD-SHELL", "curl -f x"]}, "User": "app"})
    assert plan.argv == ["/bin/sh", "-c", "curl -f x"]
    assert (plan.interval, plan.timeout, plan.start_period, plan.start_interval, plan.retries) == (
        30.0, 30.0, 0.0, 5.0, 3)
    assert plan.user == "app"
    plan = healthcheck.plan({"Healthcheck": {"Test": ["CMD", "/bin/check", "-q"], "Interval": 250 * MS},
                             "Shell": ["/bin/bash", "-c"]})
    assert plan.argv == ["/bin/check", "-q"] and plan.interval == 0.25
    assert healthcheck.plan({"Healthcheck": {"Test": ["CMD-SHELL", "x"]}, "Shell": ["ash", "-c"]}).argv == [
        "ash", "-c", "x"]
    assert healthcheck.plan({"Healthcheck": {"Test": ["NONE"]}}) is None
    assert healthcheck.plan({}) is None


def test_cli_flags_become_a_health_config():
    assert health_config({}) is None
    assert health_config({"no-healthcheck": True}) == {"Test": ["NONE"]}
    assert health_config({"health-cmd": "true", "health-interval": 2 * 10**9, "health-retries": 4}) == {
        "Test": ["CMD-SHELL", "true"], "Interval": 2 * 10**9, "Timeout": 0, "StartPeriod": 0,
        "StartInterval": 0, "Retries": 4}
    assert health_config({"health-timeout": 10**9})["Test"] is None      # the image's command stays
    with pytest.raises(ValueError, match="^--no-healthcheck conflicts with --health-\\* options$"):
        health_config({"no-healthcheck": True, "health-retries": 1})
    with pytest.raises(ValueError, match="^--health-retries cannot be negative$"):
        health_config({"health-retries": -2})


class _State:
    def __init__(self):
        self.written: list[dict] = []

    def update(self, **kw):
        self.written.append(kw)


class _Shim:
    """What HealthMonitor._record touches: the state file and the event's settings."""

    def __init__(self, tmp_path):
        from types import SimpleNamespace
        self.state = _State()
        self.req = SimpleNamespace(settings=SimpleNamespace(run_dir=tmp_path, containers_dir=tmp_path))
        self.spec = SimpleNamespace(id="c" * 64)


def monitor(start_period: float = 0.0, retries: int = 2) -> HealthMonitor:
    plan = healthcheck.HealthPlan(argv=["true"], interval=30, timeout=30, start_period=start_period,
                                  start_interval=5, retries=retries)
    m = HealthMonitor(plan)
    m.container_started()
    return m


def test_failures_within_the_start_period_do_not_count_until_a_success(tmp_path):
    shim, m = _Shim(tmp_path), monitor(start_period=60)
    for _ in range(3):
        m._record(shim, "t", time.monotonic(), 1, "no")
    assert (m.health["Status"], m.health["FailingStreak"]) == ("starting", 0)
    assert m.next_at - time.monotonic() == pytest.approx(5, abs=0.5)       # the start interval
    m._record(shim, "t", time.monotonic(), 0, "ok")
    assert m.health["Status"] == "healthy"
    m._record(shim, "t", time.monotonic(), 1, "no")
    assert (m.health["Status"], m.health["FailingStreak"]) == ("healthy", 1)   # healthy: counted
    m._record(shim, "t", time.monotonic(), -1, "timeout")
    assert (m.health["Status"], m.health["FailingStreak"]) == ("unhealthy", 2)
    assert m.next_at - time.monotonic() == pytest.approx(30, abs=0.5)
    assert shim.state.written[-1]["Health"] is m.health
    assert len(m.health["Log"]) == 5 and m.health["Log"][-1]["Output"] == "timeout"


def test_a_restart_starts_over_but_keeps_the_log(tmp_path):
    shim, m = _Shim(tmp_path), monitor(retries=1)
    m._record(shim, "t", time.monotonic(), 1, "no")
    assert m.health["Status"] == "unhealthy"
    assert m.container_started() == {"Status": "starting", "FailingStreak": 0, "Log": m.health["Log"]}
    assert len(m.health["Log"]) == 1
