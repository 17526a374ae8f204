"""Docker's JSON shapes: a new network record, `network inspect`, endpoint settings.

Key names and order follow the Docker Engine API (v1.48+), so `--format`
templates written for Docker work unchanged on dockerlab.
"""
from __future__ import annotations

import copy
import datetime
import os

DEFAULT_BRIDGE_OPTIONS = {
    "com.docker.network.bridge.default_bridge": "true",
    "com.docker.network.bridge.enable_icc": "true",
    # the lab has no NAT: nothing leaves it
    "com.docker.network.bridge.enable_ip_masquerade": "false",
    "com.docker.network.bridge.host_binding_ipv4": "0.0.0.0",
    "com.docker.network.driver.mtu": "1500",
}


def now() -> str:
    """RFC 3339 with nanoseconds and local offset, as Docker prints `Created`."""
    t = datetime.datetime.now().astimezone()
    zone = "Z" if not t.utcoffset() else t.isoformat()[-6:]
    return t.strftime("%Y-%m-%dT%H:%M:%S") + f".{t.microsecond * 1000:09d}" + zone


def new_id() -> str:
    return os.urandom(32).hex()


def new_record(name: str, driver: str, ipam: list[dict], *, internal: bool = False,
               labels: dict | None = None, options: dict | None = None,
               bridge: str = "") -> dict:
    return {
        "Name": name, "Id": new_id(), "Created": now(), "Scope": "local",
        "Driver": driver, "EnableIPv4": driver == "bridge", "EnableIPv6": False,
        "IPAM": {"Driver": "default", "Options": None if driver != "bridge" else {},
                 "Config": ipam},
        "Internal": internal, "Attachable": False, "Ingress": False,
        "ConfigFrom": {"Network": ""}, "ConfigOnly": False,
        "Options": dict(options or {}), "Labels": dict(labels or {}),
        "_lab": {"bridge": bridge, "endpoints": {}},
    }


def inspect(rec: dict) -> dict:
    """The `docker network inspect` document of a record."""
    out = {k: copy.deepcopy(v) for k, v in rec.items() if k != "_lab"}
    containers = {}
    for cid, ep in rec.get("_lab", {}).get("endpoints", {}).items():
        containers[cid] = {"Name": ep["Name"], "EndpointID": ep["EndpointID"],
                           "MacAddress": ep["MacAddress"],
                           "IPv4Address": f"{ep['IPAddress']}/{ep['IPPrefixLen']}",
                           "IPv6Address": ""}
    keys = list(out)
    pos = keys.index("ConfigOnly") + 1
    ordered = {k: out[k] for k in keys[:pos]}
    ordered["Containers"] = containers
    ordered.update({k: out[k] for k in keys[pos:]})
    return ordered


def endpoint_settings(rec: dict, ep: dict) -> dict:
    """Docker's NetworkSettings.Networks[<name>] entry for an endpoint."""
    return {
        "IPAMConfig": {"IPv4Address": ep["StaticIP"]} if ep.get("StaticIP") else None,
        "Links": [f"{t}:{a}" for t, a in ep.get("LinkPairs", [])] or None,
        "Aliases": list(ep.get("Aliases", [])) or None,
        "MacAddress": ep["MacAddress"],
        "DriverOpts": None,
        "GwPriority": 0,
        "NetworkID": rec["Id"],
        "EndpointID": ep["EndpointID"],
        "Gateway": ep.get("Gateway", ""),
        "IPAddress": ep["IPAddress"],
        "IPPrefixLen": ep["IPPrefixLen"],
        "IPv6Gateway": "",
        "GlobalIPv6Address": "",
        "GlobalIPv6PrefixLen": 0,
        "DNSNames": list(ep.get("DNSNames", [])) or None,
    }
