"""Start, stop, kill, wait, remove: the container state machine over the shim."""
from __future__ import annotations

import json
import signal as signals
import socket
from pathlib import Path

from .errors import Conflict, InvalidArgument, NotRunning, StartFailure
from .runtime import streams
from .runtime.shim import LaunchError, RestartPolicy, ShimRequest, launch
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
    return ContainerSpec(
        id=record["Id"], name=record["Name"].lstrip("/"), container_dir=cdir, lower_dirs=lower,
        args=[record["Path"], *record["Args"]], env=cfg.get("Env") or [], cwd=cfg.get("WorkingDir") or "/",
        user=cfg.get("User") or "", hostname=cfg.get("Hostname") or "", tty=cfg.get("Tty", False),
        stdin_open=cfg.get("OpenStdin", False), mounts=mounts, network_mode=mode,
        privileged=hc.get("Privileged", False), cap_add=hc.get("CapAdd") or [],
        cap_drop=hc.get("CapDrop") or [], security_opt=hc.get("SecurityOpt") or [],
        read_only=hc.get("ReadonlyRootfs", False), group_add=hc.get("GroupAdd") or [])


def current_state(engine, cid: str) -> dict:
    """The state, corrected when a shim died without recording the end (crash, kill -9, reboot)."""
    sf = engine.containers.state(cid)
    state = sf.read()
    if state["Status"] in ("running", "restarting", "paused") and not sf.shim_alive(state):
        cleanup_after_dead_shim(engine, cid)
        state = sf.update(**now_exit_state(137 if state["Status"] == "running" else state["ExitCode"]),
                          ShimPid=0, ShimStart=0)
    return state


def cleanup_after_dead_shim(engine, cid: str) -> None:
    from . import cgroups
    cg = cgroups.Cgroup(engine.settings, cid)
    cg.destroy()
    try:
        engine.networks.release(cid)
    except Exception:  # noqa: BLE001 - best effort: the links died with the netns
        pass


def inspect_view(engine, record: dict, state: dict) -> dict:
    view = dict(record)
    public = {k: v for k, v in state.items() if k in initial_state() and k not in
              ("ShimPid", "ShimStart", "RestartCount", "ManualStop", "NetworkSettings")}
    view["State"] = public
    view["RestartCount"] = state.get("RestartCount", 0)
    view["NetworkSettings"] = network_settings(record, state)
    view.pop("NetworkingConfig", None)
    return view


def network_settings(record: dict, state: dict) -> dict:
    nets = state.get("NetworkSettings") or {}
    running = state.get("Running")
    ports = {}
    for port in (record["Config"].get("ExposedPorts") or {}):
        ports[port] = None
    for port, binds in (state.get("Ports") or {}).items():
        ports[port] = binds if running else None
    first = next(iter(nets.values()), {}) if record["HostConfig"].get("NetworkMode") in ("bridge", "default") else {}
    return {"Bridge": "", "SandboxID": "", "SandboxKey": "", "Ports": ports if running else {},
            "HairpinMode": False, "LinkLocalIPv6Address": "", "LinkLocalIPv6PrefixLen": 0,
            "SecondaryIPAddresses": None, "SecondaryIPv6Addresses": None,
            "EndpointID": first.get("EndpointID", ""), "Gateway": first.get("Gateway", ""),
            "GlobalIPv6Address": "", "GlobalIPv6PrefixLen": 0, "IPAddress": first.get("IPAddress", ""),
            "IPPrefixLen": first.get("IPPrefixLen", 0), "IPv6Gateway": "",
            "MacAddress": first.get("MacAddress", ""), "Networks": nets}


def start(engine, cid: str, attach: socket.socket | None) -> int:
    state = current_state(engine, cid)
    if state["Running"]:
        return state["Pid"]
    record = engine.containers.load(cid)
    from .startplan import plan_start
    req, listeners = plan_start(engine, record)
    try:
        pid = launch(req, attach)
    except LaunchError as e:
        raise StartFailure(OCI_PREFIX + str(e) + ": unknown", e.code) from None
    finally:
        for s in listeners:
            s.close()
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
    state = current_state(engine, cid)
    if not state["Running"] and not state["Restarting"]:
        return
    record = engine.containers.load(cid)
    if timeout is None:
        timeout = record["Config"].get("StopTimeout", 10)
    sig = parse_signal(signal or record["Config"].get("StopSignal"), signals.SIGTERM)
    if _control(engine, cid, {"op": "stop", "signal": sig, "timeout": timeout}) is None:
        current_state(engine, cid)


def kill(engine, cid: str, signal: str | int) -> None:
    state = current_state(engine, cid)
    record = engine.containers.load(cid)
    if not state["Running"]:
        raise Conflict(f"Cannot kill container: {record['Name'].lstrip('/')}: Container {cid} is not running")
    sig = parse_signal(signal, signals.SIGKILL)
    _control(engine, cid, {"op": "kill", "signal": sig})


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
    state = current_state(engine, cid)
    record = engine.containers.load(cid)
    name = record["Name"]
    if state["Running"] or state["Restarting"]:
        if not force:
            raise Conflict(f'cannot remove container "{name}": container is running: stop the '
                           "container before removing or force remove")
        _control(engine, cid, {"op": "stop", "signal": signals.SIGKILL, "timeout": 0})
        current_state(engine, cid)
    delete_files(engine, cid, record, volumes)


def delete_files(engine, cid: str, record: dict, volumes: bool) -> None:
    anon = [m["Name"] for m in record.get("Mounts") or []
            if m.get("Type") == "volume" and engine.volumes.is_anonymous(m["Name"])]
    engine.containers.delete(cid)
    if volumes or record["HostConfig"].get("AutoRemove"):
        for name in anon:
            if not engine.volume_users(name):
                engine.volumes.remove(name, force=True)


def rename(engine, cid: str, new_name: str) -> None:
    record = engine.containers.load(cid)
    old = record["Name"].lstrip("/")
    if new_name.lstrip("/") == old:
        raise InvalidArgument(f"Renaming a container with the same name as its current name")
    new = engine.containers.reserve_name(new_name, cid)
    record["Name"] = "/" + new
    engine.containers.save(record)
    engine.containers.release_name(old, cid)
