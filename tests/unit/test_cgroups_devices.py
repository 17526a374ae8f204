"""Device rules: Docker's default list, v1 lines, and the v2 eBPF program.

The compiled program is run here by a tiny interpreter of the eBPF
instructions it may contain, and its verdicts are compared with the plain
rule model (devices.allows) over generated rule lists and requests. The
kernel itself loading and enforcing the program is tested in
tests/integration/test_cgroups.py.
"""
from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dockerlab.engine.cgroups import devfilter
from dockerlab.engine.cgroups.devices import (ALLOW_ALL, DOCKER_DEFAULT, WILDCARD, DeviceRule,
                                              allows, parse_rule, reduce)

ACC = {"m": 1, "r": 2, "w": 4}
TYPE = {"b": 1, "c": 2}


def run_program(program: bytes, kind: str, major: int, minor: int, access: str) -> int:
    """Execute a cgroup-device program on one request; fail on any unexpected opcode."""
    access_bits = sum(ACC[c] for c in set(access))
    ctx = struct.pack("<III", (access_bits << 16) | TYPE[kind], major, minor)
    insns = [struct.unpack("<BBhi", program[i:i + 8]) for i in range(0, len(program), 8)]
    regs = [0] * 11
    regs[1] = -1                                   # the context pointer (opaque)
    pc, steps = 0, 0
    while True:
        assert 0 <= pc < len(insns), "jump out of the program"
        steps += 1
        assert steps <= len(insns), "a backward jump (loops are not allowed)"
        code, regbyte, off, imm = insns[pc]
        dst, src = regbyte & 0xF, regbyte >> 4
        pc += 1
        if code == 0x61:                            # ldx w from ctx
            assert regs[src] == -1 and off in (0, 4, 8)
            regs[dst] = struct.unpack_from("<I", ctx, off)[0]
        elif code == 0x57:
            regs[dst] &= imm & 0xFFFFFFFF
        elif code == 0x77:
            regs[dst] >>= imm
        elif code == 0xB7:
            regs[dst] = imm
        elif code == 0xBF:
            regs[dst] = regs[src]
        elif code == 0x15:
            pc += off if regs[dst] == imm else 0
        elif code == 0x55:
            pc += off if regs[dst] != imm else 0
        elif code == 0x95:
            return regs[0]
        else:
            raise AssertionError(f"unexpected opcode {code:#x}")


def test_docker_default_verdicts():
    """The effective policy of Docker's list, device by device."""
    assert allows(DOCKER_DEFAULT, "c", 1, 3, "rw")          # /dev/null
    assert allows(DOCKER_DEFAULT, "c", 1, 7, "rw")          # /dev/full (runc's list)
    assert allows(DOCKER_DEFAULT, "c", 5, 1, "rw")          # /dev/console
    assert allows(DOCKER_DEFAULT, "c", 136, 4, "rw")        # /dev/pts/4
    assert allows(DOCKER_DEFAULT, "c", 10, 200, "rw")       # /dev/net/tun
    assert allows(DOCKER_DEFAULT, "b", 8, 0, "m")           # mknod of any node
    assert allows(DOCKER_DEFAULT, "c", 10, 229, "m")        # ...even fuse
    assert not allows(DOCKER_DEFAULT, "c", 10, 229, "r")    # but fuse cannot be opened
    assert not allows(DOCKER_DEFAULT, "c", 1, 11, "r")      # /dev/kmsg
    assert not allows(DOCKER_DEFAULT, "b", 8, 0, "r")       # a disk
    assert not allows(DOCKER_DEFAULT, "b", 7, 0, "rw")      # a loop device
    assert allows(ALLOW_ALL, "b", 8, 0, "rwm")


def test_v1_lines_of_docker_default():
    lines = [(r.allow, r.v1_line()) for r in DOCKER_DEFAULT]
    assert lines[0] == (False, "a")
    assert (True, "c *:* m") in lines and (True, "b *:* m") in lines
    assert (True, "c 136:* rwm") in lines and (True, "c 10:200 rwm") in lines
    assert (False, "c 10:229 rwm") in lines
    allowed = {line for allow, line in lines if allow}
    for numbers in ("1:3", "1:5", "1:7", "1:8", "1:9", "5:0", "5:1", "5:2"):
        assert f"c {numbers} rwm" in allowed


def test_parse_rule():
    assert parse_rule("c 1:3 rwm") == DeviceRule(True, "c", 1, 3, "rwm")
    assert parse_rule("b *:* m") == DeviceRule(True, "b", WILDCARD, WILDCARD, "m")
    assert parse_rule("a", allow=False) == DeviceRule(False, "a")
    for bad in ("c 1:3", "x 1:3 r", "c 1-3 r", "c 1:3 rx", "c a:3 r"):
        with pytest.raises(ValueError, match="invalid device cgroup format"):
            parse_rule(bad)


def test_reduce_drops_rules_before_a_wildcard():
    rules = [DeviceRule(True, "c", 1, 3), DeviceRule(False, "a"), DeviceRule(True, "c", 5, 0)]
    assert reduce(rules) == (False, [DeviceRule(True, "c", 5, 0)])


def test_allow_all_needs_no_program():
    assert devfilter.compile_rules(ALLOW_ALL) is None
    assert devfilter.compile_rules([]) is None


def test_program_of_docker_default_matches_the_model():
    program = devfilter.compile_rules(DOCKER_DEFAULT)
    assert program is not None and len(program) % 8 == 0
    for kind in "bc":
        for major in (1, 5, 7, 8, 10, 136, 200):
            for minor in (0, 1, 2, 3, 5, 7, 8, 9, 11, 200, 229):
                for access in ("r", "w", "m", "rw", "rwm"):
                    want = allows(DOCKER_DEFAULT, kind, major, minor, access)
                    got = run_program(program, kind, major, minor, access)
                    assert got == int(want), (kind, major, minor, access)


rule_st = st.builds(
    DeviceRule,
    allow=st.booleans(),
    type=st.sampled_from("abc"),
    major=st.sampled_from([WILDCARD, 1, 5, 10]),
    minor=st.sampled_from([WILDCARD, 0, 3, 9]),
    access=st.sampled_from(["r", "w", "m", "rw", "rm", "wm", "rwm"]),
)
request_st = st.tuples(st.sampled_from("bc"), st.sampled_from([1, 5, 10, 11]),
                       st.sampled_from([0, 3, 9, 11]),
                       st.sampled_from(["r", "w", "m", "rw", "rwm"]))


@settings(max_examples=300, deadline=None)
@given(rules=st.lists(rule_st, max_size=8), requests=st.lists(request_st, min_size=1, max_size=10))
def test_program_matches_the_model_for_any_rules(rules, requests):
    program = devfilter.compile_rules(rules)
    for kind, major, minor, access in requests:
        want = allows(rules, kind, major, minor, access)
        got = 1 if program is None else run_program(program, kind, major, minor, access)
        assert got == int(want)
