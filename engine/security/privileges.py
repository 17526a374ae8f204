"""Switch the container's process to its user and Docker's capability sets.

Runs in the child after pivot_root, before the seccomp filter. The result is
what runc gives a Docker container: bounding = permitted = effective = the
container's capability list for root, an empty permitted/effective set for any
other user (the bounding set still limits setuid binaries), inheritable and
ambient empty (moby empties inheritable since CVE-2022-24769).

Seccomp hand-over: loading a filter without no_new_privs needs CAP_SYS_ADMIN
in the effective set, and Docker does not set no_new_privs unless asked. So
when a filter will follow, CAP_SYS_ADMIN stays in permitted/effective (never
in bounding) until `apply_seccomp` has loaded it and drops it. Even if that
last step failed, execve() could not pass the capability on: it is out of the
bounding set, which caps what any program gets after exec.
"""
from __future__ import annotations

import os

from . import kernelcaps
from .capabilities import CAPABILITIES, capability_names, mask_of
from .options import SecurityOptions
from .seccomp_profile import is_confined
from ..runtime import libc

_SYS_ADMIN = 1 << CAPABILITIES["CAP_SYS_ADMIN"]
PR_SET_DUMPABLE = 4


def final_sets(opts: SecurityOptions, uid: int) -> kernelcaps.CapSets:
    """The sets the container's program starts with (uid 0 keeps its list)."""
    if uid != 0:
        return kernelcaps.CapSets(0, 0, 0)
    mask = mask_of(capability_names(opts))
    return kernelcaps.CapSets(effective=mask, permitted=mask, inheritable=0)


def holds_for_seccomp(opts: SecurityOptions) -> bool:
    """Whether CAP_SYS_ADMIN must outlive drop_privileges to load the filter."""
    return is_confined(opts) and not opts.no_new_privileges


def drop_privileges(opts: SecurityOptions, uid: int, gid: int, groups: list[int]) -> None:
    """Become `uid`/`gid`/`groups` with the container's capabilities only.

    Order matters: the bounding set can only shrink while CAP_SETPCAP is
    effective (so first); PR_SET_KEEPCAPS keeps the permitted set across
    setresuid() so capset() can then choose exactly what remains.
    Non-dumpable first: once our capabilities are no more than the
    container's, its processes could otherwise open /proc/<us>/exe, which is
    still the host's Python binary (runc's CVE-2019-5736). execve makes the
    container's program dumpable again.
    """
    libc.prctl(PR_SET_DUMPABLE, 0)
    allowed = mask_of(capability_names(opts))
    kernelcaps.drop_bounding(allowed)
    kernelcaps.clear_ambient()
    kernelcaps.set_keepcaps(True)
    os.setgroups(groups)
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    kernelcaps.set_keepcaps(False)
    target = final_sets(opts, uid)
    if holds_for_seccomp(opts):
        target = kernelcaps.CapSets(target.effective | _SYS_ADMIN,
                                    target.permitted | _SYS_ADMIN, target.inheritable)
    kernelcaps.apply(target)
    if opts.no_new_privileges:
        libc.prctl(libc.PR_SET_NO_NEW_PRIVS, 1)


def release_seccomp_hold(opts: SecurityOptions) -> None:
    """Drop the CAP_SYS_ADMIN kept for loading the filter, if it is not the container's.

    Docker's profile allows capset. A custom profile that denies it leaves the
    capability until execve, which removes it (see the module docstring).
    """
    target = final_sets(opts, os.geteuid())
    if kernelcaps.current() == target:
        return
    try:
        kernelcaps.apply(target)
    except PermissionError:
        pass
