"""Resolving Docker seccomp profiles: includes/excludes, arches, kernels, errors."""
from __future__ import annotations

import json

import pytest

from dockerlab.engine.errors import InvalidArgument
from dockerlab.engine.security import DEFAULT_CAPS, SecurityOptions
from dockerlab.engine.security.seccomp_profile import (DEFAULT_PROFILE_TEXT, ArgCondition,
                                                       Platform, is_confined, parse,
                                                       parse_kernel, profile_text,
                                                       program_for, read_profile_file,
                                                       resolve)

AMD64 = Platform("amd64", "SCMP_ARCH_X86_64", (6, 1))
ARM64 = Platform("arm64", "SCMP_ARCH_AARCH64", (6, 1))
DEFAULT = parse(DEFAULT_PROFILE_TEXT)


def allowed(program, name: str) -> list:
    """Conditions under which `name` is allowed ([] = unconditionally)."""
    return [r.args for r in program.rules if name in r.names and r.action == "SCMP_ACT_ALLOW"]


def test_default_profile_shape():
    program = resolve(DEFAULT, DEFAULT_CAPS, AMD64)
    assert (program.default_action, program.default_errno) == ("SCMP_ACT_ERRNO", 1)
    assert program.extra_arches == ("SCMP_ARCH_X86", "SCMP_ARCH_X32")
    for name in ("read", "write", "close", "execve", "exit_group", "capset", "setresuid",
                 "chroot", "arch_prctl", "ptrace"):
        assert allowed(program, name) == [()], name
    for name in ("mount", "umount2", "unshare", "setns", "reboot", "init_module",
                 "finit_module", "keyctl", "settimeofday", "clock_settime", "open_by_handle_at",
                 "bpf", "kexec_load", "add_key", "swapon"):
        assert allowed(program, name) == [], name


def test_clone_needs_no_namespace_flags_without_sys_admin():
    program = resolve(DEFAULT, DEFAULT_CAPS, AMD64)
    assert allowed(program, "clone") == [(ArgCondition(0, "SCMP_CMP_MASKED_EQ", 0x7E020000),)]
    clone3 = [r for r in program.rules if "clone3" in r.names]
    assert [(r.action, r.errno_ret) for r in clone3] == [("SCMP_ACT_ERRNO", 38)]


def test_sys_admin_brings_mount_and_free_clone():
    program = resolve(DEFAULT, DEFAULT_CAPS + ["CAP_SYS_ADMIN"], AMD64)
    for name in ("mount", "umount2", "unshare", "setns", "clone", "clone3"):
        assert () in allowed(program, name), name
    assert not [r for r in program.rules if r.action == "SCMP_ACT_ERRNO"]


@pytest.mark.parametrize("cap, calls", [
    ("CAP_SYS_MODULE", ("init_module", "finit_module", "delete_module")),
    ("CAP_SYS_TIME", ("settimeofday", "clock_settime")),
    ("CAP_SYS_BOOT", ("reboot",)),
    ("CAP_SYS_PTRACE", ("kcmp", "process_vm_readv")),
    ("CAP_DAC_READ_SEARCH", ("open_by_handle_at",)),
])
def test_capability_dependent_additions(cap, calls):
    without = resolve(DEFAULT, DEFAULT_CAPS, AMD64)
    with_cap = resolve(DEFAULT, DEFAULT_CAPS + [cap], AMD64)
    for name in calls:
        assert () in allowed(with_cap, name), name
        if name not in ("process_vm_readv",):   # also allowed from kernel 4.8 on
            assert allowed(without, name) == [], name


def test_dropping_sys_chroot_removes_chroot():
    caps = [c for c in DEFAULT_CAPS if c != "CAP_SYS_CHROOT"]
    assert allowed(resolve(DEFAULT, caps, AMD64), "chroot") == []


def test_arch_specific_rules():
    arm = resolve(DEFAULT, DEFAULT_CAPS, ARM64)
    assert arm.extra_arches == ("SCMP_ARCH_ARM",)
    assert allowed(arm, "arch_prctl") == [] and allowed(arm, "set_tls") == [()]
    assert allowed(resolve(DEFAULT, DEFAULT_CAPS, AMD64), "set_tls") == []


