"""--dns/--dns-search/--dns-option applied to the resolv.conf dockerlab writes (network/legacy.py)."""
from __future__ import annotations

from dockerlab.engine.network import resolvconf
from dockerlab.engine.network.legacy import dns_overrides

HOST = resolvconf.HostResolv(nameservers=["192.0.2.53"], search=["corp.example"],
                             options=["edns0"])
HEADER = resolvconf.HEADER


def test_no_option_leaves_the_file_alone():
    text = resolvconf.legacy(HOST, set())
    assert dns_overrides(text, {"Dns": [], "DnsSearch": [], "DnsOptions": []}) == text


def test_default_bridge_nameservers_are_replaced_in_dockers_order():
    text = resolvconf.legacy(HOST, set())
    out = dns_overrides(text, {"Dns": ["10.9.9.9", "10.9.9.8"], "DnsSearch": ["lab.local"],
                               "DnsOptions": ["ndots:2"]})
    assert out == (HEADER + "\nnameserver 10.9.9.9\nnameserver 10.9.9.8\nsearch lab.local\n"
                   "options ndots:2\n\n# Based on host file: '/etc/resolv.conf' (legacy)\n"
                   "# Overrides: [nameservers search options]\n")


def test_offline_note_goes_once_a_nameserver_is_given():
    text = resolvconf.legacy(resolvconf.HostResolv(nameservers=["127.0.0.53"]), set())
    assert "# No usable nameserver" in text
    out = dns_overrides(text, {"Dns": ["10.9.9.9"]})
    assert "# No usable nameserver" not in out and "\nnameserver 10.9.9.9\n" in out
    assert out.endswith("# Overrides: [nameservers]\n")


def test_user_network_keeps_the_embedded_server_and_notes_the_upstreams():
    text = resolvconf.internal(HOST)
    out = dns_overrides(text, {"Dns": ["10.9.9.9"]})
    assert "\nnameserver 127.0.0.11\nsearch corp.example\noptions edns0 ndots:0\n" in out
    assert "10.9.9.9" not in out.split("# Based on")[0]
    assert "# ExtServers: [10.9.9.9]\n# Overrides: [nameservers]\n" in out
