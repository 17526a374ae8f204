"""Unit tests of the v1 and v2 file writers against a fake directory tree.

These check which values are written to which interface files, and in what
order, without a kernel: they prove the translation of limits into files,
NOT that the kernel enforces them (tests/integration/test_cgroups.py does
that on real hierarchies). The fake tree holds the interface files the
kernel would create, because the writers never create files themselves.
"""
from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from dockerlab.engine.cgroups import files
from dockerlab.engine.cgroups.devices import DOCKER_DEFAULT
from dockerlab.engine.cgroups.layout import Layout
from dockerlab.engine.cgroups.limits import Limits, cpu_weight, plan
from dockerlab.engine.cgroups.v1 import V1Cgroup
from dockerlab.engine.cgroups.v2 import V2Cgroup
from dockerlab.engine.errors import EngineError

MB = 1024 * 1024
REL = PurePosixPath("dlt-parent/c1")
KERNEL_UNLIMITED = "9223372036854771712"

V1_FILES = {
    "memory": {"memory.limit_in_bytes": KERNEL_UNLIMITED,
               "memory.memsw.limit_in_bytes": KERNEL_UNLIMITED},
    "cpu": {"cpu.cfs_period_us": "100000", "cpu.cfs_quota_us": "-1", "cpu.shares": "1024"},
    "cpuset": {"cpuset.cpus": "", "cpuset.mems": ""},
    "pids": {"pids.max": "max"},
    "devices": {"devices.allow": "", "devices.deny": ""},
}


@pytest.fixture
def log(monkeypatch):
    """Record every write (relative path, value) while still performing it."""
    writes: list[tuple[str, str]] = []
    real = files.write

    def recording(path: Path, value):
        writes.append((path, str(value)))
        real(path, value)

    monkeypatch.setattr(files, "write", recording)
    return writes


