"""A short soak: run/rm cycles and concurrent detached containers leave nothing behind.

The full figures (1,000 cycles, 50 containers) come from bench/bench_soak.py,
whose measuring code this test reuses on a smaller scale.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import bench_soak  # noqa: E402

pytestmark = pytest.mark.root


def test_cycles_and_concurrent_containers_leave_nothing(state_root):
    from dockerlab.engine.engine import Engine
    from dockerlab.engine.images import catalog
    engine = Engine(state_root)
    catalog.prepare(engine.images, "busybox")
    engine.networks.ensure_default()
    bench_soak.run_rm_cycles(engine, 1)      # the process's zygote (one socket) comes up here
    before = bench_soak.measure(engine)
    bench_soak.run_rm_cycles(engine, 15)
    during = bench_soak.concurrent_detached(engine, 8)
    after = bench_soak.measure(engine)
    assert during["container_dirs"] == 8 and during["cgroups"] >= 8
    assert during["links"] == before["links"] + 8                 # one veth per container
    for key in ("fds", "mounts", "links", "cgroups", "container_dirs", "disk_bytes"):
        assert after[key] == before[key], key
