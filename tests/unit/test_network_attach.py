"""Which networks a container record keeps, and how a stopped container shows them."""
from __future__ import annotations

from dockerlab.engine.network import attach


def _record(mode: str = "bridge", endpoints: dict | None = None, complete: bool = False) -> dict:
    nc = {"EndpointsConfig": endpoints} if endpoints is not None else {}
    if complete:
        nc[attach.COMPLETE] = True
    return {"Id": "c" * 64, "Name": "/web", "Config": {"Hostname": ""},
            "HostConfig": {"NetworkMode": mode}, "NetworkingConfig": nc}


def test_the_network_mode_is_implied_until_the_first_change():
    assert list(attach.configured(_record())) == ["bridge"]
    # `docker run` through the API keys the default network as "default"
    assert list(attach.configured(_record("default", {"default": {"Aliases": None}}))) == ["bridge"]
    rec = _record("front", {"back": {"Aliases": ["b"]}, "front": {"Aliases": ["f"]}})
    assert list(attach.configured(rec)) == ["front", "back"]          # the mode's network first
    assert attach.configured(rec)["front"] == {"Aliases": ["f"]}
    assert attach.configured(_record("bridge", {}, complete=True)) == {}   # all disconnected


def test_shared_namespaces_plug_nothing():
    for mode in ("none", "host", "container:abc"):
        assert attach.configured(_record(mode)) == {}


def test_endpoint_options_from_a_recorded_config():
    ep = {"IPAMConfig": {"IPv4Address": "10.1.2.3"}, "Aliases": ["db"], "MacAddress": "02:42:0a:01:02:03"}
    assert attach.endpoint_options(ep) == {"ip": "10.1.2.3", "aliases": ["db"], "mac": "02:42:0a:01:02:03"}
    assert attach.endpoint_options({}) == {"ip": None, "aliases": [], "mac": None}


def test_a_stopped_container_shows_its_config_without_operational_data():
    rec = _record("bridge", {"bridge": {}, "usr": {"IPAMConfig": {"IPv4Address": "10.1.2.3"},
                                                    "Aliases": ["www"], "NetworkID": "n" * 64}},
                  complete=True)
    nets = attach.stopped_networks(rec, {"NetworkSettings": {}})
    assert list(nets) == ["bridge", "usr"]
    assert nets["usr"]["IPAMConfig"] == {"IPv4Address": "10.1.2.3"}
    assert (nets["usr"]["IPAddress"], nets["usr"]["EndpointID"], nets["usr"]["MacAddress"]) == ("", "", "")
    assert nets["usr"]["NetworkID"] == "n" * 64
    assert nets["usr"]["DNSNames"] == ["web", "www", "c" * 12]
    assert nets["bridge"]["DNSNames"] is None and nets["bridge"]["Aliases"] is None
