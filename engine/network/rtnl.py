"""A small rtnetlink client for the container start path: one socket, few requests.

Plugging a container took ~20 pyroute2 calls and ~15 ms: pyroute2 runs an
asyncio loop for every request (0.3-0.5 ms of Python each), finds a link by
name by dumping every link, and costs ~90 ms to import in each CLI process.
The start path needs only a handful of messages, encoded here from the
kernel's UAPI headers (linux/netlink.h, rtnetlink.h, if_link.h, if_addr.h,
veth.h), over a plain blocking socket: a request costs tens of microseconds
plus the kernel's own work. A socket keeps the network namespace it was
created in (see `open_in`), so a container's addresses are set from the
caller's thread, which never leaves the host namespace.
Everything else (bridges, rules, teardown, tests) keeps using pyroute2.
"""
from __future__ import annotations

import errno
import ipaddress
import os
import socket
import struct
from dataclasses import dataclass

from .netns import created_in, netns_path

NETLINK_ROUTE = 0
NETLINK_CAP_ACK, NETLINK_EXT_ACK = 10, 11
SOL_NETLINK = 270
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK = 0x1, 0x2, 0x4
NLM_F_DUMP, NLM_F_EXCL, NLM_F_CREATE = 0x300, 0x200, 0x400
NLM_F_CAPPED, NLM_F_ACK_TLVS = 0x100, 0x200   # in an NLMSG_ERROR: request cut, ack attrs follow
NLMSGERR_ATTR_MSG = 1
RTM_NEWLINK, RTM_DELLINK, RTM_GETLINK, RTM_SETLINK = 16, 17, 18, 19
RTM_NEWADDR, RTM_NEWROUTE, RTM_NEWRULE, RTM_GETNSID = 20, 24, 32, 90
IFLA_ADDRESS, IFLA_IFNAME, IFLA_MASTER, IFLA_LINKINFO = 1, 3, 10, 18
IFLA_IFALIAS, IFLA_NET_NS_FD, IFLA_EXT_MASK, IFLA_LINK_NETNSID = 20, 28, 29, 37
NETNSA_NSID = 1
IFLA_INFO_KIND, IFLA_INFO_DATA, VETH_INFO_PEER = 1, 2, 1
RTEXT_FILTER_SKIP_STATS = 1 << 3
IFA_ADDRESS, IFA_LOCAL, IFA_BROADCAST = 1, 2, 4
RTA_GATEWAY = 5
IFF_UP = 0x1
LOOPBACK_IFINDEX = 1     # `lo` has index 1 in every network namespace
RT_TABLE_MAIN, RTPROT_BOOT, RT_SCOPE_UNIVERSE, RTN_UNICAST = 254, 3, 0, 1
FRA_DST, FRA_PRIORITY, FRA_SUPPRESS_PREFIXLEN, FRA_TABLE = 1, 6, 14, 15
FR_ACT_TO_TBL, FR_ACT_UNREACHABLE = 1, 7
# a container's rules, before the kernel's own "lookup main" (32766): see _lab_only_rules
RULE_LAB_SUBNETS, RULE_OWN_ROUTES, RULE_UNREACHABLE = 32000, 32001, 32002

_NLMSGHDR = struct.Struct("=IHHII")      # len, type, flags, seq, pid
_IFINFOMSG = struct.Struct("=BxHiII")    # family, type, index, flags, change
_IFADDRMSG = struct.Struct("=BBBBI")     # family, prefixlen, flags, scope, index
_RTMSG = struct.Struct("=BBBBBBBBI")     # family, dst_len, src_len, tos, table, proto, scope, type, flags
_FIBRULEHDR = struct.Struct("=BBBBBBBBI")   # family, dst_len, src_len, tos, table, res1, res2, action, flags
_RTATTR = struct.Struct("=HH")


class NetlinkError(OSError):
    """The kernel refused a request: `errno` as the kernel said, message for people."""


@dataclass
class Link:
    index: int
    flags: int
    name: str
    alias: str | None
    netnsid: int | None = None     # id (here) of the namespace of a veth's peer, when elsewhere

    @property
    def up(self) -> bool:
        return bool(self.flags & IFF_UP)


# -- encoding -----------------------------------------------------------------------
def attr(kind: int, data: bytes) -> bytes:
    """One rtattr, padded to 4 bytes (nested attributes are attrs of attrs)."""
    size = _RTATTR.size + len(data)
    return _RTATTR.pack(size, kind) + data + b"\0" * (-size % 4)


