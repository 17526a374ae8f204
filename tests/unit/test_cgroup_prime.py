"""Which cgroup.procs the start-up's no-op move writes to (engine/cgroups/prime.py)."""
from __future__ import annotations

from pathlib import Path

from dockerlab.engine.cgroups.layout import Layout
from dockerlab.engine.cgroups.prime import own_procs_file

V1 = """12:pids:/user.slice/user-0.slice/session-3.scope
11:cpu,cpuacct:/user.slice
1:name=systemd:/user.slice/user-0.slice/session-3.scope
0::/user.slice/user-0.slice/session-3.scope
"""


def test_v1_picks_a_hierarchy_the_engine_uses_and_this_process_path(tmp_path):
    proc = tmp_path / "cgroup"
    proc.write_text(V1)
    layout = Layout.v1({"cpu": Path("/sys/fs/cgroup/cpu,cpuacct"), "pids": Path("/sys/fs/cgroup/pids")})
    assert own_procs_file(layout, str(proc)) == Path(
        "/sys/fs/cgroup/pids/user.slice/user-0.slice/session-3.scope/cgroup.procs")


def test_v1_skips_named_hierarchies_it_does_not_use(tmp_path):
    proc = tmp_path / "cgroup"
    proc.write_text("1:name=systemd:/a\n0::/b\n")
    assert own_procs_file(Layout.v1({"pids": Path("/x")}), str(proc)) is None


def test_v2_uses_the_unified_line(tmp_path):
    proc = tmp_path / "cgroup"
    proc.write_text("0::/system.slice/ssh.service\n")
    assert own_procs_file(Layout.v2(Path("/sys/fs/cgroup")), str(proc)) == Path(
        "/sys/fs/cgroup/system.slice/ssh.service/cgroup.procs")
