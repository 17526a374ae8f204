"""`docker run/create` flags -> the JSON body of POST /containers/create (as the docker CLI builds it)."""
from __future__ import annotations

import os
import re

from dockerlab.engine.errors import InvalidArgument

from dockerlab.engine.runtime.devices import parse_device

from . import units

def parse_publish(spec: str) -> dict[str, list[dict]]:
    """`-p [ip:][host:]container[/proto]` -> PortBindings (the network layer's parser)."""
    from dockerlab.engine.network.portspec import parse_publish as parse_port
    out: dict[str, list[dict]] = {}
    for b in parse_port(spec):
        host = "" if not b.host_port else (f"{b.host_port}-{b.host_port_end}" if b.host_port_end
                                            else str(b.host_port))
        out.setdefault(b.key, []).append({"HostIp": b.host_ip, "HostPort": host})
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


def _security_fields(opts: list[str]) -> dict:
    """--security-opt as the docker client sends it (seccomp file read here, systempaths)."""
    from dockerlab.engine.security.hostconfig import client_security_opts
    from .context import CliExit
    try:
        sec, masked, readonly = client_security_opts(opts)
    except InvalidArgument as e:
        raise CliExit(f"docker: {e}\n\nRun 'docker run --help' for more information", 125) from None
    extra = {} if masked is None else {"MaskedPaths": masked, "ReadonlyPaths": readonly}
    return {"SecurityOpt": sec or None, **extra}


def _first_network(value) -> tuple[str, dict]:
    """--network may be repeated (the first one is used at create) and may be `name=x,alias=y`."""
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        return value.get("Target") or "default", value
    return value or "default", {}


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
    network, endpoint = _first_network(f("network", ""))
    hc = {
        "Binds": [absolute_bind(b) for b in f("volume", [])] or None, "Mounts": [m if isinstance(m, dict) else parse_mount(m) for m in f("mount", [])] or None,
        "PortBindings": bindings, "PublishAllPorts": bool(f("publish-all")), "NetworkMode": network,
        "RestartPolicy": restart_policy(f("restart", "no")), "AutoRemove": bool(f("rm")),
        "Memory": _bytes(f("memory")) if f("memory") else 0,
        "MemorySwap": (-1 if str(f("memory-swap")) == "-1" else _bytes(f("memory-swap"))) if f("memory-swap") else 0,
        "NanoCpus": (f("cpus") if isinstance(f("cpus"), int) else units.parse_nano_cpus(str(f("cpus")))) if f("cpus") else 0,
        "CpuShares": int(f("cpu-shares", 0) or 0), "PidsLimit": int(f("pids-limit")) if f("pids-limit") else None,
        "CapAdd": list(f("cap-add", [])) or None, "CapDrop": list(f("cap-drop", [])) or None,
        "Privileged": bool(f("privileged")), "ReadonlyRootfs": bool(f("read-only")),
        "SecurityOpt": list(f("security-opt", [])) or None, "Dns": list(f("dns", [])),
        "DnsSearch": list(f("dns-search", [])), "DnsOptions": list(f("dns-option", [])),
        "ExtraHosts": list(f("add-host", [])) or None, "Links": list(f("link", [])) or None,
        "Tmpfs": {t.split(":", 1)[0]: (t.split(":", 1)[1] if ":" in t else "") for t in f("tmpfs", [])} or None,
        "GroupAdd": list(f("group-add", [])) or None,
        "PidMode": f("pid", ""), "CpusetCpus": f("cpuset-cpus", ""), "Init": True if f("init") else None,
        "Ulimits": list(f("ulimit", [])) or None, "ShmSize": _bytes(f("shm-size")) if f("shm-size") else None, "DeviceCgroupRules": list(f("device-cgroup-rule", [])) or None,
    }
    hc.update(_security_fields(list(f("security-opt", []))))
    hc["Devices"] = [parse_device(d) for d in f("device", [])] or None
    label_items = [item for path in f("label-file", []) for item in read_env_file(path)] + list(f("label", []))
    labels = dict(item.split("=", 1) if "=" in item else (item, "") for item in label_items)
    body = {
        "Image": args[0], "Cmd": args[1:] or None, "Env": env, "Tty": bool(f("tty")),
        "OpenStdin": bool(f("interactive")), "AttachStdin": bool(f("interactive")),
        "StdinOnce": bool(f("interactive")), "WorkingDir": f("workdir", ""), "User": f("user", ""),
        "Hostname": f("hostname", ""), "Domainname": f("domainname", ""),
        "Labels": labels, "ExposedPorts": exposed or None,
        "HostConfig": hc,
    }
    if "entrypoint" in given:
        body["Entrypoint"] = [flags["entrypoint"]] if flags["entrypoint"] else []
    health = health_config(flags)
    if health is not None:
        body["Healthcheck"] = health
    if f("stop-signal"):
        body["StopSignal"] = f("stop-signal")
    if "stop-timeout" in given:
        body["StopTimeout"] = int(f("stop-timeout"))
    aliases = list(f("network-alias", [])) + list(endpoint.get("Aliases") or [])
    ip = f("ip") or endpoint.get("IPv4Address") or None
    if aliases or ip:
        body["NetworkingConfig"] = {"EndpointsConfig": {network: {
            "Aliases": aliases, "IPAMConfig": {"IPv4Address": ip} if ip else None}}}
    return body, f("name") or None


