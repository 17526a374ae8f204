"""IPAM without a kernel: subnet choice, Docker's validation messages, allocation."""
from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, strategies as st

from dockerlab.engine.errors import Conflict, EngineError, InvalidArgument
from dockerlab.engine.network import ipam

N = ipaddress.ip_network


def test_choice_skips_docker0_and_anything_taken():
    assert ipam.choose_subnet([]) == N("172.18.0.0/16")
    taken = [N("172.18.5.0/24"), N("172.19.0.0/16"), N("172.20.0.1/32")]
    assert ipam.choose_subnet(taken) == N("172.21.0.0/16")
    assert ipam.choose_subnet([N("172.16.0.0/12")]) == N("192.168.0.0/20")


def test_no_pool_left_is_dockers_message():
    with pytest.raises(EngineError, match="could not find an available, non-overlapping IPv4"):
        ipam.choose_subnet([N("172.16.0.0/12"), N("192.168.0.0/16")])


@given(st.lists(st.integers(0, 2**32 - 1).map(ipaddress.IPv4Address), max_size=20),
       st.integers(8, 32))
def test_choice_never_overlaps(addresses, prefix):
    taken = [ipaddress.ip_network(f"{a}/{prefix}", strict=False) for a in addresses]
    try:
        got = ipam.choose_subnet(taken)
    except EngineError:
        return
    assert not any(got.overlaps(t) for t in taken) and not got.overlaps(ipam.DOCKER0)


@pytest.mark.parametrize("args, message", [
    (("10.0.0.0/33", None, None), "invalid CIDR address: 10.0.0.0/33"),
    (("nonsense", None, None), "invalid CIDR address: nonsense"),
    (("10.0.0.0", None, None), "invalid CIDR address: 10.0.0.0"),
    (("10.1.2.3/24", None, None), "invalid network config:\ninvalid subnet 10.1.2.3/24: it should be 10.1.2.0/24"),
    ((None, "10.0.0.1", None), "every ip-range or gateway must have a corresponding subnet"),
    (("10.0.0.0/24", "10.0.1.1", None), "no matching subnet for gateway 10.0.1.1"),
    (("10.0.0.0/24", None, "10.0.1.0/25"), "no matching subnet for range 10.0.1.0/25"),
    (("10.0.0.0/24", None, "10.0.0.0/16"),
     "invalid network config:\ninvalid ip-range 10.0.0.0/16: CIDR block is bigger than its parent subnet 10.0.0.0/24"),
    (("10.0.0.0/24", None, "10.0.0.130/25"),
     "invalid network config:\ninvalid ip-range 10.0.0.130/25: it should be 10.0.0.128/25"),
])
def test_validation_messages(args, message):
    with pytest.raises(InvalidArgument) as err:
        ipam.ipam_config(*args)
    assert str(err.value) == message


def test_config_defaults_the_gateway_and_keeps_ranges():
    assert ipam.ipam_config(None, None, None) is None
    assert ipam.ipam_config("10.0.0.0/24", None, None) == {"Subnet": "10.0.0.0/24", "Gateway": "10.0.0.1"}
    assert ipam.ipam_config("10.0.0.0/24", "10.0.0.254", "10.0.0.128/25") == {
        "Subnet": "10.0.0.0/24", "Gateway": "10.0.0.254", "IPRange": "10.0.0.128/25"}


CONF = {"Subnet": "10.0.0.0/29", "Gateway": "10.0.0.1"}


def test_allocation_lowest_free_then_full():
    assert ipam.allocate(CONF, [], None, "n", "id") == "10.0.0.2"
    assert ipam.allocate(CONF, ["10.0.0.2", "10.0.0.4"], None, "n", "id") == "10.0.0.3"
    with pytest.raises(EngineError) as err:
        ipam.allocate(CONF, [f"10.0.0.{i}" for i in range(2, 7)], None, "n", "id")
    assert str(err.value) == "no available IPv4 addresses on this network's address pools: n (id)"


def test_allocation_within_ip_range():
    conf = {"Subnet": "10.0.0.0/24", "Gateway": "10.0.0.1", "IPRange": "10.0.0.128/25"}
    assert ipam.allocate(conf, [], None, "n", "id") == "10.0.0.128"


def test_requested_addresses():
    assert ipam.allocate(CONF, [], "10.0.0.5", "n", "id") == "10.0.0.5"
    with pytest.raises(Conflict, match="^Address already in use$"):
        ipam.allocate(CONF, ["10.0.0.5"], "10.0.0.5", "n", "id")
    with pytest.raises(Conflict, match="^Address already in use$"):
        ipam.allocate(CONF, [], "10.0.0.1", "n", "id")            # the gateway
    with pytest.raises(InvalidArgument, match="no configured subnet contains IP address 10.9.0.5"):
        ipam.allocate(CONF, [], "10.9.0.5", "n", "id")
    with pytest.raises(InvalidArgument, match="invalid IPv4 address: 0.0.0.0"):
        ipam.allocate(CONF, [], "0.0.0.0", "n", "id")


def test_macs():
    assert ipam.mac_for("172.18.0.2") == "02:42:ac:12:00:02"
    mac = ipam.random_mac()
    assert mac.startswith("02:42:") and len(mac) == 17
