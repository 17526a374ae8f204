"""--security-opt and --device as the docker client and daemon read them (Docker's messages)."""
from __future__ import annotations

import json

import pytest

from dockerlab.engine.errors import InvalidArgument
from dockerlab.engine.runtime.devices import parse_device
from dockerlab.engine.security import check_host_config, client_security_opts, options_of


def test_client_reads_a_profile_file_and_sends_its_compact_text(tmp_path):
    f = tmp_path / "p.json"
    f.write_text('{\n  "defaultAction": "SCMP_ACT_ALLOW"\n}\n')
    opts, masked, readonly = client_security_opts([f"seccomp={f}", "no-new-privileges"])
    assert opts == ['seccomp={"defaultAction":"SCMP_ACT_ALLOW"}', "no-new-privileges"]
    assert masked is None and readonly is None


def test_client_systempaths_unconfined_empties_both_lists():
    opts, masked, readonly = client_security_opts(["systempaths=unconfined", "seccomp=unconfined"])
    assert (opts, masked, readonly) == (["seccomp=unconfined"], [], [])


@pytest.mark.parametrize("opt, message", [
    ("bogus", 'invalid --security-opt: "bogus"'),
    ("seccomp=", 'invalid --security-opt: "seccomp="'),
])
def test_client_refusals(opt, message):
    with pytest.raises(InvalidArgument) as err:
        client_security_opts([opt])
    assert str(err.value) == message


def test_client_missing_and_broken_profile_files(tmp_path):
    with pytest.raises(InvalidArgument, match=r"^opening seccomp profile \(/nope\.json\) failed: "
                                              r"open /nope\.json: no such file or directory$"):
        client_security_opts(["seccomp=/nope.json"])
    bad = tmp_path / "bad.json"
    bad.write_text("{bad")
    with pytest.raises(InvalidArgument, match=rf"^compacting json for seccomp profile \({bad}\)"):
        client_security_opts([f"seccomp={bad}"])


@pytest.mark.parametrize("opt, message", [
    ("foo=bar", 'invalid --security-opt 2: "foo=bar"'),
    ("no-new-privileges=maybe", 'invalid --security-opt 2: "no-new-privileges=maybe"'),
    ("justaword", 'invalid --security-opt 1: "justaword"'),
])
def test_daemon_refusals(opt, message):
    with pytest.raises(InvalidArgument) as err:
        check_host_config({"SecurityOpt": [opt]})
    assert str(err.value) == message


def test_daemon_options():
    opts = options_of({"SecurityOpt": ["no-new-privileges=true", "seccomp=unconfined",
                                       "label=disable", "apparmor=unconfined"],
                       "Privileged": False, "ReadonlyRootfs": True, "MaskedPaths": []})
    assert opts.no_new_privileges and opts.seccomp == "unconfined" and opts.read_only_rootfs
    assert opts.masked_paths == [] and opts.readonly_paths is None
    assert options_of({"SecurityOpt": ["no-new-privileges:false"]}).no_new_privileges is False


def test_daemon_stores_a_profile_path_as_its_text(tmp_path):
    f = tmp_path / "p.json"
    f.write_text(json.dumps({"defaultAction": "SCMP_ACT_ALLOW"}, indent=2))
    hc = {"SecurityOpt": [f"seccomp={f}"]}
    check_host_config(hc)
    assert hc["SecurityOpt"] == ['seccomp={"defaultAction":"SCMP_ACT_ALLOW"}']


def test_daemon_refuses_unknown_capabilities_and_bad_profiles():
    with pytest.raises(InvalidArgument, match='^invalid CapAdd: unknown capability: "CAP_FOO"$'):
        check_host_config({"CapAdd": ["foo"]})
    with pytest.raises(InvalidArgument, match="not a valid action for seccomp"):
        check_host_config({"SecurityOpt": ['seccomp={"defaultAction":"NOPE"}']})


@pytest.mark.parametrize("text, expected", [
    ("/dev/fuse", ("/dev/fuse", "/dev/fuse", "rwm")),
    ("/dev/fuse:r", ("/dev/fuse", "/dev/fuse", "r")),
    ("/dev/fuse:/dev/f", ("/dev/fuse", "/dev/f", "rwm")),
    ("/dev/fuse:/dev/f:rw", ("/dev/fuse", "/dev/f", "rw")),
])
def test_device_flag(text, expected):
    d = parse_device(text)
    assert (d["PathOnHost"], d["PathInContainer"], d["CgroupPermissions"]) == expected


@pytest.mark.parametrize("text", ["a:b:c:d", "/dev/fuse:/dev/f:rwx", ""])
def test_bad_device_flag(text):
    with pytest.raises(InvalidArgument, match="^invalid device specification: "):
        parse_device(text)
