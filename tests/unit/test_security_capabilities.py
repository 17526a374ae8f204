"""Capability names and --cap-add/--cap-drop arithmetic (Docker's TweakCapabilities)."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dockerlab.engine.errors import InvalidArgument
from dockerlab.engine.security import DEFAULT_CAPS, SecurityOptions, capability_names
from dockerlab.engine.security import capabilities, kernelcaps
from dockerlab.engine.security.capabilities import (CAPABILITIES, available, mask_of, names_of,
                                                    normalize, require_available)


def test_default_set_is_dockers_fourteen():
    assert len(DEFAULT_CAPS) == 14
    assert mask_of(DEFAULT_CAPS) == 0xA80425FB   # CapBnd of a default `docker run`
    assert capability_names(SecurityOptions()) == DEFAULT_CAPS


def test_names_are_normalized_like_docker():
    assert normalize(["net_admin", "CAP_SYS_TIME", "Sys_Ptrace", "all"]) == [
        "CAP_NET_ADMIN", "CAP_SYS_TIME", "CAP_SYS_PTRACE", "ALL"]


def test_unknown_capability_uses_the_daemon_wording():
    with pytest.raises(InvalidArgument) as err:
        normalize(["foo"], "CapAdd")
    assert str(err.value) == 'invalid CapAdd: unknown capability: "CAP_FOO"'
    with pytest.raises(InvalidArgument) as err:
        capability_names(SecurityOptions(cap_drop=["CAP_NOPE"]))
    assert str(err.value) == 'invalid CapDrop: unknown capability: "CAP_NOPE"'


def test_unavailable_capability_is_refused(monkeypatch):
    monkeypatch.setattr(capabilities, "available", lambda: ["CAP_CHOWN"])
    require_available(["chown", "ALL"])
    with pytest.raises(InvalidArgument) as err:
        require_available(["SYS_TIME"], "CapAdd")
    assert str(err.value) == ("invalid CapAdd: capability not supported by your kernel or "
                              'not available in the current environment: "CAP_SYS_TIME"')


def test_drop_then_add_keeps_docker_order():
    caps = capability_names(SecurityOptions(cap_drop=["MKNOD", "net_raw"], cap_add=["NET_ADMIN"]))
    expected = [c for c in DEFAULT_CAPS if c not in ("CAP_MKNOD", "CAP_NET_RAW")]
    assert caps == expected + ["CAP_NET_ADMIN"]


def test_adding_a_default_capability_does_not_duplicate_it():
    assert capability_names(SecurityOptions(cap_add=["CHOWN"])) == DEFAULT_CAPS


def test_drop_all_keeps_only_the_added_ones():
    assert capability_names(SecurityOptions(cap_drop=["ALL"], cap_add=["NET_BIND_SERVICE"])) == [
        "CAP_NET_BIND_SERVICE"]
    assert capability_names(SecurityOptions(cap_drop=["all"])) == []


def test_add_all_gives_everything_available_but_the_dropped():
    caps = capability_names(SecurityOptions(cap_add=["ALL"], cap_drop=["SYS_ADMIN"]))
    assert "CAP_SYS_ADMIN" not in caps
    assert set(caps) == set(available()) - {"CAP_SYS_ADMIN"}


def test_privileged_gets_everything_available():
    assert capability_names(SecurityOptions(privileged=True, cap_drop=["CHOWN"])) == available()


def test_available_is_what_this_kernel_and_process_allow():
    bounding = kernelcaps.bounding_mask()
    with open("/proc/self/status") as f:
        status = next(int(line.split()[1], 16) for line in f if line.startswith("CapBnd"))
    assert bounding == status
    assert mask_of(available()) == bounding & ((1 << (kernelcaps.last_cap() + 1)) - 1)


@given(st.lists(st.sampled_from(sorted(CAPABILITIES))))
def test_mask_and_names_round_trip(names):
    assert set(names_of(mask_of(names))) == set(names)


@given(st.lists(st.sampled_from(sorted(CAPABILITIES)), max_size=6),
       st.lists(st.booleans(), min_size=6, max_size=6))
def test_normalize_accepts_any_spelling_and_is_idempotent(names, lower):
    spelled = [(n.lower() if low else n).removeprefix("CAP_" if low else "")
               for n, low in zip(names, lower)]
    once = normalize(spelled)
    assert once == names
    assert normalize(once) == once
