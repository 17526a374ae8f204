"""Turn a resolved seccomp Program into a kernel filter with libseccomp, and load it.

Semantics follow runc (what Docker uses): a rule naming a syscall libseccomp
does not know is skipped; several conditions on the same argument become
separate rules (OR), conditions on different arguments one rule (AND); a rule
whose action equals the default action is dropped. The filter never sets
no_new_privs by itself: Docker only sets it for --security-opt
no-new-privileges, so setuid programs keep working in containers.

libseccomp 2.5.4 (Debian 12) predates a few syscalls that Docker's profile
allows; on the native architecture they are added by number from
`_NEWER_SYSCALLS` so e.g. `mseal` behaves as under Docker with a newer
libseccomp. Those numbers are kernel ABI and cannot change.
"""
from __future__ import annotations

import errno
import os

import pyseccomp

from .seccomp_profile import ArgCondition, Program

_OPS = {"SCMP_CMP_NE": pyseccomp.NE, "SCMP_CMP_LT": pyseccomp.LT, "SCMP_CMP_LE": pyseccomp.LE,
        "SCMP_CMP_EQ": pyseccomp.EQ, "SCMP_CMP_GE": pyseccomp.GE, "SCMP_CMP_GT": pyseccomp.GT,
        "SCMP_CMP_MASKED_EQ": pyseccomp.MASKED_EQ}

# Syscalls newer than libseccomp 2.5.4, by machine: numbers from the kernel's
# syscall tables (from 424 on, every architecture but alpha uses the same numbers).
_SHARED_NEW = {"statmount": 457, "listmount": 458, "lsm_get_self_attr": 459,
               "lsm_set_self_attr": 460, "lsm_list_modules": 461, "mseal": 462,
               "setxattrat": 463, "getxattrat": 464, "listxattrat": 465, "removexattrat": 466}
_NEWER_SYSCALLS = {"x86_64": {**_SHARED_NEW, "uretprobe": 335}, "aarch64": dict(_SHARED_NEW)}


def action_value(action: str, errno_ret: int | None) -> int:
    """libseccomp's number for a profile action; ERRNO/TRACE default to EPERM."""
    code = errno.EPERM if errno_ret is None else errno_ret
    return {
        "SCMP_ACT_KILL": pyseccomp.KILL_THREAD,
        "SCMP_ACT_KILL_THREAD": pyseccomp.KILL_THREAD,
        "SCMP_ACT_KILL_PROCESS": pyseccomp.KILL_PROCESS,
        "SCMP_ACT_TRAP": pyseccomp.TRAP,
        "SCMP_ACT_ERRNO": pyseccomp.ERRNO(code),
        "SCMP_ACT_TRACE": pyseccomp.TRACE(code),
        "SCMP_ACT_ALLOW": pyseccomp.ALLOW,
        "SCMP_ACT_LOG": pyseccomp.LOG,
    }[action]


def build(program: Program) -> pyseccomp.SyscallFilter:
    """A libseccomp filter for the native architecture plus the profile's others.

    The native part and the other architectures are built apart and merged,
    because libseccomp refuses raw syscall numbers on a multi-arch filter.
    """
    native = _new_filter(program, ())
    _add_rules(native, program, numbered=_NEWER_SYSCALLS.get(os.uname().machine, {}))
    arches = [_arch(name) for name in program.extra_arches]
    arches = [a for a in arches if a is not None]
    if arches:
        others = _new_filter(program, tuple(arches))
        _add_rules(others, program, numbered={})
        native.merge(others)
    return native


def load(filt: pyseccomp.SyscallFilter) -> None:
    """Install the filter on this thread; from here on it cannot be removed."""
    filt.load()


def _new_filter(program: Program, arches: tuple[int, ...]) -> pyseccomp.SyscallFilter:
    filt = pyseccomp.SyscallFilter(action_value(program.default_action, program.default_errno))
    filt.set_attr(pyseccomp.Attr.CTL_NNP, 0)
    if arches:
        for arch in arches:
            filt.add_arch(arch)
        filt.remove_arch(pyseccomp.Arch.NATIVE)
    return filt


def _arch(name: str) -> int | None:
    """pyseccomp's token for "SCMP_ARCH_X86"...; None if this libseccomp lacks it."""
    return getattr(pyseccomp.Arch, name.removeprefix("SCMP_ARCH_"), None)


def _add_rules(filt: pyseccomp.SyscallFilter, program: Program,
               numbered: dict[str, int]) -> None:
    default = action_value(program.default_action, program.default_errno)
    for rule in program.rules:
        action = action_value(rule.action, rule.errno_ret)
        if action == default:
            continue
        for name in rule.names:
            nr = _syscall_number(name, numbered)
            if nr is None:
                continue
            for conds in _condition_groups(rule.args):
                filt.add_rule(action, nr, *conds)


def _syscall_number(name: str, numbered: dict[str, int]) -> int | None:
    """libseccomp's number for `name` (negative = exists on other arches only)."""
    nr = pyseccomp.resolve_syscall(pyseccomp.Arch.NATIVE, name)
    if nr == -1:
        return numbered.get(name)
    return nr


def _condition_groups(args: tuple[ArgCondition, ...]) -> list[list[pyseccomp.Arg]]:
    """runc's rule split: repeated argument index -> one rule per condition."""
    conds = [pyseccomp.Arg(a.index, _OPS[a.op], a.value, a.value_two) for a in args]
    indexes = [a.index for a in args]
    if len(set(indexes)) != len(indexes):
        return [[c] for c in conds]
    return [conds]