def test_min_kernel_condition():
    old = Platform("amd64", "SCMP_ARCH_X86_64", (4, 4))
    assert allowed(resolve(DEFAULT, DEFAULT_CAPS, old), "ptrace") == []
    assert allowed(resolve(DEFAULT, DEFAULT_CAPS, AMD64), "ptrace") == [()]


def test_excludes_min_kernel_and_repeated_socket_rules():
    profile = {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
        {"names": ["a"], "action": "SCMP_ACT_ALLOW", "excludes": {"minKernel": "5.10"}},
        {"name": "b", "action": "SCMP_ACT_ALLOW"}]}
    program = resolve(profile, [], AMD64)
    assert [r.names for r in program.rules] == [("b",)]
    assert resolve(profile, [], Platform("amd64", "", (5, 4))).rules[0].names == ("a",)
    sockets = allowed(resolve(DEFAULT, DEFAULT_CAPS, AMD64), "socket")
    assert [c[0].op for c in sockets] == ["SCMP_CMP_LT", "SCMP_CMP_EQ", "SCMP_CMP_GT"]


def test_empty_profile_means_no_filter():
    assert resolve({}, DEFAULT_CAPS, AMD64) is None


@pytest.mark.parametrize("profile, message", [
    ({"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86"],
      "archMap": [{"architecture": "SCMP_ARCH_X86_64"}]},
     "both 'architectures' and 'archMap' are specified in the seccomp profile, "
     "use either 'architectures' or 'archMap'"),
    ({"defaultAction": "SCMP_ACT_ALLOW",
      "syscalls": [{"name": "a", "names": ["b"], "action": "SCMP_ACT_ERRNO"}]},
     "both 'name' and 'names' are specified in the seccomp profile, use either 'name' or 'names'"),
    ({"defaultAction": "SCMP_ACT_NOPE"}, "string SCMP_ACT_NOPE is not a valid action for seccomp"),
    ({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["a"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "op": "BAD"}]}]},
     "string BAD is not a valid operator for seccomp"),
])
def test_profile_errors(profile, message):
    with pytest.raises(InvalidArgument) as err:
        resolve(profile, [], AMD64)
    assert str(err.value) == message


def test_broken_json_uses_the_daemon_wording():
    with pytest.raises(InvalidArgument) as err:
        parse("{not json")
    assert str(err.value).startswith("Decoding seccomp profile failed: ")


def test_profile_sources(tmp_path):
    assert profile_text("default") == DEFAULT_PROFILE_TEXT
    inline = json.dumps({"defaultAction": "SCMP_ACT_ALLOW"})
    assert profile_text(inline) == inline
    path = tmp_path / "p.json"
    path.write_text(inline)
    assert profile_text(str(path)) == inline == read_profile_file(str(path))


def test_missing_or_broken_profile_file(tmp_path):
    missing = tmp_path / "nope.json"
    with pytest.raises(InvalidArgument) as err:
        read_profile_file(str(missing))
    assert str(err.value) == (f"opening seccomp profile ({missing}) failed: "
                              f"open {missing}: no such file or directory")
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(InvalidArgument) as err:
        read_profile_file(str(broken))
    assert str(err.value).startswith(f"compacting json for seccomp profile ({broken}) failed: ")


def test_who_is_confined():
    assert is_confined(SecurityOptions())
    assert not is_confined(SecurityOptions(seccomp="unconfined"))
    assert not is_confined(SecurityOptions(privileged=True))
    assert is_confined(SecurityOptions(privileged=True, seccomp='{"defaultAction": "x"}'))
    assert program_for(SecurityOptions(privileged=True), DEFAULT_CAPS) is None


def test_kernel_release_parsing():
    assert parse_kernel("6.1.0-18-amd64") == (6, 1)
    assert parse_kernel("6.18.44-fc-v657") == (6, 18)
    assert parse_kernel("5.15.0") == (5, 15)
    assert parse_kernel("4.19-rc5") == (4, 19)
