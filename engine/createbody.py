"""Turn a Docker API create body and an image config into a container record.

The CLI builds the same JSON body the real docker client sends to
`POST /containers/create`, so the CLI, the guided shell and the API server
share this one path.
"""
from __future__ import annotations

from datetime import datetime, timezone

from . import healthcheck
from .errors import InvalidArgument

MIN_MEMORY = 6 * 1024 * 1024


def now_iso() -> str:
    t = datetime.now(timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond:06d}000Z"


def merge_env(image_env: list[str], env: list[str]) -> list[str]:
    merged: dict[str, str] = {}
    for item in list(image_env or []) + list(env or []):
        key = item.split("=", 1)[0]
        merged.pop(key, None)
        merged[key] = item
    return list(merged.values())


def command_of(body: dict, image_cfg: dict) -> tuple[list[str], list[str] | None]:
    """Docker's rule: an --entrypoint given at run time clears the image's CMD."""
    entry = body.get("Entrypoint")
    cmd = body.get("Cmd")
    if isinstance(entry, str):
        entry = [entry] if entry else []
    if entry is not None:
        return list(entry), list(cmd) if cmd else None
    entry = image_cfg.get("Entrypoint") or []
    return list(entry), list(cmd) if cmd else (image_cfg.get("Cmd") or None)


def validate_host_config(hc: dict) -> None:
    mem = hc.get("Memory") or 0
    if mem and mem < MIN_MEMORY:
        raise InvalidArgument("Minimum memory limit allowed is 6MB")
    swap = hc.get("MemorySwap") or 0
    if swap and swap != -1 and mem and swap < mem:
        raise InvalidArgument("Minimum memoryswap limit should be larger than memory limit, "
                              "see usage for details")
    if swap and swap != -1 and not mem:
        raise InvalidArgument("You should always set the Memory limit when using Memoryswap limit, "
                              "see usage for details")
    if (hc.get("ShmSize") or 0) < 0:
        raise InvalidArgument("SHM size can not be less than 0")
    pid_mode = hc.get("PidMode") or ""
    if pid_mode not in ("", "host"):
        if pid_mode.startswith("container:"):
            raise InvalidArgument("dockerlab: --pid container:NAME is not supported (only --pid host)")
        raise InvalidArgument(f"invalid PID mode: {pid_mode}")
    policy = (hc.get("RestartPolicy") or {}).get("Name", "")
    if policy not in ("", "no", "always", "on-failure", "unless-stopped"):
        raise InvalidArgument(f"invalid restart policy '{policy}'")
    if hc.get("AutoRemove") and policy not in ("", "no"):
        raise InvalidArgument("can't create 'AutoRemove' container with restart policy")
    if (hc.get("RestartPolicy") or {}).get("MaximumRetryCount") and policy != "on-failure":
        raise InvalidArgument("invalid restart policy: maximum retry count can only be used with 'on-failure'")


def default_hostname(body: dict, cid: str) -> str:
    """The container's short id; the machine's own name with --network host (dockerd's
    newContainer); `container:` mode takes the other container's at start (startplan.py)."""
    if ((body.get("HostConfig") or {}).get("NetworkMode") or "") == "host":
        import socket
        return socket.gethostname()
    return cid[:12]


HOST_PORTS_DISCARDED = "Published ports are discarded when using host network mode"


def validate_network_mode(body: dict, hc: dict) -> list[str]:
    """dockerd's validateNetContainerMode / validateNetMode, in its order; returns its warnings.

    A container that joins another's network stack (`container:NAME`) takes that
    container's name, name servers, hosts and ports: setting any of them is refused.
    """
    mode = hc.get("NetworkMode") or ""
    if mode.startswith("container:"):
        if not mode.split(":", 1)[1]:
            raise InvalidArgument("Invalid network mode: invalid container format container:<name|id>")
        refused = [(body.get("Hostname"), "hostname and the network mode"),
                   (hc.get("Links"), "container type network can't be used with links. "
                                     "This would result in undefined behavior"),
                   (hc.get("Dns"), "dns and the network mode"),
                   (hc.get("ExtraHosts"), "custom host-to-IP mapping and the network mode"),
                   (hc.get("PortBindings") or hc.get("PublishAllPorts"),
                    "port publishing and the container type network mode"),
                   (body.get("ExposedPorts"), "port exposing and the container type network mode")]
        for value, what in refused:
            if value:
                raise InvalidArgument("conflicting options: " + what)
    if mode == "host":
        if hc.get("Links"):
            raise InvalidArgument("conflicting options: host type networking can't be used with links. "
                                  "This would result in undefined behavior")
        if hc.get("PortBindings"):
            return [HOST_PORTS_DISCARDED]
    return []


