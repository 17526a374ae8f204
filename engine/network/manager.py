"""NetworkManager: Docker's network verbs over bridges, veths, IPAM and DNS.

One instance per state root. Every change of a network record happens
under the root's network lock, including the netlink work of connect and
disconnect (a few milliseconds), so an endpoint on disk always matches a
veth on the machine and stale endpoints can be recognised safely.
"""
from __future__ import annotations

import hashlib
import ipaddress
import logging
import re
import socket

from ..errors import Conflict, EngineError, InvalidArgument, NotFound
from ..settings import Settings
from . import dnsnames, dnsserver, ipam, ports, render, resolvconf
from . import links as netlink
from .store import PREDEFINED, NetworkStore, is_user_defined, lab
from ..runtime.trace import mark

log = logging.getLogger("dockerlab.network")
MAC_RE = re.compile(r"^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$")
BRIDGE_NAME_OPT = "com.docker.network.bridge.name"


def endpoint_id(container_id: str, network_id: str) -> str:
    """Stable per (container, network): a restarted container reuses its veth name."""
    return hashlib.sha256(f"{container_id}:{network_id}".encode()).hexdigest()


def host_veth_name(ep_id: str) -> str:
    return "dlv" + ep_id[:10]


class NetworkManager:
    """Create, inspect and remove networks; attach containers to them."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.store = NetworkStore(settings)
        self.tag = netlink.tag_for(settings)
        self.notices: list[str] = []   # for people: e.g. which subnet was chosen (fr / en)

    # -- predefined networks ---------------------------------------------
    def ensure_default(self) -> dict:
        """The predefined bridge, host and none networks; (re)creates the bridge link."""
        return render.inspect(self.prepare_default())

    def prepare_default(self) -> dict:
        """`ensure_default` for a start: returns the record (no inspect document to build)."""
        with self.store.lock():
            rec = self._ensure_predefined()
            self._bring_up_and_record(rec)
            from ..pkgcache import hook_bridge_up   # the lab's package cache on the gateway
            hook_bridge_up(self.settings, rec["IPAM"]["Config"][0]["Gateway"])
        return rec

    def prepare(self, network: str) -> dict:
        """A network made ready before a shim plugs a container into it.

        Run by the engine's process (a shim, inside the container's new pid
        namespace, must not start the cache): the bridge up, and the lab's
        package cache on its gateway unless the network is --internal.
        """
        if network in ("bridge", "default"):
            return self.prepare_default()
        with self.store.lock():
            rec = self.store.find(network)
            if rec["Driver"] == "bridge":
                self._bring_up_and_record(rec)
                if not rec["Internal"]:
                    from ..pkgcache import hook_bridge_up
                    hook_bridge_up(self.settings, rec["IPAM"]["Config"][0]["Gateway"])
        return rec

    def _ensure_predefined(self) -> dict:
        """The predefined records (made when missing); returns the default bridge's."""
        names = {r["Name"]: r for r in self.store.all()}
        for name, driver in (("host", "host"), ("none", "null")):
            if name not in names:
                self.store.save(render.new_record(name, driver, []))
        rec = names.get("bridge")
        if rec is None:
            with ipam.host_lock():
                net = self._default_subnet()
                conf = {"Subnet": str(net), "Gateway": str(net.network_address + 1)}
                options = {**render.DEFAULT_BRIDGE_OPTIONS, BRIDGE_NAME_OPT: self.settings.bridge}
                rec = render.new_record("bridge", "bridge", [conf], options=options,
                                        bridge=self.settings.bridge)
                self._bring_up(rec)
            self.store.save(rec)
        return rec

    def _default_subnet(self) -> ipaddress.IPv4Network:
        if self.settings.subnet:
            return ipam.parse_subnet(self.settings.subnet)
        net = ipam.choose_subnet(ipam.host_networks())
        self.settings.subnet = str(net)
        self.settings.save()
        self.notices.append(
            f"Réseau « bridge » : sous-réseau {net} choisi (libre sur cette machine) / "
            f"default bridge network: chose subnet {net} (free on this host)")
        log.info("default bridge %s uses subnet %s", self.settings.bridge, net)
        return net

    def _bring_up(self, rec: dict) -> int | None:
        """The bridge of `rec`, checked (see links.ensure_bridge); its ifindex.

        The check's fingerprint goes into the record (`_lab.sealed`), so the
        slow check runs once per bridge, not once per container or process.
        The caller saves the record (under the lock) when it changed.
        """
        if rec["Driver"] != "bridge":
            return None
        conf = rec["IPAM"]["Config"][0]
        net = ipaddress.ip_network(conf["Subnet"])
        index, sealed = netlink.ensure_bridge(lab(rec)["bridge"], conf["Gateway"], net.prefixlen,
                                              self.tag, lab(rec).get("sealed"))
        lab(rec)["sealed"] = sealed
        return index

    def _bring_up_and_record(self, rec: dict) -> int | None:
        """`_bring_up`, saving the record when the check's fingerprint changed."""
        before = lab(rec).get("sealed")
        index = self._bring_up(rec)
        if lab(rec).get("sealed") != before:
            self.store.save(rec, durable=False)
        return index

    # -- network verbs ----------------------------------------------------
    def create(self, name: str, driver: str = "bridge", subnet: str | None = None,
               gateway: str | None = None, ip_range: str | None = None, internal: bool = False,
               labels: dict | None = None, options: dict | None = None) -> dict:
        """`docker network create`; returns the new network's inspect document."""
        if name in PREDEFINED:
            raise Conflict(f"operation is not permitted on predefined {name} network ")
        _check_driver(driver)
        conf = ipam.ipam_config(subnet, gateway, ip_range)
        options = dict(options or {})
        with self.store.lock():
            self._ensure_predefined()
            if self.store.by_name(name) is not None:
                raise Conflict(f"network with name {name} already exists")
            used = [c["Subnet"] for r in self.store.all() for c in r["IPAM"]["Config"]]
            with ipam.host_lock():
                if conf is None:
                    net = ipam.choose_subnet([*ipam.host_networks(),
                                              *(ipaddress.ip_network(u) for u in used)])
                    conf = {"Subnet": str(net), "Gateway": str(net.network_address + 1)}
                elif ipam.overlapping(conf["Subnet"], used):
                    raise Conflict("Pool overlaps with other one on this address space")
                rec = render.new_record(name, driver, [conf], internal=internal,
                                        labels=labels, options=options)
                lab(rec)["bridge"] = _bridge_name(options, rec["Id"])
                try:
                    self._bring_up(rec)
                except Exception:
                    netlink.remove_bridge(lab(rec)["bridge"], self.tag)   # no half-made network
                    raise
            self.store.save(rec)
        return render.inspect(rec)

    def list(self) -> list[dict]:
        """`docker network ls` data: every network, sorted by name."""
        self._ensure_records()
        return [render.inspect(r) for r in sorted(self.store.all(), key=lambda r: r["Name"])]

    def get(self, name_or_id: str) -> dict:
        self._ensure_records()
        return render.inspect(self.store.find(name_or_id))

    def _ensure_records(self) -> None:
        names = {r["Name"] for r in self.store.all()}
        if any(n not in names for n in PREDEFINED):
            with self.store.lock():
                self._ensure_predefined()

    def remove(self, name_or_id: str) -> None:
        """`docker network rm`: refused for predefined networks and networks in use."""
        with self.store.lock():
            rec = self.store.find(name_or_id)
            if rec["Name"] in PREDEFINED:
                raise Conflict(f"{rec['Name']} is a pre-defined network and cannot be removed")
            self._drop_stale(rec)
            eps = lab(rec)["endpoints"].values()
            if eps:
                shown = ", ".join(f'name:"{e["Name"]}" id:"{e["EndpointID"][:12]}"' for e in eps)
                raise Conflict(f"error while removing network: network {rec['Name']} "
                               f"has active endpoints ({shown})")
            netlink.remove_bridge(lab(rec)["bridge"], self.tag)
            self.store.delete(rec)

    def prune(self) -> list[str]:
        """Remove every unused user-defined network; returns their names."""
        removed = []
        with self.store.lock():
            for rec in self.store.all():
                if rec["Name"] in PREDEFINED:
                    continue
                self._drop_stale(rec)
                if not lab(rec)["endpoints"]:
                    netlink.remove_bridge(lab(rec)["bridge"], self.tag)
                    self.store.delete(rec)
                    removed.append(rec["Name"])
        return sorted(removed)

    def _drop_stale(self, rec: dict) -> None:
        """Forget endpoints whose veth is gone (their container died without release)."""
        eps = lab(rec)["endpoints"]
        if not eps:
            return
        present = netlink.link_names()
        gone = [cid for cid, e in eps.items() if e["HostVeth"] not in present]
        for cid in gone:
            del eps[cid]
        if gone:
            self.store.save(rec, durable=False)

    # -- endpoints ----------------------------------------------------------
    def connect(self, container_id: str, container_name: str, network: str, pid: int, *,
                ip: str | None = None, aliases: list[str] = (), mac: str | None = None,
                links: list[tuple[str, str]] = (), hostname: str | None = None) -> dict:
        """Attach process `pid`'s network namespace to `network`.

        Returns Docker's NetworkSettings.Networks[<name>] entry. For a
        user-defined network the embedded DNS starts serving this container
        in a thread of the calling process (see dnsserver.py): call it from
        the container's shim.
        """
        name = container_name.lstrip("/")
        mark("net.connect")
        with self.store.lock():
            rec = self._find_for_connect(network)
            self._drop_stale(rec)
            ep = self._new_endpoint(rec, container_id, name, ip, aliases, mac, links, hostname)
            bridge_index = self._bring_up(rec)
            mark("net.plumb")
            ep["Ifname"] = self._plumb(rec, ep, pid, bridge_index)
            mark("net.plumbed")
            lab(rec)["endpoints"][container_id] = ep
            self.store.save(rec, durable=False)
            if is_user_defined(rec):
                self._start_dns(rec, container_id, pid)
        mark("net.connected")
        return render.endpoint_settings(rec, ep)

    def _find_for_connect(self, network: str) -> dict:
        network = "bridge" if network == "default" else network
        rec = self._ensure_predefined() if network == "bridge" else self.store.find(network)
        if rec["Driver"] == "host":
            raise InvalidArgument("container sharing network namespace with another container "
                                  "or host cannot be connected to any other network")
        if rec["Driver"] == "null":
            raise InvalidArgument("container cannot be connected to multiple networks with one "
                                  "of the networks in private (none) mode")
        return rec

    def _new_endpoint(self, rec: dict, container_id: str, name: str, ip: str | None,
                      aliases, mac: str | None, link_pairs, hostname: str | None) -> dict:
        eps = lab(rec)["endpoints"]
        if container_id in eps or any(e["Name"] == name for e in eps.values()):
            raise Conflict(f"endpoint with name {name} already exists in network {rec['Name']}")
        user = is_user_defined(rec)
        self.validate_endpoint(rec, ip, aliases)
        if mac and not MAC_RE.match(mac):
            raise InvalidArgument(f"invalid MAC address: {mac}")
        conf = rec["IPAM"]["Config"][0]
        addr = ipam.allocate(conf, [e["IPAddress"] for e in eps.values()], ip,
                             rec["Name"], rec["Id"])
        ep_id = endpoint_id(container_id, rec["Id"])
        names = [name, *aliases, container_id[:12], *([hostname] if hostname else [])]
        return {
            "Name": name, "EndpointID": ep_id, "IPAddress": addr,
            "IPPrefixLen": ipaddress.ip_network(conf["Subnet"]).prefixlen,
            "Gateway": "" if rec["Internal"] else conf["Gateway"],
            "MacAddress": (mac or ipam.mac_for(addr)).lower(), "StaticIP": ip,
            "Aliases": list(aliases), "LinkPairs": [list(p) for p in link_pairs],
            "DNSNames": list(dict.fromkeys(names)) if user else [],
            "HostVeth": host_veth_name(ep_id),
        }

    @staticmethod
    def validate_endpoint(rec: dict, ip: str | None, aliases) -> None:
        """Docker's validateEndpointSettings: what a connect of a stopped container checks too."""
        errors = []
        if not is_user_defined(rec):
            if ip:
                errors.append("user-specified IP address is supported on user-defined networks only")
            if aliases:
                errors.append("network-scoped aliases are only supported for user-defined networks")
        elif ip:
            try:
                addr = ipaddress.ip_address(ip)
            except ValueError:
                raise InvalidArgument(f"invalid IPv4 address: {ip}") from None
            if not any(addr in ipaddress.ip_network(c["Subnet"]) for c in rec["IPAM"]["Config"]):
                errors.append(f"no configured subnet contains IP address {ip}")
        if errors:
            raise InvalidArgument("invalid endpoint settings:\n" + "\n".join(errors))

    def lab_subnets(self) -> tuple[str, ...]:
        """The IPv4 subnets of this state root's networks: what a container may route to."""
        return tuple(c["Subnet"] for rec in self.store.all() for c in (rec.get("IPAM") or {}).get("Config") or []
                     if c.get("Subnet") and ":" not in c["Subnet"])

    def _plumb(self, rec: dict, ep: dict, pid: int, bridge_index: int) -> str:
        try:
            return netlink.plumb(pid, bridge_index=bridge_index, host_name=ep["HostVeth"],
                               ip=ep["IPAddress"], prefixlen=ep["IPPrefixLen"],
                               mac=ep["MacAddress"], gateway=ep["Gateway"] or None, tag=self.tag,
                               lab_subnets=self.lab_subnets())
        except EngineError:
            raise
        except Exception as err:   # netlink or /proc errors, for people
            raise EngineError(f"failed to set up container networking: {err}") from err

    def _start_dns(self, rec: dict, container_id: str, pid: int) -> None:
        try:
            dnsserver.start(self.settings, container_id, pid)
        except OSError as err:
            ep = lab(rec)["endpoints"].pop(container_id)
            netlink.unplumb(ep["HostVeth"], self.tag)
            self.store.save(rec, durable=False)
            raise EngineError(f"failed to start the embedded DNS server: {err}") from err

    def disconnect(self, container_id: str, network: str, keep_dns: bool = False) -> None:
        """`docker network disconnect`: remove the endpoint, its veth and DNS names.

        `keep_dns`: the container keeps its embedded DNS server (Docker's
        resolver lives as long as the container's sandbox once started).
        """
        with self.store.lock():
            rec = self.store.find(network)
            ep = lab(rec)["endpoints"].pop(container_id, None)
            if ep is None:
                raise EngineError(f"container {container_id} is not connected to network "
                                  f"{rec['Name']}")
            netlink.unplumb(ep["HostVeth"], self.tag)
            self.store.save(rec, durable=False)
            still = dnsnames.attachments(self.store.all(), container_id)
        if not still and not keep_dns:
            dnsserver.stop(self.settings, container_id)

    def release(self, container_id: str) -> None:
        """The container is gone: free all its endpoints, addresses, names and ports."""
        mark("net.release")
        dnsserver.stop(self.settings, container_id)    # first: its socket pins the namespace
        with self.store.lock():
            for rec in self.store.all():
                ep = lab(rec)["endpoints"].pop(container_id, None)
                if ep is not None:
                    netlink.unplumb(ep["HostVeth"], self.tag)
                    self.store.save(rec, durable=False)
        ports.unregister(self.settings, container_id)
        mark("net.released")

    def resolv_conf(self, network: str) -> str:
        """Text for the container's /etc/resolv.conf when `network` is its first network."""
        rec = self.store.find(network) if network not in ("bridge", "default") else None
        host = resolvconf.read_host()
        if rec is not None and is_user_defined(rec):
            return resolvconf.internal(host)
        return resolvconf.legacy(host, _host_addresses_among(host.nameservers))