def _cstr(text: str) -> bytes:
    return text.encode() + b"\0"


def _u32(value: int) -> bytes:
    return struct.pack("=I", value)


def _mac(text: str) -> bytes:
    return bytes(int(x, 16) for x in text.split(":"))


def ifinfo(index: int = 0, flags: int = 0, change: int = 0) -> bytes:
    return _IFINFOMSG.pack(socket.AF_UNSPEC, 0, index, flags, change)


def _default_route(gateway: str) -> bytes:
    return (_RTMSG.pack(socket.AF_INET, 0, 0, 0, RT_TABLE_MAIN, RTPROT_BOOT,
                        RT_SCOPE_UNIVERSE, RTN_UNICAST, 0)
            + attr(RTA_GATEWAY, ipaddress.ip_address(gateway).packed))


def _lab_only_rules(lab_subnets: tuple[str, ...]) -> list[tuple[int, int, bytes]]:
    """The rules that keep a container's packets in the lab, and say so at once.

    Packets for the lab's networks look up the main table as usual (through
    the default route for another network's subnet: the host then drops them,
    isolation.py, and a ping to it is lost as under Docker). The next rule
    uses every route of the main table except the default one ("lookup main
    suppress_prefixlength 0"); the last answers "unreachable" to the rest. A
    container so keeps its `default via <gateway>` route as in Docker (`ip
    route` shows it), but a packet for an address outside the lab fails in
    its own stack, at once, with ENETUNREACH ("Network is unreachable"),
    where a ping would otherwise wait in silence.
    """
    def rule(prio: int, action: int, dst: str | None = None, extra: bytes = b"") -> tuple[int, int, bytes]:
        net = ipaddress.ip_network(dst) if dst else None
        table = RT_TABLE_MAIN if action == FR_ACT_TO_TBL else 0
        body = _FIBRULEHDR.pack(socket.AF_INET, net.prefixlen if net else 0, 0, 0, table, 0, 0, action, 0)
        body += attr(FRA_PRIORITY, _u32(prio)) + (attr(FRA_DST, net.network_address.packed) if net else b"")
        if action == FR_ACT_TO_TBL:
            body += attr(FRA_TABLE, _u32(RT_TABLE_MAIN))
        return (RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, body + extra)
    return [*(rule(RULE_LAB_SUBNETS, FR_ACT_TO_TBL, subnet) for subnet in lab_subnets),
            rule(RULE_OWN_ROUTES, FR_ACT_TO_TBL, extra=attr(FRA_SUPPRESS_PREFIXLEN, _u32(0))),
            rule(RULE_UNREACHABLE, FR_ACT_UNREACHABLE)]


# -- decoding -----------------------------------------------------------------------
def parse_attrs(data: bytes, offset: int = 0) -> dict[int, bytes]:
    """{type: payload} of the attributes in `data[offset:]` (the last one of a type wins)."""
    out = {}
    while offset + _RTATTR.size <= len(data):
        size, kind = _RTATTR.unpack_from(data, offset)
        if size < _RTATTR.size:
            break
        out[kind & 0x3FFF] = data[offset + _RTATTR.size:offset + size]
        offset += (size + 3) & ~3
    return out


def _text(raw: bytes | None) -> str | None:
    return raw.split(b"\0", 1)[0].decode(errors="replace") if raw is not None else None


def parse_link(payload: bytes) -> Link:
    _family, _type, index, flags, _change = _IFINFOMSG.unpack_from(payload)
    attrs = parse_attrs(payload, _IFINFOMSG.size)
    nsid = attrs.get(IFLA_LINK_NETNSID)
    return Link(index, flags, _text(attrs.get(IFLA_IFNAME)) or "", _text(attrs.get(IFLA_IFALIAS)),
                struct.unpack("=i", nsid[:4])[0] if nsid and len(nsid) >= 4 else None)


def _error(code: int, payload: bytes, flags: int) -> NetlinkError:
    """The kernel's errno, with its extended-ack message when it gave one."""
    text = os.strerror(code)
    if flags & NLM_F_ACK_TLVS:     # nlmsgerr: int error, the request (its header if capped), attrs
        req_len = struct.unpack_from("=I", payload, 4)[0] if len(payload) >= 8 else 0
        start = 4 + (_NLMSGHDR.size if flags & NLM_F_CAPPED else (req_len + 3) & ~3)
        msg = _text(parse_attrs(payload, start).get(NLMSGERR_ATTR_MSG))
        if msg:
            text = f"{text}: {msg}"
    return NetlinkError(code, text)


