"""/networks/... and /volumes/...: thin calls to the network manager and the volume store."""
from __future__ import annotations

from .. import events
from ..errors import InvalidArgument, NotFound


def _net_matches(net: dict, filters: dict[str, list[str]]) -> bool:
    for key, values in filters.items():
        if key == "name" and not any(v in net["Name"] for v in values):
            return False
        if key == "id" and not any(net["Id"].startswith(v) for v in values):
            return False
        if key == "driver" and net["Driver"] not in values:
            return False
        if key == "type":
            custom = net["Name"] not in ("bridge", "host", "none")
            if not any((v == "custom") == custom for v in values):
                return False
        if key == "label" and not all((net.get("Labels") or {}).get(v.partition("=")[0]) is not None
                                      for v in values):
            return False
    return True


def networks_list(req) -> None:
    filters = req.filters()
    req.send_json(200, [n for n in req.engine.list_networks() if _net_matches(n, filters)])


def network_inspect(req) -> None:
    req.send_json(200, req.engine.networks.get(req.params["id"]))


def network_create(req) -> None:
    body = req.json()
    name = body.get("Name") or ""
    if not name:
        raise InvalidArgument("network name cannot be empty")
    conf = ((body.get("IPAM") or {}).get("Config") or [{}])
    conf = conf[0] if conf else {}
    net = req.engine.networks.create(name, driver=body.get("Driver") or "bridge", subnet=conf.get("Subnet"),
                                     gateway=conf.get("Gateway"), ip_range=conf.get("IPRange"),
                                     internal=bool(body.get("Internal")), labels=body.get("Labels"),
                                     options=body.get("Options"))
    events.emit(req.engine.settings, "network", "create", net["Id"], {"name": name, "type": net["Driver"]})
    req.send_json(201, {"Id": net["Id"], "Warning": ""})


def network_remove(req) -> None:
    net = req.engine.networks.get(req.params["id"])
    req.engine.networks.remove(req.params["id"])
    events.emit(req.engine.settings, "network", "destroy", net["Id"], {"name": net["Name"], "type": net["Driver"]})
    req.send(204)


def network_prune(req) -> None:
    removed = req.engine.networks.prune()
    req.send_json(200, {"NetworksDeleted": removed or None})


def network_connect(req) -> None:
    from ..network import attach
    eng, body = req.engine, req.json()
    net = eng.networks.get(req.params["id"])
    ep = body.get("EndpointConfig") or {}
    attach.connect(eng, net["Id"], body.get("Container") or "",
                   ip=(ep.get("IPAMConfig") or {}).get("IPv4Address") or None,
                   aliases=list(ep.get("Aliases") or []), mac=ep.get("MacAddress") or None)
    req.send(200)


def network_disconnect(req) -> None:
    from ..network import attach
    eng, body = req.engine, req.json()
    net = eng.networks.get(req.params["id"])
    attach.disconnect(eng, net["Id"], body.get("Container") or "", force=bool(body.get("Force")))
    req.send(200)


def volumes_list(req) -> None:
    filters = req.filters()
    vols = req.engine.list_volumes()
    if "name" in filters:
        vols = [v for v in vols if any(n in v["Name"] for n in filters["name"])]
    if "dangling" in filters:
        dangling = filters["dangling"][0] in ("true", "1")
        vols = [v for v in vols if (not req.engine.volume_users(v["Name"])) == dangling]
    if "label" in filters:
        vols = [v for v in vols if all((v.get("Labels") or {}).get(l.partition("=")[0]) is not None
                                       for l in filters["label"])]
    req.send_json(200, {"Volumes": vols, "Warnings": None})


def volume_create(req) -> None:
    body = req.json()
    vol = req.engine.volumes.create(body.get("Name") or None, labels=body.get("Labels") or {},
                                    driver=body.get("Driver") or "local",
                                    anonymous=not body.get("Name"))     # prune takes unnamed ones
    events.emit(req.engine.settings, "volume", "create", vol["Name"], {"driver": vol["Driver"]})
    req.send_json(201, vol)


def volume_inspect(req) -> None:
    req.send_json(200, req.engine.volumes.get(req.params["name"]))


def volume_remove(req) -> None:
    name = req.params["name"]
    if not req.engine.volumes.exists(name) and not req.qbool("force"):
        raise NotFound(f"get {name}: no such volume")
    req.engine.remove_volume(name, force=req.qbool("force"))
    events.emit(req.engine.settings, "volume", "destroy", name, {"driver": "local"})
    req.send(204)


def volume_prune(req) -> None:
    eng = req.engine
    every = "all" in req.filters() and req.filters()["all"][0] in ("true", "1")
    removed = []
    for v in eng.list_volumes():
        if (every or eng.volumes.is_anonymous(v["Name"])) and not eng.volume_users(v["Name"]):
            eng.remove_volume(v["Name"])
            removed.append(v["Name"])
    req.send_json(200, {"VolumesDeleted": removed or None, "SpaceReclaimed": 0})


ROUTES = [
    ("GET", "/networks", networks_list),
    ("POST", "/networks/create", network_create),
    ("POST", "/networks/prune", network_prune),
    ("GET", "/networks/{id}", network_inspect),
    ("DELETE", "/networks/{id}", network_remove),
    ("POST", "/networks/{id}/connect", network_connect),
    ("POST", "/networks/{id}/disconnect", network_disconnect),
    ("GET", "/volumes", volumes_list),
    ("POST", "/volumes/create", volume_create),
    ("POST", "/volumes/prune", volume_prune),
    ("GET", "/volumes/{name}", volume_inspect),
    ("DELETE", "/volumes/{name}", volume_remove),
]
