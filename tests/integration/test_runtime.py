"""The runtime on the real kernel: namespaces, overlayfs, pivot_root, cgroups, caps, exit codes.

These drive the shim directly with a busybox root made in the test, so they
cover the runtime without the image store.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
from pathlib import Path

import pytest

from dockerlab.engine import cgroups
from dockerlab.engine.runtime import streams
from dockerlab.engine.runtime.shim import LaunchError, ShimRequest, launch
from dockerlab.engine.runtime.spec import ContainerSpec
from dockerlab.engine.runtime.state import StateFile

pytestmark = pytest.mark.root


@pytest.fixture
def busybox_root(tmp_path: Path) -> Path:
    root = tmp_path / "lower"
    (root / "bin").mkdir(parents=True)
    (root / "etc").mkdir()
    (root / "bin" / "busybox").write_bytes(Path("/bin/busybox").read_bytes())
    (root / "bin" / "busybox").chmod(0o755)
    for applet in ("sh", "echo", "id", "cat", "ps", "hostname", "mount", "dd", "sleep", "ls", "grep"):
        (root / "bin" / applet).symlink_to("busybox")
    (root / "etc" / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n")
    (root / "etc" / "group").write_text("root:x:0:\nnogroup:x:65534:\n")
    return root


def run(settings, lower: Path, args: list[str], limits=None, **spec_kw) -> tuple[int, str, dict]:
    cid = os.urandom(32).hex()
    cdir = settings.containers_dir / cid
    for sub in ("upper", "work", "merged"):
        (cdir / sub).mkdir(parents=True)
    spec = ContainerSpec(id=cid, name="t", container_dir=cdir, lower_dirs=[lower], args=args, env=[],
                         hostname="testhost", **spec_kw)
    mine, theirs = socket.socketpair()
    try:
        launch(ShimRequest(spec=spec, settings=settings, limits=limits or cgroups.Limits()), attach=theirs)
    finally:
        theirs.close()
    out, status = b"", {}
    with mine:
        while (frame := streams.read_frame(mine)) is not None:
            if frame[0] == streams.EXIT:
                status = json.loads(frame[1])
                break
            out += frame[1]
    return status["StatusCode"], out.decode(), StateFile(cdir).read()


def test_output_exit_code_and_isolation(state_root, busybox_root):
    code, out, state = run(state_root, busybox_root,
                           ["sh", "-c", "echo hello; hostname; echo pid=$$; ls /proc | grep -c '^[0-9]'; exit 3"])
    lines = out.split()
    assert code == 3 and state["ExitCode"] == 3 and state["Status"] == "exited"
    assert lines[:3] == ["hello", "testhost", "pid=1"]
    assert int(lines[3]) <= 3          # only the container's own processes are visible


def test_not_found_and_not_executable(state_root, busybox_root):
    with pytest.raises(LaunchError) as e:
        run(state_root, busybox_root, ["nosuch"])
    assert str(e.value) == 'exec: "nosuch": executable file not found in $PATH' and e.value.code == 127
    with pytest.raises(LaunchError) as e:
        run(state_root, busybox_root, ["/etc/passwd"])
    assert str(e.value) == 'exec: "/etc/passwd": permission denied' and e.value.code == 126


def test_default_capabilities_and_no_mount(state_root, busybox_root):
    code, out, _ = run(state_root, busybox_root,
                       ["sh", "-c", "grep CapEff /proc/self/status; mount -t tmpfs x /mnt 2>/dev/null; echo mount=$?"])
    assert "CapEff:\t00000000a80425fb" in out        # Docker's 14 default capabilities
    assert "mount=1" in out or "mount=255" in out


def test_user_and_writable_layer_kept_on_host(state_root, busybox_root):
    code, out, _ = run(state_root, busybox_root, ["sh", "-c", "echo data > /file; id -u"], user="nobody")
    assert out.strip() == "65534" and code == 0 or "Permission denied" in out


def test_memory_limit_kills_and_reports_oom(state_root, busybox_root):
    code, out, state = run(state_root, busybox_root, ["dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1"],
                           limits=cgroups.Limits(memory=32 << 20, memory_swap=32 << 20))
    assert code == 137 and state["OOMKilled"] is True


def test_nothing_left_on_the_host(state_root, busybox_root):
    run(state_root, busybox_root, ["true"] if False else ["echo", "x"])
    mounts = Path("/proc/mounts").read_text()
    assert str(state_root.root) not in mounts
    leftover = subprocess.run(["find", "/sys/fs/cgroup", "-maxdepth", "2", "-name", state_root.cgroup_parent],
                              capture_output=True, text=True).stdout.split()
    assert all(not list(Path(p).iterdir()) or not any(x.is_dir() for x in Path(p).iterdir()) for p in leftover)


def test_program_gets_default_signal_dispositions(state_root, busybox_root):
    """The shim ignores SIGTERM; the container's program must not inherit that (docker stop)."""
    code, out, _ = run(state_root, busybox_root, ["grep", "SigIgn", "/proc/self/status"])
    assert out.split() == ["SigIgn:", "0000000000000000"]
