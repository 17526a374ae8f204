"""Start, stop, kill, wait, remove: the container state machine over the shim."""
from __future__ import annotations

import fcntl
import json
import os
import signal as signals
import socket
import time
from pathlib import Path

from . import events
from .errors import Conflict, InvalidArgument, NotFound, NotRunning, StartFailure
from .fsutil import crash_point, locked
from .runtime import streams
from .runtime.spec import ContainerSpec, MountSpec
from .runtime.state import attach_path, initial_state, now_exit_state

OCI_PREFIX = ("failed to create task for container: failed to create shim task: OCI runtime create "
              "failed: runc create failed: unable to start container process: error during container "
              "init: ")


def parse_signal(sig: str | int | None, default: int = signals.SIGTERM) -> int:
    if sig in (None, ""):
        return default
    if isinstance(sig, int) or str(sig).isdigit():
        return int(sig)
    name = str(sig).upper()
    name = name if name.startswith("SIG") else "SIG" + name
    try:
        return int(getattr(signals, name))
    except AttributeError:
        raise InvalidArgument(f"Invalid signal: {sig}")


INIT_PATH = "/sbin/docker-init"
INIT_BINARIES = ("/usr/bin/tini-static", "/usr/bin/docker-init", "/usr/libexec/docker/docker-init")


def init_binary() -> str:
    """A statically linked tini on the host (Debian's `tini` package: it runs in any image)."""
    for path in INIT_BINARIES:
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return os.path.realpath(path)
    raise StartFailure("dockerlab: --init needs tini-static on the host (apt-get install tini)")


def spec_of(engine, record: dict) -> ContainerSpec:
    cfg, hc = record["Config"], record["HostConfig"]
    cdir = engine.containers.path(record["Id"])
    lower = [Path(p) for p in reversed(record["GraphDriver"]["Data"]["LowerDir"].split(":")) if p]
    mounts = []
    for m in record.get("Mounts") or []:
        if m["Type"] == "tmpfs":
            opts = (hc.get("Tmpfs") or {}).get(m["Destination"], "")
            mounts.append(MountSpec("tmpfs", "tmpfs", m["Destination"], False, opts))
        else:
            mounts.append(MountSpec(m["Type"], m["Source"], m["Destination"], not m["RW"]))
    mode = hc.get("NetworkMode") or "bridge"
    args = [record["Path"], *record["Args"]]
    if hc.get("Init"):           # --init: Docker's docker-init (tini) as PID 1, bound in read-only
        mounts.append(MountSpec("bind", init_binary(), INIT_PATH, True))
        args = [INIT_PATH, "--", *args]
    return ContainerSpec(
        id=record["Id"], name=record["Name"].lstrip("/"), container_dir=cdir, lower_dirs=lower,
        args=args, env=cfg.get("Env") or [], cwd=cfg.get("WorkingDir") or "/",
        user=cfg.get("User") or "", hostname=cfg.get("Hostname") or "", tty=cfg.get("Tty", False),
        stdin_open=cfg.get("OpenStdin", False), mounts=mounts, network_mode=mode,
        privileged=hc.get("Privileged", False), cap_add=hc.get("CapAdd") or [],
        cap_drop=hc.get("CapDrop") or [], security_opt=hc.get("SecurityOpt") or [],
        read_only=hc.get("ReadonlyRootfs", False), group_add=hc.get("GroupAdd") or [],
        masked_paths=hc.get("MaskedPaths"), readonly_paths=hc.get("ReadonlyPaths"),
        pid_mode=hc.get("PidMode") or "", ulimits=hc.get("Ulimits") or [],
        shm_size=hc.get("ShmSize") or 64 * 1024 * 1024)


