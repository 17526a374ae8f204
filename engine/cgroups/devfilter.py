"""The v2 device controller: device rules compiled to a BPF_PROG_TYPE_CGROUP_DEVICE program.

cgroup v2 has no devices.allow file; the kernel instead runs an eBPF program
attached to the cgroup on every open/mknod of a device node, with a context
of {access_type = access << 16 | type, major, minor}; returning 0 denies
(EPERM). The program is a straight list of rule blocks, last rule first, so
the first block that matches gives the verdict of the last matching rule.
"""
from __future__ import annotations

import os
import struct
from pathlib import Path

from ..errors import EngineError
from . import bpf
from .devices import DeviceRule, reduce

DEV_TYPE = {"b": 1, "c": 2}      # BPF_DEVCG_DEV_BLOCK / _CHAR

# opcodes (BPF class | op | source) used by the program
LDX_W = 0x61       # dst = *(u32 *)(src + off)
AND_K = 0x57       # dst &= imm          (64-bit ALU)
RSH_K = 0x77       # dst >>= imm
MOV_K = 0xB7       # dst = imm
MOV_X = 0xBF       # dst = src
JEQ_K = 0x15       # if dst == imm: pc += off
JNE_K = 0x55       # if dst != imm: pc += off
EXIT = 0x95

R0, R1, R2, R3, R4, R5 = range(6)   # r2 type, r3 access, r4 major, r5 minor


def insn(code: int, dst: int = 0, src: int = 0, off: int = 0, imm: int = 0) -> bytes:
    """One struct bpf_insn: u8 code, u8 dst:4|src:4, s16 off, s32 imm."""
    return struct.pack("<BBhi", code, (src << 4) | dst, off, imm)


PROLOGUE = [
    insn(LDX_W, R2, R1, 0), insn(AND_K, R2, imm=0xFFFF),   # type
    insn(LDX_W, R3, R1, 0), insn(RSH_K, R3, imm=16),       # access
    insn(LDX_W, R4, R1, 4),                                # major
    insn(LDX_W, R5, R1, 8),                                # minor
]


def _verdict(allow: bool) -> list[bytes]:
    return [insn(MOV_K, R0, imm=1 if allow else 0), insn(EXIT)]


def _block(rule: DeviceRule) -> list[bytes]:
    """Instructions that return the rule's verdict when it matches, else fall through."""
    # jumps are (opcode, register, imm) until the block length is known
    body: list[bytes | tuple[int, int, int]] = [(JNE_K, R2, DEV_TYPE[rule.type])]
    mask = rule.access_mask()
    if mask != 7:
        # allow: no requested right outside the rule; deny: some requested right in it
        keep = (~mask & 7) if rule.allow else mask
        body += [insn(MOV_X, R1, R3), insn(AND_K, R1, imm=keep),
                 (JNE_K if rule.allow else JEQ_K, R1, 0)]
    if rule.major >= 0:
        body.append((JNE_K, R4, rule.major))
    if rule.minor >= 0:
        body.append((JNE_K, R5, rule.minor))
    body += _verdict(rule.allow)
    end = len(body)
    return [insn(item[0], item[1], off=end - i - 1, imm=item[2]) if isinstance(item, tuple)
            else item for i, item in enumerate(body)]


def compile_rules(rules) -> bytes | None:
    """The packed program for `rules`, or None when they allow every device."""
    default, active = reduce(rules)
    if default and not active:
        return None
    program = list(PROLOGUE)
    for rule in reversed(active):
        program += _block(rule)
    program += _verdict(default)
    return b"".join(program)


def attach(cgroup_dir: Path, rules) -> None:
    """Load the filter for `rules` and attach it to a v2 cgroup (before any process joins)."""
    program = compile_rules(rules)
    if program is None:
        return
    try:
        prog_fd = bpf.prog_load(bpf.BPF_PROG_TYPE_CGROUP_DEVICE, program, b"dockerlab_dev")
    except OSError as err:
        raise EngineError(f"failed to load the device filter: {err.strerror}") from err
    dir_fd = os.open(cgroup_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        bpf.prog_attach(dir_fd, prog_fd, bpf.BPF_CGROUP_DEVICE, bpf.BPF_F_ALLOW_MULTI)
    except OSError as err:
        raise EngineError(f"failed to attach the device filter to {cgroup_dir}: "
                          f"{err.strerror}") from err
    finally:
        os.close(dir_fd)
        os.close(prog_fd)
