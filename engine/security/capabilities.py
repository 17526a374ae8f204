"""Capability names, Docker's default set and how --cap-add/--cap-drop change it.

Follows moby's `daemon/pkg/oci/caps` package: names are normalized to upper
case with a `CAP_` prefix, "ALL" is a magic value, unknown names and names the
current environment cannot grant are refused with Docker's messages, and the
effective list is built the way `TweakCapabilities` builds it.
"""
from __future__ import annotations

from . import kernelcaps
from .options import SecurityOptions
from ..errors import InvalidArgument

# Kernel ABI numbers (include/uapi/linux/capability.h), up to Linux 5.9's last one.
CAPABILITIES: dict[str, int] = {
    "CAP_CHOWN": 0, "CAP_DAC_OVERRIDE": 1, "CAP_DAC_READ_SEARCH": 2, "CAP_FOWNER": 3,
    "CAP_FSETID": 4, "CAP_KILL": 5, "CAP_SETGID": 6, "CAP_SETUID": 7, "CAP_SETPCAP": 8,
    "CAP_LINUX_IMMUTABLE": 9, "CAP_NET_BIND_SERVICE": 10, "CAP_NET_BROADCAST": 11,
    "CAP_NET_ADMIN": 12, "CAP_NET_RAW": 13, "CAP_IPC_LOCK": 14, "CAP_IPC_OWNER": 15,
    "CAP_SYS_MODULE": 16, "CAP_SYS_RAWIO": 17, "CAP_SYS_CHROOT": 18, "CAP_SYS_PTRACE": 19,
    "CAP_SYS_PACCT": 20, "CAP_SYS_ADMIN": 21, "CAP_SYS_BOOT": 22, "CAP_SYS_NICE": 23,
    "CAP_SYS_RESOURCE": 24, "CAP_SYS_TIME": 25, "CAP_SYS_TTY_CONFIG": 26, "CAP_MKNOD": 27,
    "CAP_LEASE": 28, "CAP_AUDIT_WRITE": 29, "CAP_AUDIT_CONTROL": 30, "CAP_SETFCAP": 31,
    "CAP_MAC_OVERRIDE": 32, "CAP_MAC_ADMIN": 33, "CAP_SYSLOG": 34, "CAP_WAKE_ALARM": 35,
    "CAP_BLOCK_SUSPEND": 36, "CAP_AUDIT_READ": 37, "CAP_PERFMON": 38, "CAP_BPF": 39,
    "CAP_CHECKPOINT_RESTORE": 40,
}

# moby daemon/pkg/oci/caps/defaults.go, in Docker's order.
DEFAULT_CAPS: list[str] = [
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
    "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
]

ALL = "ALL"


def available() -> list[str]:
    """Capabilities this kernel has and this process may still grant.

    Docker's "ALL" (and --privileged) means these, not the whole table: a
    capability missing from our own bounding set cannot be given to a child.
    """
    last, bounding = kernelcaps.last_cap(), kernelcaps.bounding_mask()
    return [name for name, n in CAPABILITIES.items() if n <= last and bounding >> n & 1]


def normalize(names: list[str], field: str = "CapAdd") -> list[str]:
    """Docker's NormalizeLegacyCapabilities: "net_admin" -> "CAP_NET_ADMIN".

    `field` ("CapAdd" or "CapDrop") prefixes the error as the daemon does:
    `invalid CapAdd: unknown capability: "CAP_FOO"`.
    """
    result = []
    for raw in names:
        name = raw.upper()
        if name != ALL and not name.startswith("CAP_"):
            name = "CAP_" + name
        if name != ALL and name not in CAPABILITIES:
            raise InvalidArgument(f'invalid {field}: unknown capability: "{name}"')
        result.append(name)
    return result


def require_available(names: list[str], field: str = "CapAdd") -> None:
    """Refuse names this environment cannot grant (Docker checks this at create).

    Not repeated in the container's child: once its bounding set is cut,
    most capabilities are unavailable there by design.
    """
    grantable = set(available())
    for name in normalize(names, field):
        if name != ALL and name not in grantable:
            raise InvalidArgument(
                f"invalid {field}: capability not supported by your kernel or not "
                f'available in the current environment: "{name}"')


def capability_names(opts: SecurityOptions) -> list[str]:
    """The container's capability list (bounding, and permitted/effective for root).

    Docker's TweakCapabilities: privileged gets everything available; "ALL" in
    cap_add gives everything but cap_drop; "ALL" in cap_drop keeps only cap_add;
    otherwise the defaults minus cap_drop plus cap_add.
    """
    if opts.privileged:
        return available()
    if not opts.cap_add and not opts.cap_drop:
        return list(DEFAULT_CAPS)
    drops = normalize(opts.cap_drop, "CapDrop")
    adds = normalize(opts.cap_add, "CapAdd")
    if ALL in adds:
        caps = [c for c in available() if c not in drops]
    elif ALL in drops:
        caps = adds
    else:
        caps = [c for c in DEFAULT_CAPS if c not in drops] + adds
    return list(dict.fromkeys(caps))


def mask_of(names: list[str]) -> int:
    """Bit mask of capability names, as the kernel's sets hold them."""
    mask = 0
    for name in names:
        mask |= 1 << CAPABILITIES[name]
    return mask


def names_of(mask: int) -> list[str]:
    """Capability names set in `mask`, in number order (as capsh prints them)."""
    return [name for name, n in CAPABILITIES.items() if mask >> n & 1]
