"""The Engine API's list shapes, made from the engine's inspect documents.

`docker ps`, `docker images` and docker-py read summaries (ContainerSummary,
ImageSummary in moby's swagger.yaml) that differ from the inspect documents
the engine keeps: names with a slash, ports as a list, unix times. The
status text is the daemon's `State.String()`, shared with the CLI's units.
"""
from __future__ import annotations

from dockerlab.cli import units


def unix_time(stamp) -> int:
    moment = units.parse_timestamp(stamp)
    return int(moment.timestamp()) if moment else 0


def port_list(ports: dict | None) -> list[dict]:
    """{"80/tcp": [{"HostIp", "HostPort"}]} -> [{"IP", "PrivatePort", "PublicPort", "Type"}]."""
    out = []
    for key, binds in sorted((ports or {}).items()):
        number, _, proto = key.partition("/")
        if not binds:
            out.append({"PrivatePort": int(number), "Type": proto or "tcp"})
            continue
        for b in binds:
            out.append({"IP": b.get("HostIp") or "0.0.0.0", "PrivatePort": int(number),
                        "PublicPort": int(b.get("HostPort") or 0), "Type": proto or "tcp"})
    return out


def empty_endpoint(network_id: str) -> dict:
    return {"IPAMConfig": None, "Links": None, "Aliases": None, "MacAddress": "", "DriverOpts": None,
            "GwPriority": 0, "NetworkID": network_id, "EndpointID": "", "Gateway": "", "IPAddress": "",
            "IPPrefixLen": 0, "IPv6Gateway": "", "GlobalIPv6Address": "", "GlobalIPv6PrefixLen": 0,
            "DNSNames": None}


def fill_networks(view: dict, network_ids: dict[str, str]) -> dict:
    """A stopped container still lists its networks (with empty addresses), as dockerd shows."""
    ns = view.get("NetworkSettings") or {}
    mode = (view.get("HostConfig") or {}).get("NetworkMode") or "bridge"
    if not ns.get("Networks") and not mode.startswith("container:"):
        name = "bridge" if mode == "default" else mode
        if name in network_ids:
            ns["Networks"] = {name: empty_endpoint(network_ids[name])}
    return view


def network_ids(engine) -> dict[str, str]:
    try:
        return {n["Name"]: n["Id"] for n in engine.list_networks()}
    except Exception:  # noqa: BLE001 - a listing must not fail on the network store
        return {}


def container_summary(c: dict) -> dict:
    """One element of GET /containers/json from an inspect document."""
    state = c["State"]
    nets = c["NetworkSettings"].get("Networks") or {}
    return {
        "Id": c["Id"], "Names": [c["Name"] if c["Name"].startswith("/") else "/" + c["Name"]],
        "Image": c["Config"].get("Image", ""), "ImageID": c["Image"],
        "Command": " ".join([c["Path"], *c["Args"]]), "Created": unix_time(c["Created"]),
        "Ports": port_list(c["NetworkSettings"].get("Ports")),
        "Labels": c["Config"].get("Labels") or {}, "State": state["Status"],
        "Status": units.container_status(state),
        "HostConfig": {"NetworkMode": c["HostConfig"].get("NetworkMode", "bridge")},
        "NetworkSettings": {"Networks": nets},
        "Mounts": [{k: v for k, v in m.items()} for m in c.get("Mounts") or []],
    }


def image_summary(store, image) -> dict:
    """One element of GET /images/json."""
    return {
        "Id": image.id, "ParentId": image.parent or "", "RepoTags": list(image.repo_tags),
        "RepoDigests": list(image.repo_digests), "Created": unix_time(image.created),
        "Size": image.size, "SharedSize": -1, "VirtualSize": image.size,
        "Labels": image.labels or {}, "Containers": -1,
    }


def _label_match(labels: dict, wanted: list[str]) -> bool:
    for item in wanted:
        key, eq, value = item.partition("=")
        if key not in labels or (eq and labels[key] != value):
            return False
    return True


def container_matches(c: dict, filters: dict[str, list[str]]) -> bool:
    """Docker's `ps --filter` keys the course uses: id, name, status, label, ancestor, exited,
    network, volume, health."""
    checks = {
        "id": lambda v: c["Id"].startswith(v),
        "name": lambda v: v.lstrip("/") in c["Name"].lstrip("/"),
        "status": lambda v: c["State"]["Status"] == v,
        "ancestor": lambda v: v in (c["Config"].get("Image"), c["Image"], c["Image"].split(":")[-1][:len(v)]),
        "exited": lambda v: c["State"]["Status"] == "exited" and str(c["State"]["ExitCode"]) == v,
        "network": lambda v: v in (c["NetworkSettings"].get("Networks") or {}) or v == c["HostConfig"].get("NetworkMode"),
        "volume": lambda v: any(v in (m.get("Name"), m.get("Destination")) for m in c.get("Mounts") or []),
        "health": lambda v: ((c["State"].get("Health") or {}).get("Status") or "none") == v,
    }
    for key, values in filters.items():
        if key == "label":
            if not _label_match(c["Config"].get("Labels") or {}, values):
                return False
        elif key in checks and values and not any(checks[key](v) for v in values):
            return False
    return True
