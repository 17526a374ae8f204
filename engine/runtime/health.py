"""Health probes, run by the container's shim: dockerd's health.go in a select loop.

The shim lives as long as the container and already waits in select(), so it
runs the probes itself: no thread, no extra process between probes. A probe
is an exec into the container (execproc.spawn_in) whose output comes back on
a pipe the shim's selector watches and whose exit the shim reaps with its
other children. The rules are Docker's: the first probe comes one interval
after the start, the next one interval after a probe ends; exit 0 is healthy,
anything else a failure; `retries` failures in a row make the container
unhealthy, except while it is still starting within its start period; a
probe that outlives its timeout is killed and counts as a failure (-1); the
last five results are kept; each change of status is an event.
"""
from __future__ import annotations

import os
import signal
import time

from ..healthcheck import HealthPlan

MAX_OUTPUT = 4096       # dockerd's maxOutputLen
MAX_LOG = 5             # maxLogEntries


class Probe:
    """One running probe: its process, its output pipe and what came back so far."""

    def __init__(self, pid: int, fd: int, started: float, began: str):
        self.pid, self.fd, self.started, self.began = pid, fd, started, began
        self.output = bytearray()
        self.truncated = False
        self.status: int | None = None
        self.timed_out = False


class HealthMonitor:
    """State.Health of one container, and the schedule of its probes."""

    def __init__(self, plan: HealthPlan):
        self.plan = plan
        self.health: dict = {"Status": "starting", "FailingStreak": 0, "Log": []}
        self.probe: Probe | None = None
        self.next_at: float | None = None
        self.started_at = 0.0

    def __getstate__(self) -> dict:
        """A slimming shim carries the schedule and the results, never a running probe."""
        assert self.probe is None, "a shim with a running probe does not slim"
        return dict(self.__dict__)

    # -- schedule --------------------------------------------------------------
    def container_started(self) -> dict:
        """Docker's initHealthMonitor: starting again, streak 0, the log kept."""
        self.health = {**self.health, "Status": "starting", "FailingStreak": 0}
        self.started_at = time.monotonic()
        self.next_at = self.started_at + self._interval()
        return self.health

    def _interval(self) -> float:
        """The start interval while starting within the start period, else the interval."""
        in_start_period = time.monotonic() - self.started_at < self.plan.start_period
        if in_start_period and self.health["Status"] == "starting":
            return self.plan.start_interval
        return self.plan.interval

    def seconds_to_next(self) -> float:
        """How long the shim's select may sleep before something is due here."""
        due = self.probe.started + self.plan.timeout if self.probe else self.next_at
        return 3600.0 if due is None else max(0.0, due - time.monotonic())

    def tick(self, shim) -> None:
        """Start a probe that is due; kill one that has run past its timeout."""
        now = time.monotonic()
        if self.probe is not None:
            if not self.probe.timed_out and now >= self.probe.started + self.plan.timeout:
                self.probe.timed_out = True
                _kill(self.probe.pid)
        elif self.next_at is not None and now >= self.next_at:
            if shim.state.read().get("Paused"):
                self.next_at = now + self._interval()   # dockerd runs no probe while paused
            else:
                self._start(shim)

    # -- one probe ---------------------------------------------------------------
    def _start(self, shim) -> None:
        from . import execproc
        from .logs import now_rfc3339
        from .process import ExecError
        from ..security import seccomp_bpf      # a slimmed shim starts without it (shim_main sets it)
        seccomp_bpf.cache_dir = shim.req.settings.root / "cache" / "seccomp"
        began, started = now_rfc3339(), time.monotonic()
        r, w = os.pipe2(os.O_CLOEXEC)
        null = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
        try:
            pid = execproc.spawn_in(shim.spec, shim.pid, shim.cgroup, list(self.plan.argv),
                                    user=self.plan.user or None, workdir=self.plan.workdir or None,
                                    stdio=(null, w, w), die_with_parent=True)
        except ExecError as e:
            os.close(r)
            self._record(shim, began, started, -1, str(e))
            return
        finally:
            os.close(w)
            os.close(null)
        os.set_blocking(r, False)
        self.probe = Probe(pid, r, started, began)
        shim.io.sel.register(r, 1, ("health", None))       # selectors.EVENT_READ

    def on_output(self, shim) -> None:
        probe = self.probe
        try:
            data = os.read(probe.fd, 65536)
        except BlockingIOError:
            return
        if data:
            room = MAX_OUTPUT - len(probe.output)
            probe.output += data[:max(room, 0)]
            probe.truncated = probe.truncated or len(data) > room
            return
        shim.io.sel.unregister(probe.fd)
        os.close(probe.fd)
        probe.fd = -1
        self._finish_if_done(shim)

    def on_exit(self, shim, pid: int, status: int) -> bool:
        """Whether `pid` (reaped by the shim) was the probe's process."""
        if self.probe is None or pid != self.probe.pid:
            return False
        self.probe.status = status
        self._finish_if_done(shim)
        return True

    def _finish_if_done(self, shim) -> None:
        probe = self.probe
        if probe.fd != -1 or probe.status is None:
            return          # its output is complete once both the exit and EOF came
        self.probe = None
        if probe.timed_out:
            code, text = -1, f"Health check exceeded timeout ({_go_seconds(self.plan.timeout)})"
        else:
            code = os.waitstatus_to_exitcode(probe.status) if os.WIFEXITED(probe.status) \
                else 128 + os.WTERMSIG(probe.status)
            text = probe.output.decode("utf-8", "replace") + ("..." if probe.truncated else "")
        self._record(shim, probe.began, probe.started, code, text)

    def _record(self, shim, began: str, started: float, code: int, output: str) -> None:
        """dockerd's handleProbeResult, then the next probe one interval from now."""
        from .logs import now_rfc3339
        from .. import events
        before = self.health["Status"]
        log = list(self.health["Log"])[-(MAX_LOG - 1):] + [
            {"Start": began, "End": now_rfc3339(), "ExitCode": code, "Output": output}]
        streak = self.health["FailingStreak"]
        status = before
        if code == 0:
            streak, status = 0, "healthy"
        elif not (before == "starting" and started - self.started_at < self.plan.start_period):
            streak += 1
            if streak >= self.plan.retries:
                status = "unhealthy"
        self.health = {"Status": status, "FailingStreak": streak, "Log": log}
        shim.state.update(Health=self.health)
        if status != before:
            events.container(shim.req.settings, shim.spec.id, "health_status: " + status)
        self.next_at = time.monotonic() + self._interval()

    def container_exited(self, shim) -> None:
        """No more probes for this run; a probe still running is killed and reaped."""
        self.next_at = None
        probe, self.probe = self.probe, None
        if probe is None:
            return
        if probe.status is None:
            _kill(probe.pid)
            try:
                os.waitpid(probe.pid, 0)
            except ChildProcessError:
                pass
        if probe.fd != -1:
            shim.io.sel.unregister(probe.fd)
            os.close(probe.fd)


def _kill(pid: int) -> None:
    """Kill the probe's outer process; the program, its child, dies with it (PDEATHSIG)."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _go_seconds(seconds: float) -> str:
    """Go's Duration.String() of a timeout, as dockerd prints it: 30s, 1.5s, 200ms, 1m0s."""
    from ..goduration import format_duration
    return format_duration(round(seconds * 1e9))