class Rtnl:
    """One NETLINK_ROUTE socket in the namespace it was created in.

    `netns_fd`: an open nsfs file of that namespace when it is not the
    caller's (see `open_in`), closed with the socket.
    """

    def __init__(self, sock: socket.socket | None = None, netns_fd: int | None = None):
        self.sock = sock or new_socket()
        self.netns_fd = netns_fd
        self.seq = 0

    def __enter__(self) -> "Rtnl":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.sock.close()
        if self.netns_fd is not None:
            os.close(self.netns_fd)
            self.netns_fd = None

    # -- transport ---------------------------------------------------------------
    def _send(self, msgs: list[tuple[int, int, bytes]]) -> list[int]:
        """Send `msgs` [(type, flags, body)] in one datagram; their sequence numbers."""
        out, seqs = [], []
        for kind, flags, body in msgs:
            self.seq += 1
            seqs.append(self.seq)
            out.append(_NLMSGHDR.pack(_NLMSGHDR.size + len(body), kind,
                                      flags | NLM_F_REQUEST, self.seq, 0) + body)
        self.sock.send(b"".join(out))
        return seqs

    def _replies(self, seqs: list[int], ignore: dict[int, set[int]]) -> dict[int, list]:
        """Read until each request is acked, failed or its dump done; {seq: [(type, payload)]}.

        Every reply is read before the first error not listed in `ignore`
        ({seq: errnos}) is raised, so the socket stays usable.
        """
        pending, got, failure = set(seqs), {s: [] for s in seqs}, None
        while pending:
            data = self.sock.recv(1 << 16)
            offset = 0
            while offset + _NLMSGHDR.size <= len(data):
                size, kind, flags, seq, _pid = _NLMSGHDR.unpack_from(data, offset)
                payload = data[offset + _NLMSGHDR.size:offset + size]
                offset += (size + 3) & ~3
                if seq not in pending:
                    continue
                if kind == NLMSG_ERROR:
                    pending.discard(seq)
                    code = -struct.unpack_from("=i", payload)[0]
                    if code and code not in ignore.get(seq, ()) and failure is None:
                        failure = _error(code, payload, flags)
                elif kind == NLMSG_DONE:
                    pending.discard(seq)
                else:
                    got[seq].append((kind, payload))
                    if not flags & NLM_F_MULTI:
                        pending.discard(seq)
        if failure is not None:
            raise failure
        return got

    def call(self, kind: int, flags: int, body: bytes, ignore: frozenset = frozenset()) -> list:
        """One request; its replies [(type, payload)] (none for a plain ack)."""
        seq = self._send([(kind, flags, body)])[0]
        return self._replies([seq], {seq: ignore})[seq]

    def batch(self, msgs: list[tuple[int, int, bytes]], ignore: dict[int, set[int]] | None = None) -> None:
        """Acked requests in one round trip (the kernel handles them in order);
        `ignore` maps a message's position to errnos that are not failures."""
        seqs = self._send([(k, f | NLM_F_ACK, b) for k, f, b in msgs])
        self._replies(seqs, {seqs[i]: errs for i, errs in (ignore or {}).items()})

    # -- links -------------------------------------------------------------------
    def link(self, name: str) -> Link | None:
        """The link called `name`, or None (one request, no dump)."""
        body = ifinfo() + attr(IFLA_IFNAME, _cstr(name)) + attr(IFLA_EXT_MASK, _u32(RTEXT_FILTER_SKIP_STATS))
        try:
            replies = self.call(RTM_GETLINK, 0, body)
        except NetlinkError as err:
            if err.errno in (errno.ENODEV, errno.ENOENT):
                return None
            raise
        return next((parse_link(p) for k, p in replies if k == RTM_NEWLINK), None)

    def links(self) -> list[Link]:
        """Every link of this namespace (one dump, without statistics)."""
        body = ifinfo() + attr(IFLA_EXT_MASK, _u32(RTEXT_FILTER_SKIP_STATS))
        return [parse_link(p) for k, p in self.call(RTM_GETLINK, NLM_F_DUMP, body) if k == RTM_NEWLINK]

    def add_veth(self, name: str, peer: str, peer_netns_fd: int, peer_mac: str, master: int) -> None:
        """A veth pair: `name` here, up, on bridge `master`; `peer` in the namespace of
        `peer_netns_fd` (an nsfs file: the namespace itself, whatever a process does).

        One request: the kernel creates the peer directly in the target
        namespace under its final name and MAC, and applies IFLA_MASTER and
        the flags to `name`. The peer cannot be brought up here (its other
        end does not exist yet: ENOTCONN): `configure` does it from inside.
        """
        peer_msg = (ifinfo() + attr(IFLA_IFNAME, _cstr(peer))
                    + attr(IFLA_NET_NS_FD, _u32(peer_netns_fd)) + attr(IFLA_ADDRESS, _mac(peer_mac)))
        info = attr(IFLA_INFO_KIND, b"veth") + attr(IFLA_INFO_DATA, attr(VETH_INFO_PEER, peer_msg))
        body = (ifinfo(flags=IFF_UP, change=IFF_UP) + attr(IFLA_IFNAME, _cstr(name))
                + attr(IFLA_MASTER, _u32(master)) + attr(IFLA_LINKINFO, info))
        self.call(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK, body)

    def set_alias(self, name: str, alias: str) -> None:
        """Set the alias of link `name` (found by name: no lookup first)."""
        body = ifinfo() + attr(IFLA_IFNAME, _cstr(name)) + attr(IFLA_IFALIAS, alias.encode())
        self.call(RTM_SETLINK, NLM_F_ACK, body)

    def delete(self, index: int) -> None:
        self.call(RTM_DELLINK, NLM_F_ACK, ifinfo(index))

    def netns_alive(self, nsid: int) -> bool:
        """False when the namespace known here as `nsid` is gone or dying (no reference
        left: the kernel is tearing it down, with every veth that has an end in it)."""
        body = struct.pack("=Bxxx", socket.AF_UNSPEC) + attr(NETNSA_NSID, struct.pack("=i", nsid))
        try:
            self.call(RTM_GETNSID, 0, body)
        except NetlinkError as err:
            if err.errno in (errno.ENOENT, errno.EINVAL):
                return False
            raise
        return True

    # -- inside a container ----------------------------------------------------------
    def configure(self, index: int, ip: str, prefixlen: int, gateway: str | None,
                  lab_subnets: tuple[str, ...] = ()) -> None:
        """Link `index` up with its address, loopback up, a default route via `gateway`.

        One round trip. NLM_F_EXCL makes an existing default route (an
        earlier network's: the first one wins, as in Docker) an EEXIST,
        which is not a failure. The address gets its broadcast, as Docker's.
        """
        net = ipaddress.ip_network(f"{ip}/{prefixlen}", strict=False)
        addr = ipaddress.ip_address(ip).packed
        brd = attr(IFA_BROADCAST, net.broadcast_address.packed) if prefixlen < 31 else b""
        msgs = [(RTM_SETLINK, 0, ifinfo(index, IFF_UP, IFF_UP)),
                (RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL,
                 _IFADDRMSG.pack(socket.AF_INET, prefixlen, 0, RT_SCOPE_UNIVERSE, index)
                 + attr(IFA_LOCAL, addr) + attr(IFA_ADDRESS, addr) + brd),
                (RTM_SETLINK, 0, ifinfo(LOOPBACK_IFINDEX, IFF_UP, IFF_UP))]
        if gateway:
            msgs.append((RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, _default_route(gateway)))
            msgs += _lab_only_rules(lab_subnets)
        self.batch(msgs, {i: {errno.EEXIST} for i in range(3, len(msgs))})

    def add_default_route(self, gateway: str) -> None:
        """A default route via `gateway` unless the namespace has one (EEXIST ignored)."""
        self.call(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK, _default_route(gateway),
                  ignore=frozenset({errno.EEXIST}))


def new_socket() -> socket.socket:
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW | socket.SOCK_CLOEXEC, NETLINK_ROUTE)
    for option in (NETLINK_CAP_ACK, NETLINK_EXT_ACK):
        try:
            sock.setsockopt(SOL_NETLINK, option, 1)
        except OSError:
            pass          # older kernels: acks carry the whole request, errors a bare errno
    sock.bind((0, 0))
    return sock


def open_in(pid: int) -> Rtnl:
    """An Rtnl whose socket lives in process `pid`'s network namespace (kept as `netns_fd`)."""
    fd = os.open(netns_path(pid), os.O_RDONLY | os.O_CLOEXEC)
    try:
        return Rtnl(created_in(fd, new_socket), netns_fd=fd)
    except BaseException:
        os.close(fd)
        raise
