"""The `container:` check: criteria read from `docker inspect` JSON.

Each criterion reads the same inspect field a student would look at
(`State.Status`, `HostConfig.PortBindings`, `Mounts`...), so what the
check sees is what `docker inspect` shows.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from dockerlab.tutor.checks.context import CheckContext
from dockerlab.tutor.checks.imageref import same_image
from dockerlab.tutor.checks.matching import Criterion, differs, judge, lacks
from dockerlab.tutor.checks.models import ContainerCheck, MountMatch
from dockerlab.tutor.checks.units import parse_publish


def name_of(container: dict) -> str:
    return container.get("Name", "").lstrip("/") or container.get("Id", "")[:12]


def env_dict(env: list[str] | None) -> dict[str, str]:
    """`["A=1", "B"]` -> `{"A": "1", "B": ""}` (Docker's Config.Env form)."""
    pairs = (item.partition("=") for item in env or [])
    return {key: value for key, _, value in pairs}


def env_reason(field: str, want: dict[str, str | None], env: list[str] | None) -> str | None:
    have = env_dict(env)
    for key, value in want.items():
        if key not in have:
            return lacks(field, key)
        if value is not None and have[key] != value:
            return differs(f"{field}.{key}", have[key], value)
    return None


def subset_reason(field: str, want: list[str], have: list[str] | None) -> str | None:
    missing = [item for item in want if item not in (have or [])]
    return lacks(field, missing[0]) if missing else None


def _bindings(c: dict, key: str) -> list[dict]:
    configured = (c.get("HostConfig") or {}).get("PortBindings") or {}
    actual = (c.get("NetworkSettings") or {}).get("Ports") or {}
    return list(configured.get(key) or []) + list(actual.get(key) or [])


def _publish(want: list[str], c: dict) -> str | None:
    for text in want:
        m = parse_publish(text)
        if not any((not m.host_port or b.get("HostPort") == m.host_port)
                   and (not m.host_ip or b.get("HostIp") == m.host_ip)
                   for b in _bindings(c, m.key)):
            return lacks("publish", text)
    return None


def _ports(want: list[str], c: dict) -> str | None:
    missing = [key for key in want if not _bindings(c, key)]
    return lacks("ports", missing[0]) if missing else None


def _network(want: str, c: dict) -> str | None:
    mode = (c.get("HostConfig") or {}).get("NetworkMode") or "default"
    joined = list(((c.get("NetworkSettings") or {}).get("Networks") or {}).keys())
    if want in joined or want == mode or (want == "bridge" and mode == "default"):
        return None
    return differs("network", joined or mode, want)


def _restart(want: str, c: dict) -> str | None:
    policy = (c.get("HostConfig") or {}).get("RestartPolicy") or {}
    name, _, retries = want.partition(":")
    have = policy.get("Name") or "no"
    ok = have == name and (not retries or int(retries) == policy.get("MaximumRetryCount", 0))
    shown = have + (f":{policy.get('MaximumRetryCount')}" if policy.get("MaximumRetryCount") else "")
    return None if ok else differs("restart", shown, want)


def _cpus(want: float, c: dict) -> str | None:
    host = c.get("HostConfig") or {}
    have = (host.get("NanoCpus") or 0) / 1e9
    if not have and host.get("CpuQuota") and host.get("CpuPeriod"):
        have = host["CpuQuota"] / host["CpuPeriod"]
    return None if abs(have - want) < 1e-6 else differs("cpus", have, want)


def _plain(field: str, *keys: str, default: Any = None) -> Criterion:
    """A criterion comparing one inspect field (path `keys`) for equality."""
    def check(want: Any, c: dict) -> str | None:
        value: Any = c
        for key in keys:
            value = (value or {}).get(key)
        value = default if value is None else value
        return None if value == want else differs(field, value, want)
    return check


def _words(field: str, key: str) -> Criterion:
    def check(want: list[str], c: dict) -> str | None:
        have = (c.get("Config") or {}).get(key) or []
        return None if list(have) == list(want) else differs(field, have, want)
    return check


class ContainerMatcher:
    """The criteria of one evaluation (they need the context: paths, images)."""

    def __init__(self, ctx: CheckContext):
        self.ctx = ctx
        self._images: list[dict] | None = None

    def _image(self, want: str, c: dict) -> str | None:
        recorded = (c.get("Config") or {}).get("Image", "")
        if same_image(want, recorded):
            return None
        if self._images is None:
            self._images = self.ctx.engine.list_images()
        ids = {img.get("Id") for img in self._images
               if any(same_image(want, tag) for tag in img.get("RepoTags") or [])}
        return None if c.get("Image") in ids else differs("image", recorded, want)

    def _mount_ok(self, want: MountMatch, m: dict) -> bool:
        if want.type and m.get("Type") != want.type:
            return False
        if want.destination and os.path.normpath(m.get("Destination", "")) != \
                os.path.normpath(want.destination):
            return False
        if want.rw is not None and bool(m.get("RW")) != want.rw:
            return False
        if want.source:
            if m.get("Type") == "volume":
                return want.source in (m.get("Name"), m.get("Source"))
            source = Path(self.ctx.workdir, want.source)
            return os.path.realpath(m.get("Source", "")) == os.path.realpath(source)
        return True

    def _mounts(self, want: list[MountMatch], c: dict) -> str | None:
        for item in want:
            if not any(self._mount_ok(item, m) for m in c.get("Mounts") or []):
                return lacks("mounts", item)
        return None

    def criteria(self) -> dict[str, Criterion]:
        return {
            "name": lambda want, c: None if name_of(c) == want else differs("name", name_of(c), want),
            "image": self._image,
            "state": _plain("state", "State", "Status"),
            "exit_code": _plain("exit_code", "State", "ExitCode"),
            "ports": _ports,
            "publish": _publish,
            "mounts": self._mounts,
            "env": lambda want, c: env_reason("env", want, (c.get("Config") or {}).get("Env")),
            "user": _plain("user", "Config", "User", default=""),
            "hostname": _plain("hostname", "Config", "Hostname", default=""),
            "entrypoint": _words("entrypoint", "Entrypoint"),
            "cmd": _words("cmd", "Cmd"),
            "network": _network,
            "restart": _restart,
            "memory": _plain("memory", "HostConfig", "Memory", default=0),
            "cpus": _cpus,
            "oom_killed": _plain("oom_killed", "State", "OOMKilled", default=False),
            "auto_remove": _plain("auto_remove", "HostConfig", "AutoRemove", default=False),
            "health": _plain("health", "State", "Health", "Status", default="none"),
            "labels": lambda want, c: env_reason(
                "labels", want, [f"{k}={v}" for k, v in ((c.get("Config") or {}).get("Labels") or {}).items()]),
            "extra_hosts": lambda want, c: subset_reason(
                "extra_hosts", [h.replace("=", ":", 1) for h in want],
                [h.replace("=", ":", 1) for h in (c.get("HostConfig") or {}).get("ExtraHosts") or []]),
            "dns": lambda want, c: subset_reason("dns", want, (c.get("HostConfig") or {}).get("Dns")),
        }


def evaluate_container(spec: ContainerCheck, ctx: CheckContext) -> tuple[bool, str]:
    containers = ctx.engine.list_containers(all=True)
    ok, details, _ = judge("container", spec, containers, ContainerMatcher(ctx).criteria(),
                           name_of, count=spec.count)
    return ok, details
