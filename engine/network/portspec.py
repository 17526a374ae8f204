"""`-p` / `--publish` values, parsed with Docker's rules and messages.

Forms: `80`, `8080:80`, `127.0.0.1:8080:80`, `127.0.0.1::80`, `[::1]:8080:80`,
`8000-8005:80-85` (one to one), `8000-8005:80` (any free port of the range),
and a `/tcp`, `/udp` or `/sctp` suffix (sctp is refused later: the lab's
proxy speaks TCP and UDP).
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from ..errors import InvalidArgument


@dataclass(frozen=True)
class PortBinding:
    """One container port published on the host (Docker's PortBinding + its port)."""

    container_port: int
    proto: str = "tcp"
    host_ip: str = ""           # "" = every address (0.0.0.0 and ::)
    host_port: int = 0          # 0 = a free ephemeral port
    host_port_end: int = 0      # > host_port: any free port in [host_port, host_port_end]

    @property
    def key(self) -> str:
        """Docker's port key, e.g. `80/tcp`."""
        return f"{self.container_port}/{self.proto}"


def _port_number(text: str) -> int:
    if not text.isdigit():
        raise ValueError(text)
    value = int(text)
    if value > 65535:
        raise ValueError(text)
    return value


def _port_range(text: str) -> tuple[int, int]:
    start, sep, end = text.partition("-")
    first = _port_number(start)
    if not sep or start == end:
        return first, first
    last = _port_number(end)
    if last < first:
        raise ValueError(text)
    return first, last


def _split(spec: str) -> tuple[str, str, str]:
    parts = spec.split(":")
    if len(parts) == 1:
        return "", "", parts[0]
    if len(parts) == 2:
        return "", parts[0], parts[1]
    return ":".join(parts[:-2]), parts[-2], parts[-1]


def _host_ip(ip: str) -> str:
    if ip.startswith("[") and ip.endswith("]"):
        ip = ip[1:-1]
    if not ip:
        return ""
    try:
        return str(ipaddress.ip_address(ip))
    except ValueError:
        raise InvalidArgument(f"invalid IP address: {ip}") from None


def parse_publish(spec: str) -> list[PortBinding]:
    """All bindings one `-p` value stands for (a range gives several)."""
    ip, host, container = _split(spec)
    container, _, proto = container.partition("/")
    proto = (proto or "tcp").lower()
    if not container:
        raise InvalidArgument(f"no port specified: {spec}<empty>")
    if proto not in ("tcp", "udp", "sctp"):
        raise InvalidArgument(f"invalid proto: {proto}")
    host_ip = _host_ip(ip)
    try:
        c_first, c_last = _port_range(container)
        if c_first == 0:
            raise ValueError(container)
    except ValueError:
        raise InvalidArgument(f"invalid containerPort: {container}") from None
    h_first = h_last = 0
    if host:
        try:
            h_first, h_last = _port_range(host)
        except ValueError:
            raise InvalidArgument(f"invalid hostPort: {host}") from None
        if c_last - c_first != h_last - h_first and c_last != c_first:
            raise InvalidArgument("invalid ranges specified for container and host Ports: "
                                  f"{container} and {host}")
    count = c_last - c_first + 1
    dynamic = count == 1 and h_last != h_first
    return [PortBinding(container_port=c_first + i, proto=proto, host_ip=host_ip,
                        host_port=h_first + (0 if dynamic else i) if host else 0,
                        host_port_end=h_last if dynamic else 0)
            for i in range(count)]
