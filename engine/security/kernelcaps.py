"""The calling process's capability sets, read and changed through the kernel.

Python's os module has no capget/capset and no PR_CAPBSET_* helpers; these
few ctypes calls are all the security code needs to give a container exactly
Docker's capability sets. Masks are ints: bit N is capability number N.
"""
from __future__ import annotations

import ctypes
import functools
import os
from dataclasses import dataclass

from ..runtime import libc

_libc = ctypes.CDLL(None, use_errno=True)

_LINUX_CAPABILITY_VERSION_3 = 0x20080522

PR_CAPBSET_READ = 23
PR_CAPBSET_DROP = 24
PR_SET_KEEPCAPS = 8
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4


class _Header(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _Data(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


@dataclass(frozen=True)
class CapSets:
    """The three per-thread sets capset() writes (bounding and ambient are apart)."""

    effective: int
    permitted: int
    inheritable: int


@functools.cache
def last_cap() -> int:
    """Highest capability number this kernel knows (40 since Linux 5.9).

    Asked with PR_CAPBSET_READ, which fails past the last one, rather than
    read from /proc: the child may run where /proc is not (yet) mounted.
    """
    number = 0
    while True:
        try:
            libc.prctl(PR_CAPBSET_READ, number + 1)
        except OSError:
            return number
        number += 1


def status_masks() -> dict[str, int]:
    """CapInh/CapPrm/CapEff/CapBnd/CapAmb of this process, from /proc/self/status."""
    masks = {}
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("Cap"):
                key, value = line.split(":", 1)
                masks[key] = int(value.strip(), 16)
    return masks


def bounding_mask() -> int:
    """This process's bounding set, from the kernel (no /proc needed)."""
    mask = 0
    for number in range(last_cap() + 1):
        if libc.prctl(PR_CAPBSET_READ, number):
            mask |= 1 << number
    return mask


def current() -> CapSets:
    """This thread's effective/permitted/inheritable sets (capget)."""
    header = _Header(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (_Data * 2)()
    if _libc.capget(ctypes.byref(header), data) < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"capget: {os.strerror(err)}")
    join = lambda name: getattr(data[0], name) | (getattr(data[1], name) << 32)  # noqa: E731
    return CapSets(join("effective"), join("permitted"), join("inheritable"))


def apply(sets: CapSets) -> None:
    """Replace this thread's effective/permitted/inheritable sets."""
    header = _Header(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (_Data * 2)()
    for i in (0, 1):
        shift = 32 * i
        data[i].effective = (sets.effective >> shift) & 0xFFFFFFFF
        data[i].permitted = (sets.permitted >> shift) & 0xFFFFFFFF
        data[i].inheritable = (sets.inheritable >> shift) & 0xFFFFFFFF
    if _libc.capset(ctypes.byref(header), data) < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"capset: {os.strerror(err)}")


def drop_bounding(keep: int) -> None:
    """Remove from the bounding set every capability not in `keep`.

    Needs CAP_SETPCAP in the effective set, so it runs while still root.
    """
    for number in range(last_cap() + 1):
        if keep >> number & 1:
            continue
        if libc.prctl(PR_CAPBSET_READ, number):
            libc.prctl(PR_CAPBSET_DROP, number)


def clear_ambient() -> None:
    libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)


def set_keepcaps(keep: bool) -> None:
    """Whether setresuid() away from uid 0 keeps the permitted set."""
    libc.prctl(PR_SET_KEEPCAPS, int(keep))