def current_state(engine, cid: str) -> dict:
    """The state, corrected when a shim died without recording the end (crash, kill -9, reboot).

    Any recorded shim that is gone is cleaned after (cgroup, network, socket),
    whatever the status: a shim killed before its container started leaves
    a cgroup and a socket too.
    """
    sf = engine.containers.state(cid)
    state = sf.read()
    if state.get("ShimPid") and not sf.shim_alive(state):
        cleanup_after_dead_shim(engine, cid)
        changes = {"ShimPid": 0, "ShimStart": 0}
        if state["Status"] in ("running", "restarting", "paused"):
            changes.update(now_exit_state(137 if state["Status"] == "running" else state["ExitCode"]))
        state = sf.update(**changes)
    return state


def cleanup_after_dead_shim(engine, cid: str) -> None:
    """Release what a dead shim held: processes and cgroup, links and addresses, socket."""
    from . import cgroups
    cg = cgroups.Cgroup(engine.settings, cid)
    cg.destroy()
    try:
        engine.networks.release(cid)
    except Exception:  # noqa: BLE001 - best effort: the links died with the netns
        pass
    attach_path(engine.settings.run_dir, cid).unlink(missing_ok=True)
    (engine.containers.path(cid) / "shim.pid").unlink(missing_ok=True)


def inspect_view(engine, record: dict, state: dict) -> dict:
    view = dict(record)
    shown = set(initial_state()) - {"ShimPid", "ShimStart", "RestartCount", "ManualStop",
                                    "NetworkSettings"} | {"Health"}
    public = {k: v for k, v in state.items() if k in shown}
    view["State"] = public
    view["RestartCount"] = state.get("RestartCount", 0)
    view["NetworkSettings"] = network_settings(record, state)
    view.pop("NetworkingConfig", None)
    return view


def network_settings(record: dict, state: dict) -> dict:
    running = state.get("Running")
    from .network.attach import stopped_networks    # a stopped container keeps its networks
    nets = (state.get("NetworkSettings") or {}) if running else stopped_networks(record, state)
    ports = {}
    for port in (record["Config"].get("ExposedPorts") or {}):
        ports[port] = None
    for port, binds in (state.get("Ports") or {}).items():
        ports[port] = binds if running else None
    first = nets.get("bridge") or {}   # Docker's deprecated top-level fields: the default bridge only
    return {"Bridge": "", "SandboxID": "", "SandboxKey": "", "Ports": ports if running else {},
            "HairpinMode": False, "LinkLocalIPv6Address": "", "LinkLocalIPv6PrefixLen": 0,
            "SecondaryIPAddresses": None, "SecondaryIPv6Addresses": None,
            "EndpointID": first.get("EndpointID", ""), "Gateway": first.get("Gateway", ""),
            "GlobalIPv6Address": "", "GlobalIPv6PrefixLen": 0, "IPAddress": first.get("IPAddress", ""),
            "IPPrefixLen": first.get("IPPrefixLen", 0), "IPv6Gateway": "",
            "MacAddress": first.get("MacAddress", ""), "Networks": nets}


def await_shim_exit(engine, cid: str, seconds: float = 10.0) -> dict:
    """Wait until no shim works on the container's files, then return the corrected state.

    A shim sends the exit status before it releases its cgroup and socket;
    deleting the directory under it would make it fail half-way and leak them.
    A shim that does not finish in time is killed and cleaned after.
    """
    sf = engine.containers.state(cid)
    deadline = time.monotonic() + seconds
    while sf.shim_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    state = sf.read()
    if sf.shim_alive(state):
        try:
            os.kill(state["ShimPid"], signals.SIGKILL)
        except ProcessLookupError:
            pass
        while sf.shim_alive(state) and time.monotonic() < deadline + 5:
            time.sleep(0.01)
    return current_state(engine, cid)


def _lock_path(engine, cid: str) -> Path:
    return engine.containers.path(cid) / ".lifecycle.lock"


