"""Resolve -v / --mount / --tmpfs and the image's VOLUMEs into mounts, at create time."""
from __future__ import annotations

import os

from .errors import InvalidArgument
from .runtime.spec import MountSpec
from .volumes import VolumeStore


def _bind_or_volume(source: str, target: str, ro: bool, volumes: VolumeStore,
                    create_host_dir: bool) -> tuple[MountSpec, dict]:
    if not target.startswith("/"):
        raise InvalidArgument(f"invalid mount config: mount path must be absolute: {target}")
    if source.startswith("/"):
        if not os.path.exists(source):
            if not create_host_dir:
                raise InvalidArgument(f'invalid mount config for type "bind": bind source path does '
                                      f"not exist: {source}")
            os.makedirs(source, exist_ok=True)
        spec = MountSpec("bind", source, target, ro)
        return spec, {"Type": "bind", "Source": source, "Destination": target, "Mode": "ro" if ro else "",
                      "RW": not ro, "Propagation": "rprivate"}
    anonymous = not source
    vol = volumes.create(source or None, anonymous=anonymous)
    spec = MountSpec("volume", vol["Mountpoint"], target, ro)
    return spec, {"Type": "volume", "Name": vol["Name"], "Source": vol["Mountpoint"], "Destination": target,
                  "Driver": "local", "Mode": "ro" if ro else "z", "RW": not ro, "Propagation": ""}


def parse_bind(bind: str) -> tuple[str, str, bool]:
    parts = bind.split(":")
    if len(parts) == 1:
        return "", parts[0], False
    if len(parts) == 2:
        return parts[0], parts[1], False
    if len(parts) == 3:
        opts = parts[2].split(",")
        bad = [o for o in opts if o not in ("ro", "rw", "z", "Z", "rprivate", "private", "rshared", "shared",
                                             "rslave", "slave", "nocopy")]
        if bad:
            raise InvalidArgument(f"invalid mode: {parts[2]}")
        return parts[0], parts[1], "ro" in opts
    raise InvalidArgument(f"invalid spec: {bind}: too many colons")


def resolve_mounts(config: dict, hc: dict, volumes: VolumeStore) -> tuple[list[MountSpec], list[dict]]:
    specs: list[MountSpec] = []
    shown: list[dict] = []
    seen: set[str] = set()

    def add(spec: MountSpec, info: dict) -> None:
        if spec.destination in seen:
            raise InvalidArgument(f"Duplicate mount point: {spec.destination}")
        seen.add(spec.destination)
        specs.append(spec)
        shown.append(info)

    for bind in hc.get("Binds") or []:
        add(*_bind_or_volume(*parse_bind(bind), volumes, create_host_dir=True))
    for m in hc.get("Mounts") or []:
        kind = m.get("Type", "volume")
        target = m.get("Target", "")
        if kind == "tmpfs":
            size = (m.get("TmpfsOptions") or {}).get("SizeBytes")
            add(MountSpec("tmpfs", "tmpfs", target, False, f"size={size}" if size else ""),
                {"Type": "tmpfs", "Source": "", "Destination": target, "Mode": "", "RW": True, "Propagation": ""})
        elif kind in ("bind", "volume"):
            source = m.get("Source", "")
            if kind == "bind" and not source.startswith("/"):
                raise InvalidArgument(f'invalid mount config for type "bind": invalid mount path: '
                                      f"'{source}' mount path must be absolute")
            add(*_bind_or_volume(source, target, bool(m.get("ReadOnly")), volumes, create_host_dir=False))
        else:
            raise InvalidArgument(f'invalid mount config for type "{kind}": unsupported mount type')
    for target, opts in (hc.get("Tmpfs") or {}).items():
        add(MountSpec("tmpfs", "tmpfs", target, False, opts),
            {"Type": "tmpfs", "Source": "", "Destination": target, "Mode": "", "RW": True, "Propagation": ""})
    for target in (config.get("Volumes") or {}):
        if target not in seen:
            add(*_bind_or_volume("", target, False, volumes, create_host_dir=False))
    return specs, shown
