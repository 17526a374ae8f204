"""`docker run/create` flags -> the JSON body of POST /containers/create (as the docker CLI builds it)."""
from __future__ import annotations

import re

from dockerlab.engine.errors import InvalidArgument

from . import units

PORT_RE = re.compile(r"^(?:(?:\[?([0-9a-fA-F.:]*)\]?):)?(?:(\d*(?:-\d+)?):)?(\d+(?:-\d+)?)(?:/(tcp|udp|sctp))?$")


def _range(text: str) -> list[int]:
    if "-" in text:
        lo, hi = (int(x) for x in text.split("-", 1))
        return list(range(lo, hi + 1))
    return [int(text)]


def parse_publish(spec: str) -> dict[str, list[dict]]:
    """`-p [ip:][host:]container[/proto]` -> PortBindings."""
    m = PORT_RE.match(spec)
    if not m:
        raise InvalidArgument(f'invalid argument "{spec}" for "-p, --publish" flag: invalid port format')
    ip, host, ctr, proto = m.group(1) or "", m.group(2) or "", m.group(3), m.group(4) or "tcp"
    if ":" in spec and m.group(2) is None and m.group(1):   # "8080:80" parses as ip=8080
        ip, host = "", m.group(1)
    ctr_ports = _range(ctr)
    host_ports = _range(host) if host else [None] * len(ctr_ports)
    if len(host_ports) != len(ctr_ports):
        if len(host_ports) > 1:
            raise InvalidArgument(f"invalid ranges specified for container and host Ports: {ctr} and {host}")
        host_ports = host_ports * len(ctr_ports)
    out: dict[str, list[dict]] = {}
    for c, h in zip(ctr_ports, host_ports):
        out.setdefault(f"{c}/{proto}", []).append({"HostIp": ip, "HostPort": str(h) if h else ""})
    return out


def parse_mount(text: str) -> dict:
    fields = dict(item.split("=", 1) if "=" in item else (item, "true") for item in text.split(","))
    kind = fields.get("type", "volume")
    mount = {"Type": kind, "Source": fields.get("source") or fields.get("src", ""),
             "Target": fields.get("target") or fields.get("destination") or fields.get("dst", ""),
             "ReadOnly": fields.get("readonly", fields.get("ro", "false")) in ("true", "1", "")}
    if not mount["Target"]:
        raise InvalidArgument(f'invalid argument "{text}" for "--mount" flag: target is required')
    return mount


def read_env_file(path: str) -> list[str]:
    try:
        lines = open(path, encoding="utf-8").read().splitlines()
    except OSError as e:
        raise InvalidArgument(f"open {path}: {e.strerror.lower() if e.strerror else e}")
    out = []
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        out.append(line)
    return out


def expand_env(items: list[str]) -> list[str]:
    """`-e NAME` without a value takes it from our environment, as Docker does."""
    import os
    out = []
    for item in items:
        if "=" in item:
            out.append(item)
        elif item in os.environ:
            out.append(f"{item}={os.environ[item]}")
    return out


def _bytes(value) -> int:
    return value if isinstance(value, int) else units.ram_in_bytes(str(value))


def restart_policy(text: str) -> dict:
    name, _, count = (text or "no").partition(":")
    return {"Name": name, "MaximumRetryCount": int(count) if count.isdigit() else 0}


def create_body(flags: dict, args: list[str], given: set[str] = frozenset()) -> tuple[dict, str | None]:
    """`given` holds the flags typed: an unset --entrypoint must not clear the image's command."""
    f = lambda k, d=None: flags.get(k, d) if flags.get(k) is not None else d  # noqa: E731
    env = [e for path in f("env-file", []) for e in read_env_file(path)] + expand_env(f("env", []))
    bindings: dict[str, list[dict]] = {}
    for spec in f("publish", []):
        for port, b in parse_publish(spec).items():
            bindings.setdefault(port, []).extend(b)
    exposed = {p: {} for p in bindings}
    for e in f("expose", []):
        exposed[e if "/" in e else f"{e}/tcp"] = {}
    network = f("network", "") or "default"
    if isinstance(network, list):   # --network may be repeated; the first one is used at create
        network = network[0] if network else "default"
    hc = {
        "Binds": list(f("volume", [])) or None, "Mounts": [parse_mount(m) for m in f("mount", [])] or None,
        "PortBindings": bindings, "PublishAllPorts": bool(f("publish-all")), "NetworkMode": network,
        "RestartPolicy": restart_policy(f("restart", "no")), "AutoRemove": bool(f("rm")),
        "Memory": _bytes(f("memory")) if f("memory") else 0,
        "MemorySwap": (-1 if str(f("memory-swap")) == "-1" else _bytes(f("memory-swap"))) if f("memory-swap") else 0,
        "NanoCpus": units.parse_nano_cpus(str(f("cpus"))) if f("cpus") else 0,
        "CpuShares": int(f("cpu-shares", 0) or 0), "PidsLimit": int(f("pids-limit")) if f("pids-limit") else None,
        "CapAdd": list(f("cap-add", [])) or None, "CapDrop": list(f("cap-drop", [])) or None,
        "Privileged": bool(f("privileged")), "ReadonlyRootfs": bool(f("read-only")),
        "SecurityOpt": list(f("security-opt", [])) or None, "Dns": list(f("dns", [])),
        "ExtraHosts": list(f("add-host", [])) or None, "Links": list(f("link", [])) or None,
        "Tmpfs": {t.split(":", 1)[0]: (t.split(":", 1)[1] if ":" in t else "") for t in f("tmpfs", [])} or None,
        "GroupAdd": list(f("group-add", [])) or None,
    }
    labels = dict(item.split("=", 1) if "=" in item else (item, "") for item in f("label", []))
    body = {
        "Image": args[0], "Cmd": args[1:] or None, "Env": env, "Tty": bool(f("tty")),
        "OpenStdin": bool(f("interactive")), "AttachStdin": bool(f("interactive")),
        "StdinOnce": bool(f("interactive")), "WorkingDir": f("workdir", ""), "User": f("user", ""),
        "Hostname": f("hostname", ""), "Labels": labels, "ExposedPorts": exposed or None,
        "HostConfig": hc,
    }
    if "entrypoint" in given:
        body["Entrypoint"] = [flags["entrypoint"]] if flags["entrypoint"] else []
    if f("stop-signal"):
        body["StopSignal"] = f("stop-signal")
    if "stop-timeout" in given:
        body["StopTimeout"] = int(f("stop-timeout"))
    aliases, ip = list(f("network-alias", [])), f("ip")
    if aliases or ip:
        body["NetworkingConfig"] = {"EndpointsConfig": {network: {
            "Aliases": aliases, "IPAMConfig": {"IPv4Address": ip} if ip else None}}}
    return body, f("name") or None
