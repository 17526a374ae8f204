"""Network records: Docker's JSON shapes and Docker's lookup rules (files only, no root)."""
from __future__ import annotations

import pytest

from dockerlab.engine.errors import InvalidArgument, NotFound
from dockerlab.engine.network import render
from dockerlab.engine.network.store import NetworkStore
from dockerlab.engine.settings import Settings

INSPECT_KEYS = ["Name", "Id", "Created", "Scope", "Driver", "EnableIPv4", "EnableIPv6", "IPAM",
                "Internal", "Attachable", "Ingress", "ConfigFrom", "ConfigOnly", "Containers",
                "Options", "Labels"]
ENDPOINT_KEYS = ["IPAMConfig", "Links", "Aliases", "MacAddress", "DriverOpts", "GwPriority",
                 "NetworkID", "EndpointID", "Gateway", "IPAddress", "IPPrefixLen", "IPv6Gateway",
                 "GlobalIPv6Address", "GlobalIPv6PrefixLen", "DNSNames"]

EP = {"Name": "web", "EndpointID": "e" * 64, "IPAddress": "10.0.0.2", "IPPrefixLen": 24,
      "Gateway": "10.0.0.1", "MacAddress": "02:42:0a:00:00:02", "StaticIP": None,
      "Aliases": ["www"], "LinkPairs": [["db", "database"]], "DNSNames": ["web", "www", "c" * 12],
      "HostVeth": "dlv0123456789"}


def record(name="front"):
    rec = render.new_record(name, "bridge", [{"Subnet": "10.0.0.0/24", "Gateway": "10.0.0.1"}],
                            labels={"k": "v"})
    rec["_lab"]["endpoints"]["c" * 64] = dict(EP)
    return rec


def test_inspect_has_dockers_keys_in_order_and_hides_private_data():
    out = render.inspect(record())
    assert list(out) == INSPECT_KEYS
    assert out["Containers"]["c" * 64] == {"Name": "web", "EndpointID": "e" * 64,
                                           "MacAddress": "02:42:0a:00:00:02",
                                           "IPv4Address": "10.0.0.2/24", "IPv6Address": ""}
    assert len(out["Id"]) == 64 and out["Created"].count("T") == 1


def test_endpoint_settings_shape():
    rec = record()
    out = render.endpoint_settings(rec, EP)
    assert list(out) == ENDPOINT_KEYS
    assert out["Links"] == ["db:database"] and out["IPAMConfig"] is None
    assert out["NetworkID"] == rec["Id"] and out["DNSNames"] == ["web", "www", "c" * 12]


def test_lookup_rules(tmp_path):
    store = NetworkStore(Settings.load(tmp_path))
    a, b = record("alpha"), record("beta")
    a["Id"], b["Id"] = "ab" + "0" * 62, "ac" + "1" * 62
    store.save(a)
    store.save(b)
    assert store.find("alpha")["Id"] == a["Id"]
    assert store.find("ab")["Name"] == "alpha"
    assert store.find(b["Id"])["Name"] == "beta"
    with pytest.raises(InvalidArgument, match=r"^network a is ambiguous \(2 matches found based on ID prefix\)$"):
        store.find("a")
    with pytest.raises(NotFound, match="^network gamma not found$"):
        store.find("gamma")
    store.delete(a)
    assert [r["Name"] for r in store.all()] == ["beta"]
