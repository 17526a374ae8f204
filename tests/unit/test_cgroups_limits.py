"""The daemon's rules on limits (messages, defaults, warnings) and the v1/v2 conversions."""
from __future__ import annotations

import os

import pytest

from dockerlab.engine.cgroups.limits import (Limits, cfs_quota_us, cpu_weight, parse_cpu_list,
                                             plan, swap_max_v2)
from dockerlab.engine.errors import InvalidArgument

ALL = frozenset({"memory", "swap", "cpu", "cpuset", "pids", "freezer", "devices"})
MB = 1024 * 1024


def test_memory_minimum():
    with pytest.raises(InvalidArgument, match="^Minimum memory limit allowed is 6MB$"):
        plan(Limits(memory=6 * MB - 1), ALL, "0-1")
    assert plan(Limits(memory=6 * MB), ALL, "0-1")[0].memory == 6 * MB


def test_swap_defaults_to_twice_memory_on_create_only():
    assert plan(Limits(memory=32 * MB), ALL, "0")[0].memory_swap == 64 * MB
    assert plan(Limits(memory=32 * MB), ALL, "0", update=True)[0].memory_swap is None
    assert plan(Limits(memory=32 * MB, memory_swap=-1), ALL, "0")[0].memory_swap == -1


def test_swap_rules():
    with pytest.raises(InvalidArgument, match="^Minimum memoryswap limit should be larger than "
                                              "memory limit, see usage$"):
        plan(Limits(memory=64 * MB, memory_swap=32 * MB), ALL, "0")
    with pytest.raises(InvalidArgument, match="^You should always set the Memory limit when "
                                              "using Memoryswap limit, see usage$"):
        plan(Limits(memory_swap=64 * MB), ALL, "0")
    # on update, swap alone is fine (the memory limit is already there)
    assert plan(Limits(memory_swap=64 * MB), ALL, "0", update=True)[0].memory_swap == 64 * MB


def test_unsupported_limits_are_dropped_with_dockers_warning():
    limits, warnings = plan(Limits(memory=32 * MB, pids_limit=10, cpu_shares=512,
                                   cpuset_cpus="0"), frozenset({"devices"}), "0")
    assert limits.memory is None and limits.memory_swap is None
    assert limits.pids_limit is None and limits.cpu_shares is None and limits.cpuset_cpus is None
    assert warnings == [
        "Your kernel does not support memory limit capabilities or the cgroup is not mounted. "
        "Limitation discarded.",
        "Your kernel does not support PIDs limit capabilities or the cgroup is not mounted. "
        "PIDs limit discarded.",
        "Your kernel does not support CPU shares or the cgroup is not mounted. Shares discarded.",
        "Your kernel does not support cpuset or the cgroup is not mounted. Cpuset discarded.",
    ]


def test_no_swap_accounting_limits_memory_without_swap():
    limits, warnings = plan(Limits(memory=32 * MB), ALL - {"swap"}, "0")
    assert limits.memory == 32 * MB and limits.memory_swap == -1
    assert warnings == ["Your kernel does not support swap limit capabilities or the cgroup is "
                        "not mounted. Memory limited without swap."]


def test_cpus_range_and_cfs():
    ncpu = len(os.sched_getaffinity(0))
    with pytest.raises(InvalidArgument, match=rf"^Range of CPUs is from 0.01 to {ncpu}.00, as "
                                              rf"there are only {ncpu} CPUs available$"):
        plan(Limits(nano_cpus=(ncpu + 1) * 1_000_000_000), ALL, "0")
    with pytest.raises(InvalidArgument, match="^NanoCPUs can not be set, as your kernel does not "
                                              "support CPU CFS scheduler"):
        plan(Limits(nano_cpus=500_000_000), ALL - {"cpu"}, "0")


def test_cpu_shares_are_clamped_and_negative_rejected():
    assert plan(Limits(cpu_shares=1), ALL, "0")[0].cpu_shares == 2
    assert plan(Limits(cpu_shares=10**6), ALL, "0")[0].cpu_shares == 262144
    with pytest.raises(InvalidArgument, match="^shares: invalid argument$"):
        plan(Limits(cpu_shares=-5), ALL, "0")


def test_pids_zero_or_negative_means_unlimited():
    assert plan(Limits(pids_limit=0), ALL, "0")[0].pids_limit == -1
    assert plan(Limits(pids_limit=-1), ALL, "0")[0].pids_limit == -1
    assert plan(Limits(pids_limit=7), ALL, "0")[0].pids_limit == 7


def test_cpuset_checks():
    with pytest.raises(InvalidArgument, match="^Invalid value 0-x for cpuset cpus: invalid "
                                              "format: 0-x$"):
        plan(Limits(cpuset_cpus="0-x"), ALL, "0-1")
    with pytest.raises(InvalidArgument, match="^Requested CPUs are not available - requested "
                                              "3, available: 0-1$"):
        plan(Limits(cpuset_cpus="3"), ALL, "0-1")
    assert plan(Limits(cpuset_cpus="1"), ALL, "0-1")[0].cpuset_cpus == "1"


def test_zero_means_not_set():
    limits, _ = plan(Limits(memory=0, nano_cpus=0, cpu_shares=0, cpuset_cpus=""), ALL, "0")
    assert limits == Limits()


def test_conversions():
    assert cfs_quota_us(500_000_000) == 50_000
    assert cfs_quota_us(1_500_000_000) == 150_000
    assert (cpu_weight(2), cpu_weight(1024), cpu_weight(262144)) == (1, 100, 10000)
    assert 1 < cpu_weight(512) < 100 < cpu_weight(2048) < 10000
    assert swap_max_v2(-1, 32 * MB) == "max"
    assert swap_max_v2(96 * MB, 32 * MB) == str(64 * MB)
    assert parse_cpu_list("0-2,5,7-8") == {0, 1, 2, 5, 7, 8}
    for bad in ("2-1", "a", "1,", "-1"):
        with pytest.raises(ValueError):
            parse_cpu_list(bad)
