"""What Docker still does by hand for a container's files: legacy `--link`
entries in /etc/hosts, and `--dns`/`--dns-search`/`--dns-option` in
/etc/resolv.conf.

Legacy links only exist on the default bridge (there is no embedded DNS
there): Docker writes one /etc/hosts line per link, `IP  alias hostname
[name]`, the container's name being added when the alias differs. On a
user-defined network links are DNS aliases instead (see dnsnames.py).

`--dns` replaces the nameservers of the default bridge's file; on a
user-defined network the file keeps the embedded server and the given
servers become its upstreams, which Docker notes as `# ExtServers: [...]`
(the lab's embedded server never forwards: nothing leaves the machine).
"""
from __future__ import annotations

from ..errors import Conflict, InvalidArgument, NotFound

DEFAULT_BRIDGE = ("bridge", "default")


def _on_default_bridge(record: dict) -> bool:
    mode = (record.get("HostConfig") or {}).get("NetworkMode") or "bridge"
    return mode in DEFAULT_BRIDGE


def link_hosts(engine, record: dict) -> list[tuple[str, str]]:
    """[(names, ip)] for each `--link target[:alias]` of a default-bridge container.

    Raises Docker's errors for a target that is missing or not running.
    """
    from ..lifecycle import current_state
    links = (record.get("HostConfig") or {}).get("Links") or []
    if not links or not _on_default_bridge(record):
        return []
    me = record["Name"].lstrip("/")
    out = []
    for link in links:
        target, _, alias = link.partition(":")
        target, alias = target.strip("/"), (alias or target).rsplit("/", 1)[-1]
        try:
            cid = engine.resolve(target)
        except NotFound as err:
            raise InvalidArgument(f"could not get container for {target}: {err}") from None
        child = engine.containers.load(cid)
        state = current_state(engine, cid)
        if not state.get("Running"):
            raise Conflict(f"Cannot link to a non running container: /{target} AS /{me}/{alias}")
        ip = ((state.get("NetworkSettings") or {}).get("bridge") or {}).get("IPAddress")
        if not ip:
            raise Conflict(f"Cannot link to /{target}, as it does not belong to the default network")
        names = [alias, child["Config"].get("Hostname") or cid[:12]]
        if alias != target:
            names.append(child["Name"].lstrip("/"))
        out.append((" ".join(names), ip))
    return out


def _entries(lines: list[str], key: str) -> list[str]:
    return [line.split(None, 1)[1] for line in lines
            if line.split(" ", 1)[0] == key and len(line.split(None, 1)) == 2]


def dns_overrides(text: str, host_config: dict) -> str:
    """The resolv.conf `text` with the container's --dns, --dns-search and --dns-option."""
    dns = list(host_config.get("Dns") or [])
    search = list(host_config.get("DnsSearch") or [])
    options = list(host_config.get("DnsOptions") or [])
    if not (dns or search or options):
        return text
    lines = text.rstrip("\n").split("\n")
    cut = next((i for i, line in enumerate(lines) if line.startswith("# Based on host file")),
               len(lines))
    body, trailer = lines[:cut], lines[cut:]
    head = []
    while body and (body[0].startswith("#") or body[0] == ""):
        head.append(body.pop(0))
    internal = any(line.endswith("(internal resolver)") for line in trailer)
    servers = _entries(body, "nameserver") if internal or not dns else dns
    searches = " ".join(search) if search else " ".join(_entries(body, "search"))
    opts = " ".join(options) if options else " ".join(_entries(body, "options"))
    rest = [line for line in body if line.split(" ", 1)[0] not in ("nameserver", "search", "options")]
    new_body = ([f"nameserver {ns}" for ns in servers] + ([f"search {searches}"] if searches else [])
                + ([f"options {opts}"] if opts else []) + rest)
    overrides = [word for word, given in (("nameservers", dns), ("search", search),
                                          ("options", options)) if given]
    notes = [f"# ExtServers: [{' '.join(dns)}]"] if dns and internal else []
    tail = []
    for line in trailer:
        if line == "# No usable nameserver: the lab is offline" and servers:
            continue
        if line.startswith("# Overrides:"):
            tail += notes + [f"# Overrides: [{' '.join(overrides)}]"]
        else:
            tail.append(line)
    return "\n".join(head + new_body + tail) + "\n"
