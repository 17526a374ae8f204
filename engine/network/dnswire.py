"""DNS messages on the wire (RFC 1035), only what the embedded server needs.

The embedded server answers one question per query with A or PTR records,
or with an error code; that is about 80 lines of `struct`, so the project
does not take a full DNS library as a dependency for it.
"""
from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass

TYPE_A, TYPE_PTR, TYPE_AAAA = 1, 12, 28
CLASS_IN = 1
NOERROR, FORMERR, SERVFAIL, NXDOMAIN, NOTIMP, REFUSED = 0, 1, 2, 3, 4, 5
TTL = 600   # the embedded DNS of Docker answers with this TTL

_HEADER = struct.Struct("!HHHHHH")


class WireError(ValueError):
    """The packet is not a DNS query we can read."""


@dataclass
class Question:
    id: int
    flags: int
    name: str          # lower case, no trailing dot
    qtype: int
    qclass: int
    raw: bytes         # the question section as received, echoed in the reply


def parse_query(data: bytes) -> Question:
    if len(data) < _HEADER.size:
        raise WireError("short packet")
    qid, flags, qd, _an, _ns, _ar = _HEADER.unpack_from(data)
    if flags & 0x8000:
        raise WireError("not a query")
    if qd != 1:
        raise WireError("exactly one question is supported")
    labels, pos = [], _HEADER.size
    while True:
        if pos >= len(data):
            raise WireError("truncated name")
        n = data[pos]
        pos += 1
        if n == 0:
            break
        if n & 0xC0 or pos + n > len(data):
            raise WireError("bad label")
        labels.append(data[pos:pos + n].decode("ascii", "replace").lower())
        pos += n
    if pos + 4 > len(data):
        raise WireError("truncated question")
    qtype, qclass = struct.unpack_from("!HH", data, pos)
    return Question(qid, flags, ".".join(labels), qtype, qclass, data[_HEADER.size:pos + 4])


def encode_name(name: str) -> bytes:
    out = b""
    for label in name.strip(".").split("."):
        raw = label.encode("ascii")
        if not 0 < len(raw) < 64:
            raise WireError(f"bad label in {name!r}")
        out += bytes([len(raw)]) + raw
    return out + b"\x00"


def _header_flags(q: Question, rcode: int, authoritative: bool) -> int:
    opcode = q.flags & 0x7800
    flags = 0x8000 | opcode | (q.flags & 0x0100) | 0x0080 | rcode
    return flags | (0x0400 if authoritative else 0)


def reply(q: Question, rcode: int, answers: list[tuple[int, bytes]] = (),
          authoritative: bool = True) -> bytes:
    """A response to `q`; each answer is (type, rdata) for the question's name."""
    head = _HEADER.pack(q.id, _header_flags(q, rcode, authoritative), 1, len(answers), 0, 0)
    body = b"".join(struct.pack("!HHHIH", 0xC00C, rtype, CLASS_IN, TTL, len(rdata)) + rdata
                    for rtype, rdata in answers)
    return head + q.raw + body


def a_record(ip: str) -> tuple[int, bytes]:
    return TYPE_A, ipaddress.IPv4Address(ip).packed


def ptr_record(name: str) -> tuple[int, bytes]:
    return TYPE_PTR, encode_name(name)


def reverse_ip(name: str) -> str | None:
    """'4.3.2.1.in-addr.arpa' -> '1.2.3.4' (None if it is not such a name)."""
    suffix = ".in-addr.arpa"
    if not name.endswith(suffix):
        return None
    parts = name[: -len(suffix)].split(".")
    try:
        return str(ipaddress.IPv4Address(".".join(reversed(parts))))
    except ValueError:
        return None


def build_query(qid: int, name: str, qtype: int = TYPE_A) -> bytes:
    """A standard recursive query (used by tests and by `dockerlab` diagnostics)."""
    return _HEADER.pack(qid, 0x0100, 1, 0, 0, 0) + encode_name(name) + struct.pack("!HH", qtype, CLASS_IN)


def parse_reply(data: bytes) -> tuple[int, int, list[tuple[int, bytes]]]:
    """(id, rcode, [(type, rdata)]) of a reply whose answers use name pointers."""
    qid, flags, qd, an, _ns, _ar = _HEADER.unpack_from(data)
    pos = _HEADER.size
    for _ in range(qd):
        while data[pos] != 0:
            pos += 1 + data[pos]
        pos += 5
    answers = []
    for _ in range(an):
        _ptr, rtype, _cls, _ttl, length = struct.unpack_from("!HHHIH", data, pos)
        pos += 12
        answers.append((rtype, data[pos:pos + length]))
        pos += length
    return qid, flags & 0xF, answers
