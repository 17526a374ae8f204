"""Network connect/disconnect of a running container, done by its shim.

It runs in the shim because a container's embedded DNS server is a thread
of its shim (dnsserver.py). Beside the veth, the container's view follows,
as Docker's sandbox does: /etc/hosts has one `address hostname` line per
network, and /etc/resolv.conf switches to the embedded server when the
first user-defined network arrives. Both files are bind-mounted into the
container, so they are rewritten in place, never renamed.
"""
from __future__ import annotations

from ..errors import EngineError
from ..runtime import hostsfile
from ..runtime.state import StateFile
from .dnsserver import ADDRESS


def handle(req, pid: int, ctl: dict) -> dict:
    """Apply one shim control op; the reply is {} or {"error", "status"}.

    `pid` is 0 while the container is not running (restart back-off): then
    only the plan of the next start changes.
    """
    try:
        if ctl.get("op") == "connect":
            _connect(req, pid, ctl)
        else:
            _disconnect(req, pid, ctl["network"])
    except EngineError as err:
        return {"error": str(err), "status": err.status}
    except Exception as err:  # noqa: BLE001 - the shim must live on; the CLI reports it
        return {"error": f"failed to set up container networking: {err}", "status": 500}
    return {}


def _connect(req, pid: int, ctl: dict) -> None:
    from .manager import NetworkManager
    spec, name = req.spec, ctl["network"]
    opts = {"ip": ctl.get("ip") or None, "aliases": list(ctl.get("aliases") or []),
            "mac": ctl.get("mac") or None}
    if pid:
        manager = NetworkManager(req.settings)
        ep = manager.connect(spec.id, spec.name, name, pid, **opts)
        state = StateFile(spec.container_dir)
        nets = dict(state.read().get("NetworkSettings") or {})
        nets[name] = ep
        state.update(NetworkSettings=nets)
        write_hosts(spec, nets)
        if ep.get("DNSNames"):                    # a user-defined network
            _use_embedded_dns(spec, manager.resolv_conf(name))
    if all(n != name for n, _ in req.networks):
        req.networks.append((name, opts))


def _disconnect(req, pid: int, name: str) -> None:
    from .manager import NetworkManager
    spec = req.spec
    rest = [(n, o) for n, o in req.networks if n != name]
    if not pid and len(rest) == len(req.networks):
        raise EngineError(f"container {spec.id} is not connected to the network {name}")
    if pid:
        NetworkManager(req.settings).disconnect(spec.id, name, keep_dns=bool(rest))
        state = StateFile(spec.container_dir)
        nets = dict(state.read().get("NetworkSettings") or {})
        nets.pop(name, None)
        state.update(NetworkSettings=nets)
        write_hosts(spec, nets)
        _keep_a_default_route(pid, nets)
    req.networks[:] = rest


def write_hosts(spec, networks: dict) -> None:
    """/etc/hosts: Docker's base lines, --add-host lines, then one line per network."""
    ips = [ep["IPAddress"] for ep in networks.values() if ep.get("IPAddress")]
    me = spec.hostname or spec.id[:12]
    # write_hosts puts `extra` before its own line: the order of the networks is kept
    hostsfile.write_hosts(spec, ips[-1] if ips else "", [(me, ip) for ip in ips[:-1]])


def _use_embedded_dns(spec, text: str) -> None:
    path = spec.container_dir / "resolv.conf"
    try:
        current = path.read_text()
    except OSError:
        current = ""
    if f"nameserver {ADDRESS}" not in current.split("\n"):
        hostsfile.rewrite_in_place(path, text.encode())


def _keep_a_default_route(pid: int, networks: dict) -> None:
    """The default route left with the disconnected veth: take the next network's gateway."""
    gateway = next((ep["Gateway"] for ep in networks.values() if ep.get("Gateway")), None)
    if gateway:
        from .links import ensure_default_route
        ensure_default_route(pid, gateway)

