"""Docker's notations a teacher writes in checks: sizes and port mappings.

They are parsed the way the docker CLI parses them (go-units' RAMInBytes for
`--memory 32m`, FromHumanSize for image sizes, `[ip:]host:container[/proto]`
for `-p`), so a check written with the same text as the course's command
compares equal to what the engine recorded.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_SIZE = re.compile(r"^(\d+(?:\.\d+)?) ?([kmgtp])?(i)?b?$", re.IGNORECASE)
_POWERS = {"": 0, "k": 1, "m": 2, "g": 3, "t": 4, "p": 5}


def parse_size(value: int | float | str, binary: bool) -> int:
    """Bytes in `value` (`32m`, `1.5GB`, `512`); ValueError when unreadable.

    `binary` picks 1024-based units (memory limits, like `--memory`) or
    1000-based ones (image sizes, as `docker images` shows them). An explicit
    `Ki`/`Mi`... suffix is always 1024-based.
    """
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, (int, float)):
        if value < 0:
            raise ValueError(value)
        return int(value)
    match = _SIZE.match(value.strip())
    if not match:
        raise ValueError(value)
    number, unit, iec = match.groups()
    base = 1024 if (binary or iec) else 1000
    return int(float(number) * base ** _POWERS[(unit or "").lower()])


@dataclass(frozen=True)
class PortMapping:
    """One `-p` value: `host_ip` and `host_port` are empty when not given."""

    host_ip: str
    host_port: str
    container_port: str
    proto: str

    @property
    def key(self) -> str:
        """The key Docker's inspect JSON uses for the container side."""
        return f"{self.container_port}/{self.proto}"


_PORT = re.compile(
    r"^(?:(?:(?P<ip>\[[0-9a-fA-F:.]+\]|\d+\.\d+\.\d+\.\d+|localhost):)?(?P<host>\d*):)?"
    r"(?P<cport>\d+)(?:/(?P<proto>tcp|udp|sctp))?$"
)


def parse_publish(text: str) -> PortMapping:
    """Parse `8080:80`, `127.0.0.1:8080:80/tcp`, `:80` or `80`."""
    match = _PORT.match(text.strip())
    if not match:
        raise ValueError(text)
    ip = (match["ip"] or "").strip("[]")
    return PortMapping(ip, match["host"] or "", match["cport"], match["proto"] or "tcp")


def port_key(text: str | int) -> str:
    """`80` -> `80/tcp`; `53/udp` stays; ValueError on anything else."""
    match = re.match(r"^(\d+)(?:/(tcp|udp|sctp))?$", str(text).strip())
    if not match:
        raise ValueError(text)
    return f"{match[1]}/{match[2] or 'tcp'}"
