"""What dockerd's create handler adjusts by API version before creating: the container-wide MacAddress.

API 1.44 moved the MAC address to the endpoint (EndpointsConfig[net].MacAddress);
`Config.MacAddress` (docker-py still sends it) is migrated to the endpoint of
the container's network mode, as dockerd's handleMACAddressBC does: silently
before 1.44, with a warning from 1.44 on, where the field is then emptied.
"""
from __future__ import annotations

from ..errors import InvalidArgument

MAC_WARNING = ("The container-wide MacAddress field is now deprecated. "
               "It should be specified in EndpointsConfig instead.")


def _network_name(mode: str) -> str | None:
    """The network a bridge or user-defined NetworkMode names; None for host, none, container:..."""
    if mode in ("", "default", "bridge"):
        return "bridge"
    if mode in ("host", "none") or mode.startswith("container:"):
        return None
    return mode


def migrate_mac_address(body: dict, version: tuple[int, int]) -> list[str]:
    """Move body["MacAddress"] into the endpoint config; returns dockerd's warnings."""
    mac = body.get("MacAddress") or ""
    hc = body.get("HostConfig") or {}
    nc = body.setdefault("NetworkingConfig", {}) or {}
    body["NetworkingConfig"] = nc
    eps = nc.get("EndpointsConfig") or {}
    nc["EndpointsConfig"] = eps
    name = _network_name(hc.get("NetworkMode") or "")
    if version < (1, 44):
        if not mac:
            for ep in eps.values():
                (ep or {}).pop("MacAddress", None)
            return []
        if name is None:
            raise InvalidArgument("conflicting options: mac-address and the network mode")
        if not eps:
            eps[name] = {}
        for key in list(eps):
            eps[key] = {**(eps[key] or {}), "MacAddress": mac}
        return []
    if not mac:
        return []
    if name is not None:
        if not eps:
            eps[name] = {"MacAddress": mac}
        elif name not in eps:
            raise InvalidArgument("if a container-wide MAC address is supplied, HostConfig.NetworkMode must "
                                  "match the identity of a network in NetworkSettings.Networks")
        elif not (eps[name] or {}).get("MacAddress"):
            eps[name] = {**(eps[name] or {}), "MacAddress": mac}
        elif eps[name]["MacAddress"] != mac:
            raise InvalidArgument("the container-wide MAC address must match the endpoint-specific MAC "
                                  "address for the main network, or be left empty")
    body["MacAddress"] = ""
    return [MAC_WARNING]
