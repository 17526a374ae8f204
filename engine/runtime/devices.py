"""Extra device nodes in a container's /dev: `--device` and `--privileged`.

A node in the container is only a name; what it may open is decided by the
cgroup device rules (engine/cgroups/devices.py). So each device given here
gets a node made with mknod in the container's tmpfs /dev *and* an allow
rule; `--privileged` gets every host node (Docker's HostDevices walk) and
the "allow all" rule.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

from ..errors import InvalidArgument

# moby pkg/devices: directories and names HostDevices() does not copy.
_SKIPPED_DIRS = {"pts", "shm", "fd", "mqueue", ".lxc", ".lxd-mounts", ".udev"}
_SKIPPED_NAMES = {"console", "ptmx"}     # runc binds pts/ptmx instead of the host's


def describe(path_on_host: str, path_in_container: str, perms: str = "rwm") -> dict:
    """One device as the runtime needs it, from the host's node (stat at start)."""
    try:
        st = os.stat(path_on_host)
    except OSError as err:
        raise InvalidArgument(f"error gathering device information while adding custom device "
                              f'"{path_on_host}": {os.strerror(err.errno or 0).lower()}') from None
    if stat.S_ISCHR(st.st_mode):
        kind = "c"
    elif stat.S_ISBLK(st.st_mode):
        kind = "b"
    else:
        raise InvalidArgument(f"error gathering device information while adding custom device "
                              f'"{path_on_host}": not a device node')
    return {"path": path_in_container, "type": kind, "major": os.major(st.st_rdev),
            "minor": os.minor(st.st_rdev), "mode": stat.S_IMODE(st.st_mode),
            "uid": st.st_uid, "gid": st.st_gid, "perms": perms or "rwm"}


def from_host_config(hc_devices: list[dict]) -> list[dict]:
    """HostConfig.Devices ({PathOnHost, PathInContainer, CgroupPermissions}) resolved."""
    out = []
    for d in hc_devices or []:
        host = d.get("PathOnHost") or ""
        out.append(describe(host, d.get("PathInContainer") or host,
                            d.get("CgroupPermissions") or "rwm"))
    return out


def host_devices(root: str = "/dev") -> list[dict]:
    """Every char/block node under the host's /dev (what --privileged containers see)."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in _SKIPPED_DIRS]
        for name in filenames:
            if name in _SKIPPED_NAMES:
                continue
            full = os.path.join(dirpath, name)
            try:
                found.append(describe(full, full))
            except InvalidArgument:
                continue                      # symlinks to files, sockets, vanished nodes
    return found


def make_nodes(container_root: Path, devices: list[dict]) -> None:
    """mknod each device under the container's root (its /dev is a fresh tmpfs)."""
    for d in devices:
        target = container_root / d["path"].lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        kind = stat.S_IFCHR if d["type"] == "c" else stat.S_IFBLK
        try:
            os.unlink(target)
        except FileNotFoundError:
            pass
        os.mknod(target, d["mode"] | kind, os.makedev(d["major"], d["minor"]))
        os.chown(target, d["uid"], d["gid"])
        os.chmod(target, d["mode"])


def cgroup_rules(devices: list[dict]) -> list:
    """Allow rules for the given devices, appended to Docker's default list."""
    from ..cgroups import DeviceRule
    return [DeviceRule(True, d["type"], d["major"], d["minor"], d["perms"]) for d in devices]


def parse_device(text: str) -> dict:
    """`--device SRC[:DST][:PERMS]` as the docker client reads it."""
    parts = text.split(":")
    if not 1 <= len(parts) <= 3 or not parts[0]:
        raise InvalidArgument(f"invalid device specification: {text}")
    src, dst, perms = parts[0], "", "rwm"
    if len(parts) == 3:
        dst, perms = parts[1], parts[2]
    elif len(parts) == 2:
        if parts[1] and set(parts[1]) <= set("rwm") and len(parts[1]) <= 3:
            perms = parts[1]
        else:
            dst = parts[1]
    if not perms or set(perms) - set("rwm"):
        raise InvalidArgument(f"invalid device specification: {text}")
    return {"PathOnHost": src, "PathInContainer": dst or src, "CgroupPermissions": perms}
