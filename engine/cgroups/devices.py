"""Which device nodes a container may open or create: Docker's default rules.

Docker's spec (moby oci/defaults.go) denies every device, allows null, zero,
urandom, random, tty and console, and denies fuse; runc then appends its own
allow-list (mknod of any node, null, random, full, tty, zero, urandom,
/dev/pts/*, ptmx and tun). The same list drives the v1 devices controller
(as devices.allow / devices.deny lines) and the v2 eBPF filter (devfilter.py).
"""
from __future__ import annotations

from dataclasses import dataclass

WILDCARD = -1
ACCESS_BITS = {"m": 1, "r": 2, "w": 4}      # BPF_DEVCG_ACC_* values


@dataclass(frozen=True)
class DeviceRule:
    allow: bool
    type: str            # "a" (all), "c" (char) or "b" (block)
    major: int = WILDCARD
    minor: int = WILDCARD
    access: str = "rwm"

    def v1_line(self) -> str:
        """The line written to devices.allow / devices.deny."""
        if self.type == "a":
            return "a"
        num = lambda n: "*" if n == WILDCARD else str(n)  # noqa: E731
        return f"{self.type} {num(self.major)}:{num(self.minor)} {self.access}"

    def access_mask(self) -> int:
        return sum(ACCESS_BITS[c] for c in set(self.access))


def _allow(kind: str, major: int, minor: int, access: str = "rwm") -> DeviceRule:
    return DeviceRule(True, kind, major, minor, access)


DOCKER_DEFAULT: tuple[DeviceRule, ...] = (
    # moby oci.DefaultLinuxSpec()
    DeviceRule(False, "a"),
    _allow("c", 1, 5), _allow("c", 1, 3), _allow("c", 1, 9), _allow("c", 1, 8),
    _allow("c", 5, 0), _allow("c", 5, 1),
    DeviceRule(False, "c", 10, 229),                     # fuse
    # runc specconv.AllowedDevices, appended after the spec's rules
    _allow("c", WILDCARD, WILDCARD, "m"), _allow("b", WILDCARD, WILDCARD, "m"),
    _allow("c", 1, 3), _allow("c", 1, 8), _allow("c", 1, 7), _allow("c", 5, 0),
    _allow("c", 1, 5), _allow("c", 1, 9),
    _allow("c", 136, WILDCARD),                          # /dev/pts/*
    _allow("c", 5, 2),                                   # /dev/ptmx
    _allow("c", 10, 200),                                # /dev/net/tun
)

ALLOW_ALL: tuple[DeviceRule, ...] = (DeviceRule(True, "a"),)   # --privileged


def parse_rule(text: str, allow: bool = True) -> DeviceRule:
    """Parse a --device-cgroup-rule value such as "c 1:3 rwm" or "a"."""
    parts = text.split()
    if parts == ["a"]:
        return DeviceRule(allow, "a")
    try:
        kind, numbers, access = parts
        major_s, minor_s = numbers.split(":")
        num = lambda s: WILDCARD if s == "*" else int(s)  # noqa: E731
        rule = DeviceRule(allow, kind, num(major_s), num(minor_s), access)
    except ValueError:
        raise ValueError(f"invalid device cgroup format '{text}'") from None
    if kind not in "acb" or not access or set(access) - set("rwm"):
        raise ValueError(f"invalid device cgroup format '{text}'")
    return rule


def reduce(rules: tuple[DeviceRule, ...] | list[DeviceRule]) -> tuple[bool, list[DeviceRule]]:
    """(default verdict, rules that still matter): a wildcard "a" rule resets all before it."""
    default, active = True, []
    for rule in rules:
        if rule.type == "a":
            default, active = rule.allow, []
        else:
            active.append(rule)
    return default, active


def _matches(rule: DeviceRule, kind: str, major: int, minor: int, access: int) -> bool:
    if rule.type != kind:
        return False
    if rule.major not in (WILDCARD, major) or rule.minor not in (WILDCARD, minor):
        return False
    if rule.allow:
        return access & ~rule.access_mask() == 0     # every requested right granted
    return access & rule.access_mask() != 0          # any requested right denied


def allows(rules, kind: str, major: int, minor: int, access: str) -> bool:
    """The verdict for one request: the last matching rule wins (the reference model)."""
    default, active = reduce(rules)
    mask = sum(ACCESS_BITS[c] for c in set(access))
    for rule in reversed(active):
        if _matches(rule, kind, major, minor, mask):
            return rule.allow
    return default
