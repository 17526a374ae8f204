"""The container's /etc/hosts, /etc/hostname and /etc/resolv.conf (kept in its directory)."""
from __future__ import annotations

import os

from ..fsutil import atomic_write_bytes
from .spec import ContainerSpec

BASE = """127.0.0.1\tlocalhost
::1\tlocalhost ip6-localhost ip6-loopback
fe00::0\tip6-localnet
ff00::0\tip6-mcastprefix
ff02::1\tip6-allnodes
ff02::2\tip6-allrouters
"""


def write_hosts(spec: ContainerSpec, ip: str, extra: list[tuple[str, str]] = ()) -> None:
    """Docker's layout: the base entries, --add-host/--link entries, then our own address."""
    lines = [BASE]
    extra_file = spec.container_dir / "hosts.extra"
    if extra_file.exists():
        lines.append(extra_file.read_text())
    for name, addr in extra:
        lines.append(f"{addr}\t{name}\n")
    if ip:
        lines.append(f"{ip}\t{spec.hostname or spec.id[:12]}\n")
    rewrite_in_place(spec.container_dir / "hosts", "".join(lines).encode())


def rewrite_in_place(path, data: bytes) -> None:
    """Replace the content but keep the inode, as Docker does for /etc/hosts.

    The file is bind-mounted into the container (possibly before the network
    is plugged, see child.run_child); a rename would leave the mount on the
    old inode, so the container would never see its own address.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        atomic_write_bytes(path, data, durable=False)
        return
    try:
        os.ftruncate(fd, 0)
        os.write(fd, data)
    finally:
        os.close(fd)


def write_hostname(spec: ContainerSpec) -> None:
    atomic_write_bytes(spec.container_dir / "hostname", f"{spec.hostname or spec.id[:12]}\n".encode(),
                       durable=False)


def write_resolv_conf(spec: ContainerSpec, text: str) -> None:
    atomic_write_bytes(spec.container_dir / "resolv.conf", text.encode(), durable=False)
