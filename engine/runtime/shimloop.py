"""The shim's life: start the container's process, serve it, restart or clean up."""
from __future__ import annotations

import json
import os
import selectors
import signal
import socket
import time

from .. import events
from ..fsutil import crash_point
from . import monitor, streams
from .logs import LogWriter, now_rfc3339
from .shim import LaunchError, ShimRequest
from .shimio import Client, IOHub
from .trace import mark
from .state import StateFile, attach_path, ended_children, exit_code_of, process_start_time

DRAIN_SECONDS = 2.0


class Shim:
    def __init__(self, req: ShimRequest, report_fd: int, first_client: socket.socket | None):
        self.req, self.spec = req, req.spec
        self.dir = req.spec.container_dir
        self.state = StateFile(self.dir)
        self.report_fd: int | None = report_fd
        self.io = IOHub(LogWriter(self.dir / "json.log"), req.spec.tty)
        if first_client is not None:
            self.io.add_client(Client(first_client, {"stdin": req.spec.stdin_open}))
        self.cgroup = None
        self.server: socket.socket | None = None   # the attach socket, made during the first start
        self.pid = 0
        self.status: int | None = None
        self.manual_stop = False
        self.kill_at: float | None = None
        self.waiters: list[Client] = []
        self.health = None
        if req.health is not None:
            from .health import HealthMonitor
            self.health = HealthMonitor(req.health)

    @classmethod
    def resumed(cls, state: dict) -> "Shim":
        """The shim of a running container, rebuilt after a slimming exec (monitor.py)."""
        shim = cls(state["req"], report_fd=None, first_client=None)
        shim.io.log.partial = state["partial"]
        shim.pid, shim.restarts, shim.backoff = state["pid"], state["restarts"], state["backoff"]
        shim.oom_before, shim.health = state["oom_before"], state["health"]
        fds = state["fds"]
        shim._setup_signals()
        shim.server = socket.socket(fileno=fds["server"])
        shim.io.sel.register(shim.server, selectors.EVENT_READ, ("accept", None))
        shim.io.master_fd, shim.io.stdin_fd = fds["master"], fds["stdin"]
        for fd, stream in fds["outputs"].items():
            shim.io.add_output(fd, stream)
        for fd in (fds["server"], *fds["outputs"], fds["master"], fds["stdin"]):
            if fd is not None:
                os.set_inheritable(fd, False)
        from .. import cgroups
        shim.cgroup = cgroups.Cgroup(shim.req.settings, shim.spec.id)
        shim.reap()        # an exit during the exec raised no signal we could catch
        return shim

    # -- lifecycle ------------------------------------------------------------
    def run(self) -> None:
        """Start the container (the engine primed its cgroup move, lifecycle.start) and serve it."""
        mark("shim.begin")
        from . import libc
        from .. import cgroups
        libc.prctl(libc.PR_SET_CHILD_SUBREAPER, 1)
        self._setup_signals()
        self.cgroup = cgroups.Cgroup(self.req.settings, self.spec.id)
        self.restarts = self.state.read().get("RestartCount", 0)
        self.backoff = 0.1
        self.lifecycle(start=True)

    def while_first_child_starts(self) -> None:
        """What the shim does while its first child unshares and builds its root.

        runc's order: the process first, then its cgroup (the child runs none
        of the container's code before it is in it), so making the cgroup
        costs the start nothing.
        """
        from .. import cgroups
        me = os.getpid()
        self.state.update(ShimPid=me, ShimStart=process_start_time(me))
        (self.dir / "shim.pid").write_text(str(me))
        self._listen()
        mark("shim.cgroup")
        self.cgroup.create(self.req.limits or cgroups.Limits(),
                           self.req.devices or cgroups.DOCKER_DEFAULT)
        mark("shim.cgroup_done")
        crash_point("shim:cgroup")

    def lifecycle(self, start: bool) -> None:
        """Start (unless resuming a running process), serve, restart or finish."""
        while True:
            if start:
                # OOMKilled describes this run only; a first start makes the cgroup afresh
                self.oom_before = self.cgroup.oom_kills() if self.server is not None else 0
                try:
                    self.start_once()
                except LaunchError as e:
                    self.release_network()   # before the caller hears: no endpoint kept
                    self._report({"message": str(e), "code": e.code})
                    self.finish(e.code, error=str(e))
                    return
                mark("shim.running")
                self._report({"pid": self.pid})
                crash_point("shim:running")
            start = True
            code = self.serve()
            mark("shim.exited")
            if self.health is not None:
                self.health.container_exited(self)
            oom = self.cgroup.oom_kills() > self.oom_before
            again = self.req.restart.should_restart(code, self.restarts, self.manual_stop)
            if not again:
                self.cgroup.destroy()     # released before anyone hears of the exit
            self.record_exit(code, oom, restarting=again)
            crash_point("shim:exited")
            if not again:
                break
            self.wait_quietly(self.backoff)
            self.backoff = min(self.backoff * 2, 60)
            if self.manual_stop:      # stopped while waiting to restart: as Docker, no restart
                self.state.update(Status="exited", Restarting=False, Running=False)
                self.io.broadcast_exit({"StatusCode": code, "OOMKilled": oom})
                break
        self.finish(code)

    def _report(self, msg: dict) -> None:
        if self.report_fd is not None:
            try:
                os.write(self.report_fd, json.dumps(msg).encode() + b"\n")
            except OSError:
                pass                 # the caller died (kill -9): the container runs on
            os.close(self.report_fd)
            self.report_fd = None
        if self.req.lock_fd is not None:      # started or failed: rm/stop may act now
            os.close(self.req.lock_fd)
            self.req.lock_fd = None

    def _setup_signals(self) -> None:
        self.wake_r, wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        os.set_blocking(wake_w, False)
        signal.set_wakeup_fd(wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)
        self.io.sel.register(self.wake_r, selectors.EVENT_READ, ("wake", None))

    def _listen(self) -> None:
        path = attach_path(self.req.settings.run_dir, self.spec.id)
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(str(path))
        self.server.listen(16)
        self.io.sel.register(self.server, selectors.EVENT_READ, ("accept", None))

    # -- one run of the container's process -------------------------------------
    def start_once(self) -> None:
        from .startup import start_process
        first = self.server is None
        self.pid, fds = start_process(self.req, self.cgroup,
                                      self.while_first_child_starts if first else None)
        mark("shim.started")
        self.started_at = time.monotonic()
        if fds.master is not None:
            self.io.master_fd = fds.master
            self.io.add_output(fds.master, "stdout")
        else:
            self.io.add_output(fds.stdout, "stdout")
            self.io.add_output(fds.stderr, "stderr")
            self.io.stdin_fd = fds.stdin
        self.status = None
        self.manual_stop = self.kill_at = None or False
        health = {"Health": self.health.container_started()} if self.health is not None else {}
        self.state.update(Status="running", Running=True, Restarting=False, Paused=False,
                          Pid=self.pid, ExitCode=0, OOMKilled=False, Error="", StartedAt=now_rfc3339(),
                          FinishedAt="0001-01-01T00:00:00Z", ManualStop=False,
                          NetworkSettings=fds.network, **health)
        if fds.network_ip and self.req.listeners:
            import threading
            from ..network import ports
            threading.Thread(target=ports.serve, args=(self.req.listeners, fds.network_ip),
                             daemon=True).start()

    def serve(self) -> int:
        """Select loop until the process has exited and its output is drained."""
        exited_at = None
        while True:
            timeout = 0.5
            if self.kill_at:
                timeout = max(0.0, min(timeout, self.kill_at - time.monotonic()))
            if self.health is not None and self.status is None:
                timeout = min(timeout, self.health.seconds_to_next())
            ready = self.io.sel.select(timeout)
            for key, _ in ready:
                self.dispatch(*key.data)
            if not ready and self.status is None:
                monitor.idle_tick(self)        # first: a probe about to start would keep it fat
            if self.health is not None and self.status is None:
                self.health.tick(self)
            if self.kill_at and time.monotonic() >= self.kill_at:
                self.kill_at = None
                self._signal(signal.SIGKILL)
            if self.status is not None:
                exited_at = exited_at or time.monotonic()
                if not self.io.outputs or time.monotonic() - exited_at > DRAIN_SECONDS:
                    self.io.drain()
                    for fd in list(self.io.outputs):
                        self.io.close_output(fd)
                    self._close_container_fds()
                    return exit_code_of(self.status)

    def _close_container_fds(self) -> None:
        for attr in ("master_fd", "stdin_fd"):
            fd = getattr(self.io, attr)
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
                setattr(self.io, attr, None)

    def dispatch(self, kind: str, obj) -> None:
        if kind == "wake":
            try:
                os.read(self.wake_r, 512)
            except BlockingIOError:
                pass
            self.reap()
        elif kind == "out":
            self.io.pump_output(obj)
        elif kind == "health":
            self.health.on_output(self)
        elif kind == "accept":
            self.accept()
        elif kind == "client":
            for ctl in self.io.client_input(obj):
                self.control(ctl, obj)

    def reap(self) -> None:
        for pid, status in ended_children():
            if pid == self.pid:
                self.status = status
            elif self.health is not None:
                self.health.on_exit(self, pid, status)

    def accept(self) -> None:
        sock, _ = self.server.accept()
        sock.settimeout(2)
        try:
            header = streams.recv_json_line(sock) or {}
        except (OSError, ValueError):
            sock.close()
            return
        client = Client(sock, header)
        if client.op == "attach":
            self.io.add_client(client)
        else:
            self.control(header, client)

    def control(self, ctl: dict, client: Client) -> None:
        op = ctl.get("op")
        if op == "stop":
            self.manual_stop = True
            self.state.update(ManualStop=True)
            self._signal(int(ctl.get("signal") or self.req.stop_signal))
            timeout = ctl.get("timeout", 10)
            if timeout is not None and timeout >= 0:
                self.kill_at = time.monotonic() + timeout
            self._add_waiter(client)
        elif op == "kill":
            self.manual_stop = True
            self.state.update(ManualStop=True)
            self._signal(int(ctl.get("signal", signal.SIGKILL)))
            client.send(streams.EXIT, b"{}")
        elif op == "wait":
            self._add_waiter(client)
        elif op == "resize":
            self.io.resize(ctl)
        elif op in ("connect", "disconnect"):   # network connect/disconnect of a live container
            from ..network.live import handle
            reply = handle(self.req, self.pid if self.status is None else 0, ctl)
            client.send(streams.EXIT, json.dumps(reply).encode())

    def _add_waiter(self, client: Client) -> None:
        if client not in self.io.clients:
            self.io.add_client(client)
        client.op = "wait"

    def _signal(self, sig: int) -> None:
        if self.pid and self.status is None:
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass

    def wait_quietly(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end and not self.manual_stop:
            for key, _ in self.io.sel.select(max(0.0, end - time.monotonic())):
                self.dispatch(*key.data)

    # -- endings ----------------------------------------------------------------
    def record_exit(self, code: int, oom: bool, restarting: bool = False) -> None:
        """Write the exit in one update. A container about to restart goes straight
        to "restarting", which counts as running (Docker's SetRestarting): never an
        "exited" moment in between, when `docker ps -q` would miss it and a
        `docker stop $(docker ps -q)` would leave it to come back."""
        state = dict(Status="exited", Running=False, Restarting=False)
        if restarting:
            self.restarts += 1
            state = dict(Status="restarting", Running=True, Restarting=True,
                         RestartCount=self.restarts)
        self.state.update(**state, Paused=False, Pid=0, ExitCode=code, OOMKilled=oom,
                          FinishedAt=now_rfc3339(), NetworkSettings={})
        self.release_network()
        events.container(self.req.settings, self.spec.id, "die", exitCode=code)
        self.io.broadcast_exit({"StatusCode": code, "OOMKilled": oom})

    def release_network(self) -> None:
        if self.req.networks:
            from ..network import NetworkManager
            try:
                NetworkManager(self.req.settings).release(self.spec.id)
            except Exception as e:  # noqa: BLE001 - logged, cleanup goes on
                print(f"network release failed: {e}")

    def finish(self, code: int, error: str = "") -> None:
        mark("shim.finish")
        self.io.log.close()
        for s in self.req.listeners:
            s.close()
        if self.cgroup is not None:
            self.cgroup.destroy()
        if error:
            self.state.update(Status="created" if code in (126, 127) else "exited", Error=error,
                              ExitCode=code, Running=False, Pid=0)
        attach_path(self.req.settings.run_dir, self.spec.id).unlink(missing_ok=True)
        removing = self.req.auto_remove and self.req.on_removed
        if not removing:           # a record about to be deleted needs no last word
            (self.dir / "shim.pid").unlink(missing_ok=True)
            self.state.update(ShimPid=0, ShimStart=0)     # last: "no shim" means nothing is held
        mark("shim.finished")
        if removing:
            self.req.on_removed(self.spec.id)
        # Clients go last: `run --rm` learns that the container is gone by this EOF.
        for c in list(self.io.clients):
            self.io.drop(c)
