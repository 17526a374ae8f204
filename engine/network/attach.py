"""`docker network connect/disconnect` of a container, stopped or running, as Docker 28.

Docker keeps a container's networks in its configuration: a stopped
container is only re-configured and `start` plugs every network it keeps.
Here they live in the record's NetworkingConfig.EndpointsConfig (network
name -> {"IPAMConfig", "Aliases", "NetworkID"}). Until the first
connect/disconnect the network of HostConfig.NetworkMode is implied (`run`
records only aliases and --ip); the first change writes the whole list and
sets COMPLETE, so that disconnecting the last network really leaves none.

A running container is changed by its shim (op "connect"/"disconnect" on
the attach socket, see live.py): the embedded DNS server is a thread of the
shim and the container's /etc files must follow. This module never imports
pyroute2, so `inspect` stays cheap.
"""
from __future__ import annotations

import json
import socket

from ..errors import Conflict, EngineError, InvalidArgument, NotFound
from ..fsutil import locked
from .store import PREDEFINED, NetworkStore

COMPLETE = "_LabComplete"       # EndpointsConfig lists every network (NetworkMode included)
SHARED = ("container sharing network namespace with another container or host cannot be "
          "connected to any other network")
HOST_CONFLICT = "container cannot be disconnected from host network or connected to host network"
NONE_CONFLICT = ("container cannot be connected to multiple networks with one of the networks "
                 "in private (none) mode")


def primary_network(record: dict) -> str:
    mode = record["HostConfig"].get("NetworkMode") or "bridge"
    return "bridge" if mode == "default" else mode


def owns_netns(record: dict) -> bool:
    """False for none, host and container:X modes: nothing is plugged for them."""
    mode = primary_network(record)
    return mode not in ("none", "host") and not mode.startswith("container:")


def configured(record: dict) -> dict[str, dict]:
    """The networks `start` plugs, in order (the first one gives the default route)."""
    if not owns_netns(record):
        return {}
    nc = record.get("NetworkingConfig") or {}
    eps = {("bridge" if k == "default" else k): v for k, v in (nc.get("EndpointsConfig") or {}).items()}
    if nc.get(COMPLETE):
        return eps
    primary = primary_network(record)
    out = {primary: eps.pop(primary, None) or {}}
    out.update(eps)
    return out


def endpoint_options(ep: dict) -> dict:
    """NetworkManager.connect keyword arguments from a recorded endpoint config."""
    return {"ip": (ep.get("IPAMConfig") or {}).get("IPv4Address") or None,
            "aliases": list(ep.get("Aliases") or []), "mac": ep.get("MacAddress") or None}


def _names(store: NetworkStore, eps: dict[str, dict]) -> dict[str, dict]:
    """Key each entry by network name (`run --network <id prefix>` keys it by what was typed)."""
    out = {}
    for key, ep in eps.items():
        try:
            rec = store.find(key)
        except EngineError:
            out[key] = ep          # a removed network: `start` will say so, as Docker does
            continue
        out[rec["Name"]] = {**ep, "NetworkID": ep.get("NetworkID") or rec["Id"]}
    return out


def _save(engine, record: dict, eps: dict[str, dict]) -> None:
    nc = dict(record.get("NetworkingConfig") or {})
    nc["EndpointsConfig"] = eps
    nc[COMPLETE] = True
    record["NetworkingConfig"] = nc
    engine.containers.save(record)


def start_plan(engine, record: dict) -> tuple[list[tuple[str, dict]], str]:
    """[(network name, NetworkManager.connect options)] for a start, and the network
    whose resolv.conf the container gets: the embedded DNS as soon as one network is
    user-defined, like Docker's resolver."""
    plan = []
    primary = primary_network(record)
    for name, ep in configured(record).items():
        net_name = name if name in ("bridge", "default") else engine.networks.get(name)["Name"]
        opts = endpoint_options(ep)
        if name == primary:
            opts["links"] = [tuple(link.split(":", 1)) if ":" in link else (link, link)
                             for link in record["HostConfig"].get("Links") or []]
        plan.append(("bridge" if net_name == "default" else net_name, opts))
    for name in dict.fromkeys(n for n, _ in plan):
        engine.networks.prepare(name)     # its bridge, and the package cache on its gateway
    return plan, next((n for n, _ in plan if n != "bridge"), "bridge")


# -- the views -------------------------------------------------------------------
def dns_names(record: dict, aliases: list[str]) -> list[str]:
    """Docker's DNSNames of an endpoint on a user-defined network (first one for PTR)."""
    names = [record["Name"].lstrip("/"), *aliases, record["Id"][:12]]
    if record["Config"].get("Hostname"):
        names.append(record["Config"]["Hostname"])
    return list(dict.fromkeys(names))