def _check_driver(driver: str) -> None:
    if driver == "bridge":
        return
    if driver in ("host", "null"):
        raise Conflict(f'only one instance of "{driver}" network is allowed')
    raise NotFound(f"could not find plugin {driver} in v1 plugin registry: plugin not found")


def _bridge_name(options: dict, network_id: str) -> str:
    name = options.get(BRIDGE_NAME_OPT) or f"dlb-{network_id[:11]}"
    if len(name) > 15 or not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        raise InvalidArgument(f"invalid bridge name {name}: at most 15 letters, digits, '.', '-' or '_'")
    return name


def _host_addresses_among(candidates: list[str]) -> set[str]:
    """Which of `candidates` are addresses of this host.

    A bind() to an address succeeds only when the host owns it (~10 us); the
    netlink dump it replaces cost ~10 ms of every start. With
    ip_nonlocal_bind set, bind() proves nothing, so the dump is used.
    """
    try:
        nonlocal_bind = open("/proc/sys/net/ipv4/ip_nonlocal_bind").read().strip() != "0"
    except OSError:
        nonlocal_bind = True
    if nonlocal_bind:
        return _host_addresses() & set(candidates)
    found = set()
    for addr in candidates:
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.bind((addr, 0))
            found.add(addr)
        except OSError:
            pass
    return found


def _host_addresses() -> set[str]:
    from pyroute2 import IPRoute
    with IPRoute() as ipr:
        return {a.get("address") for a in ipr.get_addr(family=socket.AF_INET)}