def start(engine, cid: str, attach: socket.socket | None) -> int:
    """Plan and launch; the lifecycle lock is held until the shim has reported.

    The shim inherits the locked descriptor and closes it once the container
    runs (or failed), so a CLI killed mid-start does not let a `rm` or a
    second `start` act on a container whose shim is still bringing it up.
    """
    from .cgroups.prime import prime_attach
    prime_attach()          # first of all: the container's cgroup move, ~12 ms on, need not wait
    lock = os.open(_lock_path(engine, cid), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        state = current_state(engine, cid)
        if state["Running"]:
            return state["Pid"]
        record = engine.containers.load(cid)
        if record is None:
            raise NotFound(f"No such container: {cid}")
        from .startplan import plan_start
        req, listeners = plan_start(engine, record)
        req.lock_fd = lock
        crash_point("start:planned")
        from .runtime.shim import LaunchError, launch   # not loaded by commands that start nothing
        try:
            pid = launch(req, attach)
        except LaunchError as e:
            raise StartFailure(OCI_PREFIX + str(e) + ": unknown", e.code) from None
        finally:
            for s in listeners:
                s.close()
    finally:
        os.close(lock)
    events.container(engine.settings, cid, "start")
    return pid


def _control(engine, cid: str, msg: dict, timeout: float | None = None) -> dict | None:
    """Send a control request to the shim; return its EXIT payload (None if it is gone)."""
    path = attach_path(engine.settings.run_dir, cid)
    try:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(str(path))
    except OSError:
        return None
    with sock:
        sock.settimeout(timeout)
        streams.send_json_line(sock, msg)
        crash_point(f"{msg.get('op')}:sent")
        while True:
            try:
                frame = streams.read_frame(sock)
            except OSError:
                return None
            if frame is None:
                return None
            if frame[0] == streams.EXIT:
                return json.loads(frame[1] or b"{}")


def stop(engine, cid: str, timeout: int | None, signal: str | None) -> None:
    with locked(_lock_path(engine, cid)):
        _stop(engine, cid, timeout, signal)


def _stop(engine, cid: str, timeout: int | None, signal: str | None) -> None:
    state = current_state(engine, cid)
    if not state["Running"] and not state["Restarting"]:
        return
    _thaw_for_signal(engine, cid, state)
    record = engine.containers.load(cid)
    if timeout is None:
        timeout = record["Config"].get("StopTimeout", 10)
    sig = parse_signal(signal or record["Config"].get("StopSignal"), signals.SIGTERM)
    if _control(engine, cid, {"op": "stop", "signal": sig, "timeout": timeout}) is None:
        current_state(engine, cid)
    events.container(engine.settings, cid, "stop")


def kill(engine, cid: str, signal: str | int) -> None:
    state = current_state(engine, cid)
    record = engine.containers.load(cid)
    if not state["Running"]:
        raise Conflict(f"Cannot kill container: {record['Name'].lstrip('/')}: Container {cid} is not running")
    sig = parse_signal(signal, signals.SIGKILL)
    events.container(engine.settings, cid, "kill", signal=sig)
    if sig in (signals.SIGKILL, signals.SIGTERM, signals.SIGINT):
        _thaw_for_signal(engine, cid, state)
    _control(engine, cid, {"op": "kill", "signal": sig})


def set_paused(engine, cid: str, paused: bool) -> None:
    """`docker pause` / `unpause`: freeze or thaw every process of the container (its cgroup)."""
    with locked(_lock_path(engine, cid)):
        state = current_state(engine, cid)
        if not state["Running"]:
            raise Conflict(f"Container {cid} is not running")
        if state["Paused"] == paused:
            raise Conflict(f"Container {cid} is {'already paused' if paused else 'not paused'}")
        _freeze(engine, cid, paused)


def _freeze(engine, cid: str, paused: bool) -> None:
    from . import cgroups
    cg = cgroups.Cgroup(engine.settings, cid)
    cg.freeze() if paused else cg.thaw()
    engine.containers.state(cid).update(Paused=paused, Status="paused" if paused else "running")
    events.container(engine.settings, cid, "pause" if paused else "unpause")


def _thaw_for_signal(engine, cid: str, state: dict) -> None:
    """A frozen process cannot act on a signal (cgroup v1 holds even SIGKILL): as dockerd
    does for stop and kill, a paused container is resumed so that the signal lands."""
    if state.get("Paused"):
        _freeze(engine, cid, False)


def wait(engine, cid: str) -> dict:
    state = current_state(engine, cid)
    if state["Running"] or state["Restarting"]:
        reply = _control(engine, cid, {"op": "wait"})
        if reply is not None and "StatusCode" in reply:
            return reply
        state = current_state(engine, cid)
    return {"StatusCode": state["ExitCode"], "OOMKilled": state["OOMKilled"]}


def require_running(engine, cid: str) -> dict:
    state = current_state(engine, cid)
    if not state["Running"]:
        raise NotRunning(f"container {cid} is not running")
    if state["Paused"]:
        raise Conflict(f"container {cid} is paused, unpause the container before exec")
    return state


def remove(engine, cid: str, force: bool, volumes: bool) -> None:
    with locked(_lock_path(engine, cid)):     # waits for a start in progress, even a crashed CLI's
        _remove(engine, cid, force, volumes)


def _remove(engine, cid: str, force: bool, volumes: bool) -> None:
    state = current_state(engine, cid)
    record = engine.containers.load(cid)
    name = record["Name"]
    if state["Running"] or state["Restarting"]:
        if not force:
            raise Conflict(f'cannot remove container "{name}": container is running: stop the '
                           "container before removing or force remove")
        _control(engine, cid, {"op": "stop", "signal": signals.SIGKILL, "timeout": 0})
    await_shim_exit(engine, cid)
    crash_point("rm:stopped")
    delete_files(engine, cid, record, volumes)


def delete_files(engine, cid: str, record: dict, volumes: bool) -> None:
    anon = [m["Name"] for m in record.get("Mounts") or []
            if m.get("Type") == "volume" and engine.volumes.is_anonymous(m["Name"])]
    engine.containers.delete(cid)
    events.emit(engine.settings, "container", "destroy", cid, events.container_attributes(record))
    if volumes or record["HostConfig"].get("AutoRemove"):
        for name in anon:
            if not engine.volume_users(name):
                engine.volumes.remove(name, force=True)


def rename(engine, cid: str, new_name: str) -> None:
    record = engine.containers.load(cid)
    old = record["Name"].lstrip("/")
    if new_name.lstrip("/") == old:
        raise InvalidArgument("Renaming a container with the same name as its current name")
    new = engine.containers.reserve_name(new_name, cid)
    record["Name"] = "/" + new
    engine.containers.save(record)
    engine.containers.release_name(old, cid)


def _remove_unlocked(path: Path) -> None:
    try:
        with open(path, "rb") as f:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            path.unlink(missing_ok=True)
    except (FileNotFoundError, BlockingIOError):
        pass                                     # gone, or its creator is still at work


def collect_orphans(engine) -> list[str]:
    """Remove what a `create` killed half-way left: stale names, directories without a record.

    A name whose creator still runs is locked (ContainerStore) and kept; so is
    its directory. Returns the ids of the directories removed.
    """
    import shutil
    store = engine.containers
    for path in list(store.names.iterdir()):
        if not path.name.startswith("."):
            store.remove_if_stale(path)
        elif path.name.endswith(".tmp"):          # a reservation killed before its link()
            _remove_unlocked(path)
    in_progress = {store.owner_of(p.name) for p in store.names.iterdir() if not p.name.startswith(".")}
    removed = []
    for d in list(store.dir.iterdir()):
        if d.is_dir() and not (d / "config.json").exists() and d.name not in in_progress:
            shutil.rmtree(d, ignore_errors=True)
            removed.append(d.name)
    return removed