def stopped_networks(record: dict, state: dict) -> dict[str, dict]:
    """NetworkSettings.Networks of a container that is not running.

    Docker keeps the configuration and clears what only a running endpoint
    has (address, gateway, endpoint id, MAC).
    """
    last = state.get("NetworkSettings") or {}
    out = {}
    for name, ep in sorted(configured(record).items()):
        aliases = list(ep.get("Aliases") or [])
        out[name] = {
            "IPAMConfig": ep.get("IPAMConfig") or None, "Links": None,
            "Aliases": aliases or None, "MacAddress": ep.get("MacAddress") or "",   # a configured one stays
            "DriverOpts": None, "GwPriority": 0,
            "NetworkID": ep.get("NetworkID") or (last.get(name) or {}).get("NetworkID", ""),
            "EndpointID": "", "Gateway": "", "IPAddress": "", "IPPrefixLen": 0,
            "IPv6Gateway": "", "GlobalIPv6Address": "", "GlobalIPv6PrefixLen": 0,
            "DNSNames": dns_names(record, aliases) if name not in PREDEFINED else None,
        }
    return out


# -- the verbs -------------------------------------------------------------------
def _lifecycle_lock(engine, cid: str):
    return locked(engine.containers.path(cid) / ".lifecycle.lock")


def _check_connect(record: dict, net: dict) -> None:
    """Docker's updateNetworkSettings conflicts, before anything is plugged."""
    mode = primary_network(record)
    if net["Driver"] == "host" and mode != "host":
        raise InvalidArgument(HOST_CONFLICT)
    if mode == "host" or mode.startswith("container:"):
        raise InvalidArgument(SHARED)
    if (mode == "none") != (net["Name"] == "none"):
        raise InvalidArgument(NONE_CONFLICT)


def connect(engine, network: str, ref: str, *, ip: str | None = None,
            aliases: list[str] = (), mac: str | None = None) -> None:
    """`docker network connect [--ip] [--alias] NETWORK CONTAINER`."""
    from ..lifecycle import current_state
    net = engine.networks.get(network)        # the daemon looks the network up first
    cid = engine.resolve(ref)
    aliases = list(aliases)
    with _lifecycle_lock(engine, cid):
        record = engine.containers.load(cid)
        if record is None:
            raise NotFound(f"No such container: {ref}")
        _check_connect(record, net)
        if net["Name"] == "none":
            return                                   # already there: Docker does nothing
        engine.networks.validate_endpoint(net, ip, aliases)
        store = engine.networks.store
        eps = _names(store, configured(record))
        if _has_live_shim(current_state(engine, cid)):
            engine.networks.prepare(net["Name"])   # here: a shim must not start the cache
            _ask_shim(engine, cid, {"op": "connect", "network": net["Name"], "ip": ip,
                                    "aliases": aliases, "mac": mac})
            _event(engine, net, "connect", cid)     # Docker logs it for a live connect only
        elif net["Name"] in eps:
            return                                   # Docker: "avoid duplicate config"
        eps[net["Name"]] = {"IPAMConfig": {"IPv4Address": ip} if ip else None,
                            "Aliases": aliases or None, "NetworkID": net["Id"],
                            **({"MacAddress": mac} if mac else {})}
        _save(engine, record, eps)


def disconnect(engine, network: str, ref: str, *, force: bool = False) -> None:
    """`docker network disconnect [-f] NETWORK CONTAINER`."""
    from ..lifecycle import current_state
    cid = engine.resolve(ref)
    with _lifecycle_lock(engine, cid):
        record = engine.containers.load(cid)
        if record is None:
            raise NotFound(f"No such container: {ref}")
        try:
            net = engine.networks.get(network)
        except NotFound:
            net = None
        running = _has_live_shim(current_state(engine, cid))
        if running and net is None and not force:
            raise NotFound(f"network {network} not found")
        if net is not None and net["Driver"] == "host" and primary_network(record) == "host":
            raise InvalidArgument(HOST_CONFLICT)
        name = net["Name"] if net else network
        eps = _names(engine.networks.store, configured(record))
        if running and net is not None:
            _ask_shim(engine, cid, {"op": "disconnect", "network": name})
        elif name not in eps:
            raise EngineError(f"container {cid} is not connected to the network {name}")
        eps.pop(name, None)
        _save(engine, record, eps)
    if net is not None:
        _event(engine, net, "disconnect", cid)


def _event(engine, net: dict, action: str, cid: str) -> None:
    from .. import events
    events.emit(engine.settings, "network", action, net["Id"],
                {"container": cid, "name": net["Name"], "type": net["Driver"]})


def _has_live_shim(state: dict) -> bool:
    """Running, or waiting to restart: the shim plugs the networks of its next start."""
    return bool(state["Running"] or state["Restarting"])


def _ask_shim(engine, cid: str, msg: dict) -> dict:
    """Send a network op to the container's shim; raise its error as ours."""
    from ..runtime import streams
    from ..runtime.state import attach_path
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(str(attach_path(engine.settings.run_dir, cid)))
        sock.settimeout(30)
        streams.send_json_line(sock, msg)
        while True:
            frame = streams.read_frame(sock)
            if frame is None:
                raise EngineError(f"container {cid} stopped during network {msg['op']}")
            if frame[0] == streams.EXIT:
                reply = json.loads(frame[1] or b"{}")
                break
    except OSError as err:
        raise EngineError(f"cannot reach the shim of container {cid}: {err}") from err
    finally:
        sock.close()
    if "error" in reply:
        raise _error_of(reply)
    return reply


def _error_of(reply: dict) -> EngineError:
    by_status = {400: InvalidArgument, 404: NotFound, 409: Conflict}
    cls = by_status.get(reply.get("status"), EngineError)
    err = cls(reply["error"])
    err.status = reply.get("status") or err.status
    return err
