"""Embedded DNS without sockets: wire format (checked against hand-written RFC 1035
bytes) and the answers each container gets from the network records."""
from __future__ import annotations

import pytest

from dockerlab.engine.network import dnsnames, dnswire

QUERY_WEB = bytes.fromhex("abcd 0100 0001 0000 0000 0000 03 776562 00 0001 0001".replace(" ", ""))


def ep(name, ip, *names, links=()):
    return {"Name": name, "IPAddress": ip, "DNSNames": [name, *names],
            "LinkPairs": [list(p) for p in links]}


def net(name, subnet, **eps):
    return {"Name": name, "IPAM": {"Config": [{"Subnet": subnet}]},
            "_lab": {"bridge": "x", "endpoints": eps}}


RECORDS = [
    net("front", "10.0.0.0/24",
        a=ep("web", "10.0.0.2", "www", "aaaaaaaaaaaa"),
        b=ep("db", "10.0.0.3", links=[("web", "site")]),
        d=ep("web2", "10.0.0.4", "www")),
    net("back", "10.0.1.0/24", c=ep("cache", "10.0.1.2"), a=ep("web", "10.0.1.3")),
    net("bridge", "172.20.0.0/16", e=ep("legacy", "172.20.0.2")),
]


def test_parse_query_reads_the_question():
    q = dnswire.parse_query(QUERY_WEB)
    assert (q.id, q.name, q.qtype, q.qclass) == (0xABCD, "web", dnswire.TYPE_A, dnswire.CLASS_IN)
    assert dnswire.build_query(0xABCD, "web") == QUERY_WEB


def test_a_reply_bytes_match_rfc_1035():
    expected = bytes.fromhex(
        "abcd 8580 0001 0001 0000 0000 03776562 00 0001 0001"
        " c00c 0001 0001 00000258 0004 0a000002".replace(" ", ""))
    assert dnsnames.answer(RECORDS, "b", QUERY_WEB) == expected


@pytest.mark.parametrize("data", [b"", b"\x00" * 5, QUERY_WEB[:14],
                                  bytes.fromhex("abcd8180000100000000000003776562000001 0001".replace(" ", ""))])
def test_garbage_and_replies_are_ignored(data):
    assert dnsnames.answer(RECORDS, "b", data) is None


def ask(container, name, qtype=dnswire.TYPE_A):
    out = dnsnames.answer(RECORDS, container, dnswire.build_query(7, name, qtype))
    qid, rcode, answers = dnswire.parse_reply(out)
    assert qid == 7
    return rcode, answers


def test_names_aliases_short_ids_and_network_suffix():
    assert ask("b", "web") == (dnswire.NOERROR, [(1, bytes([10, 0, 0, 2]))])
    assert ask("b", "WEB.front.") == (dnswire.NOERROR, [(1, bytes([10, 0, 0, 2]))])
    assert ask("b", "aaaaaaaaaaaa")[1] == [(1, bytes([10, 0, 0, 2]))]
    # an alias shared by two containers answers both (round robin in Docker)
    assert sorted(ask("b", "www")[1]) == [(1, bytes([10, 0, 0, 2])), (1, bytes([10, 0, 0, 4]))]


def test_a_container_on_two_networks_sees_both():
    assert ask("a", "cache")[1] == [(1, bytes([10, 0, 1, 2]))]
    assert ask("a", "web.back")[1] == [(1, bytes([10, 0, 1, 3]))]


def test_other_networks_are_invisible():
    assert ask("c", "db") == (dnswire.NXDOMAIN, [])
    assert ask("b", "cache") == (dnswire.NXDOMAIN, [])


def test_links_resolve_only_for_the_linking_container():
    assert ask("b", "site")[1] == [(1, bytes([10, 0, 0, 2]))]
    assert ask("d", "site") == (dnswire.NXDOMAIN, [])


def test_known_name_without_ipv6_is_nodata():
    assert ask("b", "web", dnswire.TYPE_AAAA) == (dnswire.NOERROR, [])


def test_outside_names_are_refused_never_forwarded():
    assert ask("b", "example.com") == (dnswire.REFUSED, [])
    assert ask("b", "nothing.front") == (dnswire.NXDOMAIN, [])


def test_default_bridge_has_no_names():
    assert ask("e", "legacy") == (dnswire.NXDOMAIN, [])


def test_reverse_lookup():
    rcode, answers = ask("b", "2.0.0.10.in-addr.arpa", dnswire.TYPE_PTR)
    assert rcode == dnswire.NOERROR
    assert answers == [(dnswire.TYPE_PTR, dnswire.encode_name("web.front"))]
    assert ask("b", "9.0.0.10.in-addr.arpa", dnswire.TYPE_PTR) == (dnswire.NXDOMAIN, [])
    assert ask("b", "8.8.8.8.in-addr.arpa", dnswire.TYPE_PTR) == (dnswire.REFUSED, [])


def test_encode_name_rejects_bad_labels():
    with pytest.raises(dnswire.WireError):
        dnswire.encode_name("a" * 64 + ".lab")
