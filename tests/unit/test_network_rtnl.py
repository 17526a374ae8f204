"""rtnl.py's encoding and decoding, checked against byte layouts of the kernel's UAPI."""
from __future__ import annotations

import errno
import struct

from dockerlab.engine.network import rtnl


def test_attributes_are_padded_to_four_bytes_and_parse_back():
    data = rtnl.attr(rtnl.IFLA_IFNAME, b"eth0\0") + rtnl.attr(rtnl.IFLA_MASTER, struct.pack("=I", 7))
    assert data[:4] == struct.pack("=HH", 9, rtnl.IFLA_IFNAME) and len(data) == 12 + 8
    attrs = rtnl.parse_attrs(data)
    assert attrs[rtnl.IFLA_IFNAME] == b"eth0\0" and struct.unpack("=I", attrs[rtnl.IFLA_MASTER]) == (7,)


def test_nested_flag_is_ignored_when_parsing():
    nested = rtnl.attr(rtnl.IFLA_LINKINFO | 0x8000, rtnl.attr(rtnl.IFLA_INFO_KIND, b"veth"))
    inner = rtnl.parse_attrs(rtnl.parse_attrs(nested)[rtnl.IFLA_LINKINFO])
    assert inner[rtnl.IFLA_INFO_KIND] == b"veth"


def test_a_link_message_gives_index_flags_name_alias_and_peer_namespace():
    payload = (rtnl.ifinfo(12, rtnl.IFF_UP) + rtnl.attr(rtnl.IFLA_IFNAME, b"dlv0123\0")
               + rtnl.attr(rtnl.IFLA_IFALIAS, b"dockerlab /x\0")
               + rtnl.attr(rtnl.IFLA_LINK_NETNSID, struct.pack("=i", 3)))
    link = rtnl.parse_link(payload)
    assert (link.index, link.up, link.name, link.alias, link.netnsid) == (12, True, "dlv0123", "dockerlab /x", 3)
    assert rtnl.parse_link(rtnl.ifinfo(1)).netnsid is None


def test_an_error_ack_keeps_the_kernels_extended_message():
    request_header = struct.pack("=IHHII", 16, rtnl.RTM_NEWADDR, 5, 1, 0)
    payload = (struct.pack("=i", -errno.EEXIST) + request_header
               + rtnl.attr(rtnl.NLMSGERR_ATTR_MSG, b"ipv4: Address already assigned\0"))
    err = rtnl._error(errno.EEXIST, payload, rtnl.NLM_F_CAPPED | rtnl.NLM_F_ACK_TLVS)
    assert err.errno == errno.EEXIST
    assert str(err) == "[Errno 17] File exists: ipv4: Address already assigned"
    assert str(rtnl._error(errno.ENODEV, payload[:20], 0)) == "[Errno 19] No such device"