def build_config(body: dict, image_ref: str, image_cfg: dict, cid: str) -> dict:
    entry, cmd = command_of(body, image_cfg)
    argv = entry + (cmd or [])
    if not argv:
        raise InvalidArgument("no command specified")
    labels = dict(image_cfg.get("Labels") or {})
    labels.update(body.get("Labels") or {})
    exposed = dict(image_cfg.get("ExposedPorts") or {})
    exposed.update(body.get("ExposedPorts") or {})
    volumes = dict(image_cfg.get("Volumes") or {})
    volumes.update(body.get("Volumes") or {})
    config = {
        "Hostname": body.get("Hostname") or default_hostname(body, cid),
        "Domainname": body.get("Domainname", ""),
        "User": body.get("User") or image_cfg.get("User", ""),
        "AttachStdin": bool(body.get("AttachStdin")), "AttachStdout": bool(body.get("AttachStdout", True)),
        "AttachStderr": bool(body.get("AttachStderr", True)),
        "ExposedPorts": exposed or None, "Tty": bool(body.get("Tty")),
        "OpenStdin": bool(body.get("OpenStdin")), "StdinOnce": bool(body.get("StdinOnce")),
        "Env": merge_env(image_cfg.get("Env") or [], body.get("Env") or []),
        "Cmd": cmd, "Image": image_ref, "Volumes": volumes or None,
        "WorkingDir": body.get("WorkingDir") or image_cfg.get("WorkingDir", ""),
        "Entrypoint": entry or None, "OnBuild": None, "Labels": labels,
    }
    signal = body.get("StopSignal") or image_cfg.get("StopSignal")
    if signal:
        config["StopSignal"] = signal
    if body.get("StopTimeout") is not None:
        config["StopTimeout"] = body["StopTimeout"]
    healthcheck.validate(body.get("Healthcheck"))
    health = healthcheck.merge(body.get("Healthcheck"), image_cfg.get("Healthcheck"))
    if health:
        config["Healthcheck"] = health
    shell = body.get("Shell") or image_cfg.get("Shell")
    if shell:
        config["Shell"] = list(shell)      # a CMD-SHELL health check runs with it
    return config


HOST_CONFIG_DEFAULTS = {
    "Binds": None, "ContainerIDFile": "", "LogConfig": {"Type": "json-file", "Config": {}},
    "NetworkMode": "bridge", "PortBindings": {}, "RestartPolicy": {"Name": "no", "MaximumRetryCount": 0},
    "AutoRemove": False, "VolumeDriver": "", "VolumesFrom": None,
    "ConsoleSize": [0, 0], "CapAdd": None, "CapDrop": None,
    "Dns": [], "DnsOptions": [], "DnsSearch": [], "ExtraHosts": None, "GroupAdd": None,
    "IpcMode": "private", "Links": None, "PidMode": "", "Privileged": False,
    "PublishAllPorts": False, "ReadonlyRootfs": False, "SecurityOpt": None, "UTSMode": "",
    "ShmSize": 67108864, "Runtime": "runc", "Memory": 0, "MemorySwap": 0, "NanoCpus": 0,
    "CpuShares": 0, "CpusetCpus": "", "PidsLimit": None, "Mounts": None, "Tmpfs": None,
    "Init": None,
}


def build_host_config(body: dict) -> dict:
    hc = dict(HOST_CONFIG_DEFAULTS)
    hc.update({k: v for k, v in (body.get("HostConfig") or {}).items() if v is not None})
    if hc.get("NetworkMode") in ("", "default"):
        hc["NetworkMode"] = "bridge"
    if not hc.get("RestartPolicy"):
        hc["RestartPolicy"] = {"Name": "no", "MaximumRetryCount": 0}
    hc["RestartPolicy"].setdefault("MaximumRetryCount", 0)
    if not hc["RestartPolicy"].get("Name"):
        hc["RestartPolicy"]["Name"] = "no"
    validate_host_config(hc)
    from .security import check_host_config   # SecurityOpt, caps, seccomp profile (Docker's errors)
    check_host_config(hc)
    return hc