HEALTH_DURATIONS = (("health-interval", "Interval"), ("health-timeout", "Timeout"),
                    ("health-start-period", "StartPeriod"), ("health-start-interval", "StartInterval"))


def health_config(flags: dict) -> dict | None:
    """--health-* and --no-healthcheck as docker/cli's opts.go turns them into a HealthConfig.

    Raises ValueError with the client's message for a conflict or a negative value.
    """
    given = {k: flags.get(k) for k in ("health-cmd", "health-retries", *dict(HEALTH_DURATIONS))}
    if flags.get("no-healthcheck"):
        if any(given.values()):
            raise ValueError("--no-healthcheck conflicts with --health-* options")
        return {"Test": ["NONE"]}
    if not any(given.values()):
        return None
    for name in ("health-interval", "health-timeout", "health-retries", "health-start-period",
                 "health-start-interval"):
        if (given[name] or 0) < 0:
            raise ValueError(f"--{name} cannot be negative")
    health: dict = {"Test": ["CMD-SHELL", given["health-cmd"]] if given["health-cmd"] else None}
    health.update({key: int(given[flag] or 0) for flag, key in HEALTH_DURATIONS})
    health["Retries"] = int(given["health-retries"] or 0)
    return health


# ---------------------------------------------------------------------------
# What the docker client refuses before it talks to the daemon (opts.go,
# run.go): its messages have no "Error response from daemon" prefix.
# ---------------------------------------------------------------------------

def client_error(verb: str, message: str):
    """`docker run` reports a bad option as `docker: <msg>` + the --help hint, exit 125."""
    from .context import CliExit
    return CliExit(f"docker: {message}\n\nRun 'docker {verb} --help' for more information", 125)


def absolute_bind(bind: str) -> str:
    """Docker 23+'s client makes `-v ./dir:/x` and `-v .:/x` absolute (from the current directory)."""
    host, sep, rest = bind.partition(":")
    if sep and (host == "." or host.startswith("./")):
        return os.path.abspath(host) + ":" + rest
    return bind


def client_checks(flags: dict, args: list[str], verb: str = "run") -> None:
    """Docker 28's client-side validation of run/create options, in its order."""
    from dockerlab.engine.images import reference
    from dockerlab.engine.network.portspec import parse_publish as parse_port
    for spec in flags.get("publish") or []:
        try:
            parse_port(spec)
        except InvalidArgument as e:
            raise client_error(verb, str(e)) from None
    restart = str(flags.get("restart") or "")
    name, sep, count = restart.partition(":")
    if sep and not name:
        raise client_error(verb, "invalid restart policy format: no policy provided before colon")
    if count and not re.fullmatch(r"[+-]?\d+", count):
        raise client_error(verb, "invalid restart policy format: maximum retry count must be an integer")
    if flags.get("rm") and name not in ("", "no"):
        raise client_error(verb, "conflicting options: cannot specify both --restart and --rm")
    try:
        health_config(flags)
    except ValueError as e:
        raise client_error(verb, str(e)) from None
    try:
        reference.parse(args[0])
    except InvalidArgument as e:
        raise client_error(verb, str(e)) from None
    daemon_checks(flags)


RESTART_NAMES = ("no", "always", "on-failure", "unless-stopped")


def daemon_checks(flags: dict) -> None:
    """The daemon's own refusals (InvalidArgument: printed as `Error response from daemon`)."""
    name, _, count = str(flags.get("restart") or "").partition(":")
    if name and name not in RESTART_NAMES:
        raise InvalidArgument(f"invalid restart policy: unknown policy '{name}'; use one of "
                              "'no', 'always', 'on-failure', or 'unless-stopped'")
    if count and int(count) != 0 and name != "on-failure":
        raise InvalidArgument("invalid restart policy: maximum retry count can only be used with "
                              "'on-failure'" + (" and cannot be negative" if int(count) < 0 else ""))
    if count and int(count) < 0 and name == "on-failure":
        raise InvalidArgument("invalid restart policy: maximum retry count cannot be negative")
