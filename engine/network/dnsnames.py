"""Which names a container can resolve, and what the embedded DNS answers.

Pure functions over network records, so they are tested without sockets.
The rules are Docker's: a container resolves the DNS names (container name,
aliases, short ID, hostname) of every endpoint on the user-defined networks
it is attached to, also as `name.network`; its `--link` aliases resolve to
the linked container. Nothing else is answered: names outside the lab get
REFUSED, because the lab never forwards a query to a server outside.
"""
from __future__ import annotations

import ipaddress

from . import dnswire as w
from .store import is_user_defined

MAX_ANSWERS = 24


def attachments(records: list[dict], container_id: str) -> list[tuple[dict, dict]]:
    """(network, endpoint) for each user-defined network the container is on."""
    out = []
    for rec in records:
        ep = rec.get("_lab", {}).get("endpoints", {}).get(container_id)
        if ep is not None and is_user_defined(rec):
            out.append((rec, ep))
    return out


def _candidates(name: str, network_names: set[str]) -> list[tuple[str, str | None]]:
    """`a.b.c` may be `a.b.c` anywhere, `a.b` on network `c`, or `a` on network `b.c`."""
    out: list[tuple[str, str | None]] = [(name, None)]
    dot = name.rfind(".")
    while dot > 0:
        if name[dot + 1:] in network_names:
            out.append((name[:dot], name[dot + 1:]))
        dot = name.rfind(".", 0, dot)
    return out


def _names_on(rec: dict, name: str) -> list[str]:
    eps = rec.get("_lab", {}).get("endpoints", {}).values()
    return [e["IPAddress"] for e in eps if name in (n.lower() for n in e.get("DNSNames", []))]


def resolve(records: list[dict], container_id: str, name: str) -> list[str]:
    """IPv4 addresses `name` stands for, seen from `container_id` ([] if unknown)."""
    mine = attachments(records, container_id)
    for short, net in _candidates(name.lower().rstrip("."), {r["Name"] for r, _ in mine}):
        scope = [(r, e) for r, e in mine if net is None or r["Name"] == net]
        for rec, ep in scope:                      # --link aliases first
            for target, alias in ep.get("LinkPairs", []):
                if alias.lower() == short and _names_on(rec, target.lower()):
                    return _names_on(rec, target.lower())
        for rec, _ep in scope:
            found = _names_on(rec, short)
            if found:
                return found
    return []


def reverse(records: list[dict], container_id: str, ip: str) -> str | None:
    """`name.network` of the endpoint holding `ip`, for PTR queries."""
    for rec, _ep in attachments(records, container_id):
        for e in rec["_lab"]["endpoints"].values():
            if e["IPAddress"] == ip and e.get("DNSNames"):
                return f"{e['DNSNames'][0]}.{rec['Name']}"
    return None


def _is_ours(records: list[dict], container_id: str, name: str) -> bool:
    """Names the lab is authoritative for: single labels and `*.network`."""
    if "." not in name:
        return True
    return any(name.endswith("." + rec["Name"]) for rec, _ in attachments(records, container_id))


def _in_our_subnets(records: list[dict], container_id: str, ip: str) -> bool:
    addr = ipaddress.ip_address(ip)
    for rec, _ in attachments(records, container_id):
        for conf in rec["IPAM"]["Config"]:
            if addr in ipaddress.ip_network(conf["Subnet"]):
                return True
    return False


def answer(records: list[dict], container_id: str, data: bytes) -> bytes | None:
    """The reply to one query packet (None when the packet is not a query)."""
    try:
        q = w.parse_query(data)
    except w.WireError:
        return None
    if q.flags & 0x7800 or q.qclass != w.CLASS_IN:
        return w.reply(q, w.NOTIMP if q.flags & 0x7800 else w.REFUSED, authoritative=False)
    if q.qtype == w.TYPE_PTR:
        return _answer_ptr(records, container_id, q)
    ips = resolve(records, container_id, q.name)
    if ips:
        # at most MAX_ANSWERS records keep a reply within 512 bytes (no truncation)
        answers = [w.a_record(ip) for ip in ips[:MAX_ANSWERS]] if q.qtype == w.TYPE_A else []
        return w.reply(q, w.NOERROR, answers)
    if _is_ours(records, container_id, q.name):
        return w.reply(q, w.NXDOMAIN)
    return w.reply(q, w.REFUSED, authoritative=False)


def _answer_ptr(records: list[dict], container_id: str, q: w.Question) -> bytes:
    ip = w.reverse_ip(q.name)
    if ip is not None:
        name = reverse(records, container_id, ip)
        if name:
            return w.reply(q, w.NOERROR, [w.ptr_record(name)])
        if _in_our_subnets(records, container_id, ip):
            return w.reply(q, w.NXDOMAIN)
    return w.reply(q, w.REFUSED, authoritative=False)
