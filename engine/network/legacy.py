"""What Docker still does by hand for a container's files: legacy `--link`
entries in /etc/hosts (and the link's variables in its environment), and `--dns`/`--dns-search`/`--dns-option` in
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


def _linked(engine, record: dict) -> list[tuple[str, str, dict, str]]:
    """(target, alias, target's record, its IP) for each `--link` of a default-bridge container.

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
        out.append((target, alias, child, ip))
    return out


def link_hosts(engine, record: dict) -> list[tuple[str, str]]:
    """[(names, ip)]: the /etc/hosts line of each link (alias, hostname, and name if it differs)."""
    out = []
    for target, alias, child, ip in _linked(engine, record):
        names = [alias, child["Config"].get("Hostname") or child["Id"][:12]]
        if alias != target:
            names.append(child["Name"].lstrip("/"))
        out.append((" ".join(names), ip))
    return out


def link_env(engine, record: dict) -> list[str]:
    """The variables Docker gives a container for its legacy links (ALIAS_PORT..., ALIAS_NAME, ALIAS_ENV_...).

    They come before the container's own environment, which wins on a clash.
    """
    me = record["Name"].lstrip("/")
    env: list[str] = []
    for _target, alias, child, ip in _linked(engine, record):
        env += _one_link_env(f"/{me}/{alias}", ip, child["Config"])
    return env


def _port_key(port: str) -> tuple[int, str, int]:
    num, _, proto = port.partition("/")
    proto = proto or "tcp"
    return (0 if proto == "tcp" else 1, proto, int(num))


def _one_link_env(name: str, ip: str, config: dict) -> list[str]:
    """Variables for one link: each exposed port (tcp first, by number), ranges of consecutive ones."""
    alias = name.rsplit("/", 1)[-1].upper().replace("-", "_")
    ports = [(num, proto) for _, proto, num in sorted(map(_port_key, config.get("ExposedPorts") or {}))]
    env = [f"{alias}_PORT={ports[0][1]}://{ip}:{ports[0][0]}"] if ports else []
    start = end = ports[0] if ports else None
    for i, (num, proto) in enumerate(ports):
        prefix = f"{alias}_PORT_{num}_{proto.upper()}"
        env += [f"{prefix}={proto}://{ip}:{num}", f"{prefix}_ADDR={ip}", f"{prefix}_PORT={num}",
                f"{prefix}_PROTO={proto}"]
        if i and (num, proto) == (end[0] + 1, end[1]):
            end = (num, proto)
            if i < len(ports) - 1:
                continue
        if end != start:
            first = f"{alias}_PORT_{start[0]}_{start[1].upper()}"
            env += [f"{first}_START={start[1]}://{ip}:{start[0]}", f"{first}_PORT_START={start[0]}",
                    f"{first}_END={end[1]}://{ip}:{end[0]}", f"{first}_PORT_END={end[0]}"]
        start = end = (num, proto)
    env.append(f"{alias}_NAME={name}")
    for item in config.get("Env") or []:
        key, sep, value = item.partition("=")
        if sep and key not in ("HOME", "PATH"):
            env.append(f"{alias}_ENV_{key}={value}")
    return env


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
