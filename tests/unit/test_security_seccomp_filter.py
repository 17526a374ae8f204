"""Building libseccomp filters from resolved profiles (inspected as PFC text, not loaded)."""
from __future__ import annotations

import errno
import os
import re

import pyseccomp
import pytest

from dockerlab.engine.security import DEFAULT_CAPS
from dockerlab.engine.security.seccomp_filter import _condition_groups, action_value, build
from dockerlab.engine.security.seccomp_profile import (DEFAULT_PROFILE_TEXT, ArgCondition,
                                                       Platform, parse, resolve)


def pfc(program, tmp_path) -> str:
    path = tmp_path / "filter.pfc"
    with open(path, "w") as f:
        build(program).export_pfc(f)
    return path.read_text()


def syscall_blocks(text: str) -> set[str]:
    return set(re.findall(r'# filter for syscall "([^"]+)"', text))


def default_program(caps):
    return resolve(parse(DEFAULT_PROFILE_TEXT), caps, Platform.host())


def test_default_filter_allows_the_allow_list_only(tmp_path):
    text = pfc(default_program(DEFAULT_CAPS), tmp_path)
    names = syscall_blocks(text)
    assert {"read", "write", "execve", "exit_group", "chroot", "capset", "clone"} <= names
    assert not names & {"mount", "reboot", "keyctl", "init_module", "unshare", "setns"}
    assert "action ERRNO(1);" in text          # the default action


@pytest.mark.skipif(os.uname().machine != "x86_64", reason="x86 sub-architectures")
def test_default_filter_covers_32_bit_x86_and_newer_syscalls(tmp_path):
    text = pfc(default_program(DEFAULT_CAPS), tmp_path)
    arches = set(re.findall(r"if \(\$arch == (\d+)\)", text))
    assert {str(pyseccomp.Arch.X86_64), str(pyseccomp.Arch.X86)} <= arches
    assert "(462)" in text                      # mseal, unknown to libseccomp 2.5.4


def test_clone3_gets_enosys_so_libc_falls_back(tmp_path):
    text = pfc(default_program(DEFAULT_CAPS), tmp_path)
    assert f"ERRNO({errno.ENOSYS})" in text
    admin = pfc(default_program(DEFAULT_CAPS + ["CAP_SYS_ADMIN"]), tmp_path)
    assert f"ERRNO({errno.ENOSYS})" not in admin and "mount" in syscall_blocks(admin)


def test_rule_equal_to_default_and_unknown_names_are_skipped(tmp_path):
    program = resolve({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
        {"names": ["getcwd"], "action": "SCMP_ACT_ERRNO"},
        {"names": ["no_such_syscall", "getpid"], "action": "SCMP_ACT_ALLOW"}]},
        [], Platform.host())
    assert syscall_blocks(pfc(program, tmp_path)) == {"getpid"}


def test_actions():
    assert action_value("SCMP_ACT_ERRNO", None) == pyseccomp.ERRNO(errno.EPERM)
    assert action_value("SCMP_ACT_ERRNO", 38) == pyseccomp.ERRNO(38)
    assert action_value("SCMP_ACT_KILL_PROCESS", None) == pyseccomp.KILL_PROCESS
    assert action_value("SCMP_ACT_ALLOW", None) == pyseccomp.ALLOW


def test_conditions_on_one_argument_are_alternatives():
    same = (ArgCondition(0, "SCMP_CMP_EQ", 1), ArgCondition(0, "SCMP_CMP_EQ", 2))
    different = (ArgCondition(0, "SCMP_CMP_EQ", 1), ArgCondition(1, "SCMP_CMP_EQ", 2))
    assert [len(g) for g in _condition_groups(same)] == [1, 1]
    assert [len(g) for g in _condition_groups(different)] == [2]
    assert _condition_groups(()) == [[]]
