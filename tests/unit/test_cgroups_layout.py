"""Finding the cgroup hierarchies from mountinfo (v1, hybrid, unified)."""
from __future__ import annotations

from pathlib import Path

import pytest

from dockerlab.engine.cgroups.layout import Layout, cgroup_mounts, version
from dockerlab.engine.errors import EngineError

HYBRID = """\
24 30 0:22 / /sys ro,nosuid shared:7 - sysfs sysfs rw
25 24 0:23 / /sys/fs/cgroup ro shared:8 - tmpfs tmpfs ro,mode=755
26 25 0:24 / /sys/fs/cgroup/unified rw shared:9 - cgroup2 cgroup2 rw,nsdelegate
27 25 0:25 / /sys/fs/cgroup/systemd rw shared:10 - cgroup cgroup rw,xattr,name=systemd
28 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw shared:11 - cgroup cgroup rw,cpu,cpuacct
29 25 0:27 / /sys/fs/cgroup/memory rw shared:12 - cgroup cgroup rw,memory
30 25 0:28 / /sys/fs/cgroup/pids rw shared:13 - cgroup cgroup rw,pids
31 25 0:29 / /sys/fs/cgroup/freezer rw shared:14 - cgroup cgroup rw,freezer
32 25 0:30 / /mnt/other\\040memory rw shared:15 - cgroup cgroup rw,memory
"""

UNIFIED = """\
24 30 0:22 / /sys ro,nosuid shared:7 - sysfs sysfs rw
35 24 0:30 / /sys/fs/cgroup rw,nosuid shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
"""

NONE = "24 30 0:22 / /sys ro,nosuid shared:7 - sysfs sysfs rw\n"


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "mountinfo"
    path.write_text(text)
    return str(path)


def test_hybrid_is_v1_with_comounted_cpu_and_cpuacct(tmp_path):
    info = _write(tmp_path, HYBRID)
    assert version(info) == 1
    layout = Layout.detect(info)
    assert layout.version == 1
    assert layout.roots["cpu"] == layout.roots["cpuacct"] == Path("/sys/fs/cgroup/cpu,cpuacct")
    assert layout.roots["memory"] == Path("/sys/fs/cgroup/memory")   # preferred over /mnt
    assert "systemd" not in layout.roots and "cpuset" not in layout.roots
    others = Layout.everywhere(info)[1:]
    assert others == [Layout.v2(Path("/sys/fs/cgroup/unified"))]


def test_unified(tmp_path):
    info = _write(tmp_path, UNIFIED)
    assert version(info) == 2
    assert Layout.detect(info) == Layout.v2(Path("/sys/fs/cgroup"))
    assert Layout.everywhere(info) == [Layout.v2(Path("/sys/fs/cgroup"))]


def test_escaped_mount_points(tmp_path):
    mounts = cgroup_mounts(_write(tmp_path, HYBRID))
    assert Path("/mnt/other memory") in [m.point for m in mounts]


def test_no_cgroups_mounted(tmp_path):
    with pytest.raises(EngineError, match="cgroups are not mounted"):
        Layout.detect(_write(tmp_path, NONE))


def test_v1_features_follow_the_files(tmp_path):
    for name in ("memory", "cpu", "pids"):
        (tmp_path / name).mkdir()
    layout = Layout.v1({n: tmp_path / n for n in ("memory", "cpu", "pids")})
    assert layout.features() == {"memory", "pids"}        # no swap accounting, no CFS
    (tmp_path / "memory" / "memory.memsw.limit_in_bytes").write_text("0")
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("-1")
    assert layout.features() == {"memory", "swap", "cpu", "pids"}


def test_v2_features_follow_cgroup_controllers(tmp_path):
    (tmp_path / "cgroup.controllers").write_text("cpu io memory hugetlb\n")
    assert Layout.v2(tmp_path).features() == {"cpu", "memory", "swap", "freezer", "devices"}
