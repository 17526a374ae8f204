"""validate(): create-time refusal of bad security options, with Docker's messages."""
from __future__ import annotations

import pytest

from dockerlab.engine.errors import InvalidArgument
from dockerlab.engine.security import SecurityOptions, validate
from dockerlab.engine.security.paths import DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS


def test_defaults_are_valid():
    validate(SecurityOptions())
    validate(SecurityOptions(privileged=True, cap_add=["ALL"], seccomp="unconfined"))


@pytest.mark.parametrize("opts, message", [
    (SecurityOptions(cap_add=["NET_FOO"]), 'invalid CapAdd: unknown capability: "CAP_NET_FOO"'),
    (SecurityOptions(cap_drop=["bogus"]), 'invalid CapDrop: unknown capability: "CAP_BOGUS"'),
    (SecurityOptions(seccomp='{"defaultAction": "SCMP_ACT_WHAT"}'),
     "string SCMP_ACT_WHAT is not a valid action for seccomp"),
])
def test_refusals(opts, message):
    with pytest.raises(InvalidArgument) as err:
        validate(opts)
    assert str(err.value) == message


def test_missing_profile_file(tmp_path):
    with pytest.raises(InvalidArgument, match=r"^opening seccomp profile \("):
        validate(SecurityOptions(seccomp=str(tmp_path / "missing.json")))


def test_dockers_default_system_paths():
    assert "/proc/kcore" in DEFAULT_MASKED_PATHS and "/sys/firmware" in DEFAULT_MASKED_PATHS
    assert "/proc/keys" in DEFAULT_MASKED_PATHS and "/proc/timer_list" in DEFAULT_MASKED_PATHS
    assert DEFAULT_READONLY_PATHS == ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                      "/proc/sysrq-trigger"]