def _fill(directory: Path, content: dict[str, str]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, value in content.items():
        (directory / name).write_text(value)


def _v1_tree(tmp: Path) -> Layout:
    roots = {name: tmp / name for name in V1_FILES}
    for name, root in roots.items():
        _fill(root, V1_FILES[name])
        _fill(root / REL.parent, V1_FILES[name])
        _fill(root / REL, V1_FILES[name])
    (roots["cpuset"] / "cpuset.cpus").write_text("0-1\n")
    (roots["cpuset"] / "cpuset.mems").write_text("0\n")
    return Layout.v1(roots)


def _rel(writes, tmp: Path) -> list[tuple[str, str]]:
    return [(str(Path(p).relative_to(tmp)), v) for p, v in writes]


def test_v1_writer_create(tmp_path, log):
    cg = V1Cgroup(_v1_tree(tmp_path), REL)
    cg.make_dirs()
    planned, warnings = plan(Limits(memory=64 * MB, nano_cpus=1_500_000_000, cpu_shares=512,
                                    cpuset_cpus="1", pids_limit=100), cg.features(), "0-1")
    cg.apply_devices(DOCKER_DEFAULT)
    cg.apply(planned)
    assert warnings == []
    writes = _rel(log, tmp_path)
    # a new cpuset cgroup gets its parent's CPUs and memory nodes, level by level
    assert writes[:4] == [("cpuset/dlt-parent/cpuset.cpus", "0-1"),
                          ("cpuset/dlt-parent/cpuset.mems", "0"),
                          ("cpuset/dlt-parent/c1/cpuset.cpus", "0-1"),
                          ("cpuset/dlt-parent/c1/cpuset.mems", "0")]
    devices = [w for w in writes if w[0].startswith("devices/")]
    assert devices[0] == ("devices/dlt-parent/c1/devices.deny", "a")
    assert ("devices/dlt-parent/c1/devices.allow", "c 136:* rwm") in devices
    assert len(devices) == len(DOCKER_DEFAULT)
    assert [w for w in writes[4:] if not w[0].startswith("devices/")] == [
        # memory first: the current limit (unlimited) is above the new memory+swap
        ("memory/dlt-parent/c1/memory.limit_in_bytes", str(64 * MB)),
        ("memory/dlt-parent/c1/memory.memsw.limit_in_bytes", str(128 * MB)),
        ("cpu/dlt-parent/c1/cpu.cfs_period_us", "100000"),
        ("cpu/dlt-parent/c1/cpu.cfs_quota_us", "150000"),
        ("cpu/dlt-parent/c1/cpu.shares", "512"),
        ("cpuset/dlt-parent/c1/cpuset.cpus", "1"),
        ("pids/dlt-parent/c1/pids.max", "100"),
    ]
    assert files.read(tmp_path / "cpuset" / REL / "cpuset.cpus") == "1"
    assert files.read(tmp_path / "pids" / REL / "pids.max") == "100"


def test_v1_writer_values(tmp_path):
    cg = V1Cgroup(_v1_tree(tmp_path), REL)
    cg.make_dirs()
    planned, _ = plan(Limits(memory=64 * MB, nano_cpus=500_000_000, pids_limit=0), cg.features(),
                      "0-1")
    cg.apply(planned)
    d = lambda c: tmp_path / c / REL  # noqa: E731
    assert files.read(d("memory") / "memory.limit_in_bytes") == str(64 * MB)
    assert files.read(d("memory") / "memory.memsw.limit_in_bytes") == str(128 * MB)
    assert files.read(d("cpu") / "cpu.cfs_quota_us") == "50000"
    assert files.read(d("cpu") / "cpu.cfs_period_us") == "100000"
    assert files.read(d("cpu") / "cpu.shares") == "1024"          # untouched
    assert files.read(d("pids") / "pids.max") == "max"
    assert files.read(d("cpuset") / "cpuset.cpus") == "0-1"       # inherited


def test_v1_memory_write_order_follows_the_direction(tmp_path, log):
    cg = V1Cgroup(_v1_tree(tmp_path), REL)
    mem = tmp_path / "memory" / REL
    (mem / "memory.limit_in_bytes").write_text(str(32 * MB))
    cg.apply(Limits(memory=128 * MB, memory_swap=256 * MB))       # raising: swap first
    assert [Path(p).name for p, _ in log] == ["memory.memsw.limit_in_bytes",
                                              "memory.limit_in_bytes"]
    log.clear()
    cg.apply(Limits(memory=16 * MB, memory_swap=32 * MB))         # lowering: memory first
    assert [Path(p).name for p, _ in log] == ["memory.limit_in_bytes",
                                              "memory.memsw.limit_in_bytes"]
    log.clear()
    cg.apply(Limits(memory=64 * MB, memory_swap=-1))              # unlimited swap first
    assert log[0] == (mem / "memory.memsw.limit_in_bytes", "-1")


def test_v1_without_swap_accounting_writes_memory_only(tmp_path, log):
    layout = _v1_tree(tmp_path)
    (tmp_path / "memory" / REL / "memory.memsw.limit_in_bytes").unlink()
    V1Cgroup(layout, REL).apply(Limits(memory=64 * MB, memory_swap=128 * MB))
    assert [Path(p).name for p, _ in log] == ["memory.limit_in_bytes"]


def test_writer_never_creates_files(tmp_path):
    cg = V1Cgroup(_v1_tree(tmp_path), REL)
    (tmp_path / "pids" / REL / "pids.max").unlink()
    with pytest.raises(EngineError, match='failed to write "5": open .*pids.max'):
        cg.apply(Limits(pids_limit=5))
    assert not (tmp_path / "pids" / REL / "pids.max").exists()


V2_CHILD = {"cgroup.controllers": "cpuset cpu memory pids", "memory.max": "max",
            "memory.swap.max": "max", "cpu.max": "max 100000", "cpu.weight": "100",
            "cpuset.cpus": "", "pids.max": "max", "cgroup.procs": "",
            "cgroup.subtree_control": ""}


def _v2_tree(tmp: Path) -> Layout:
    _fill(tmp, {"cgroup.controllers": "cpuset cpu io memory hugetlb pids rdma",
                "cgroup.subtree_control": "", "cpuset.cpus.effective": "0-3"})
    _fill(tmp / REL.parent, V2_CHILD)
    _fill(tmp / REL, V2_CHILD)
    return Layout.v2(tmp)


def test_v2_writer(tmp_path, log):
    layout = _v2_tree(tmp_path)
    cg = V2Cgroup(layout, REL)
    cg.make_dirs()
    planned, warnings = plan(Limits(memory=64 * MB, memory_swap=96 * MB, nano_cpus=250_000_000,
                                    cpu_shares=2048, cpuset_cpus="2-3", pids_limit=-1),
                             cg.features(), layout.available_cpus())
    cg.apply(planned)
    assert warnings == []
    assert _rel(log, tmp_path) == [
        ("cgroup.subtree_control", "+cpuset +cpu +memory +pids"),
        ("dlt-parent/cgroup.subtree_control", "+cpuset +cpu +memory +pids"),
        ("dlt-parent/c1/memory.max", str(64 * MB)),
        ("dlt-parent/c1/memory.swap.max", str(32 * MB)),      # swap alone on v2
        ("dlt-parent/c1/cpu.max", "25000 100000"),
        ("dlt-parent/c1/cpu.weight", str(cpu_weight(2048))),
        ("dlt-parent/c1/cpuset.cpus", "2-3"),
        ("dlt-parent/c1/pids.max", "max"),
    ]


def test_v2_controllers_already_enabled_are_not_rewritten(tmp_path, log):
    layout = _v2_tree(tmp_path)
    (tmp_path / "cgroup.subtree_control").write_text("cpuset cpu io memory pids\n")
    V2Cgroup(layout, REL).make_dirs()
    assert _rel(log, tmp_path) == [("dlt-parent/cgroup.subtree_control",
                                    "+cpuset +cpu +memory +pids")]


def test_v2_missing_controller_drops_the_limit_with_a_warning(tmp_path):
    layout = _v2_tree(tmp_path)
    (tmp_path / REL / "cgroup.controllers").write_text("cpu memory\n")
    (tmp_path / REL / "memory.swap.max").unlink()
    cg = V2Cgroup(layout, REL)
    planned, warnings = plan(Limits(memory=64 * MB, pids_limit=10), cg.features(), "0-3")
    assert planned.pids_limit is None and planned.memory_swap == -1
    assert len(warnings) == 2 and "PIDs limit discarded" in warnings[1]
