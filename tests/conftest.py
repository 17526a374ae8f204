"""Shared fixtures: every test gets its own state root, bridge and subnet.

The teardown removes whatever the test made (processes, mounts, links,
cgroups, files), even when the test failed.
"""
from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pytest

from subnets import free_subnet


def pytest_collection_modifyitems(config, items):
    if os.geteuid() == 0:
        return
    skip = pytest.mark.skip(reason="needs root (the engine uses namespaces, mounts, cgroups)")
    for item in items:
        if "root" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def nothing_left_behind():
    """After the whole run: no link, rule, mount, cgroup, shim or state root of ours that
    was not there before it. A failure here is reported as an error of the last test."""
    if os.geteuid() != 0:
        yield
        return
    from leftovers import leftovers
    before = leftovers()
    yield
    from dockerlab.engine.runtime import zygote
    zygote.shutdown()                 # this process's own zygote ends with the run
    deadline = time.monotonic() + 10  # a dying netns takes its veths with it a moment later
    while (new := leftovers() - before) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not new, "left behind by the test run:\n" + "\n".join(sorted(new))


@pytest.fixture
def state_root(monkeypatch):
    """A fresh Settings on a temporary root with its own bridge name and subnet."""
    from dockerlab.engine.reset import reset
    from dockerlab.engine.settings import Settings

    tmp = Path(tempfile.mkdtemp(prefix="dlabtest-"))
    monkeypatch.setenv("DOCKERLAB_ROOT", str(tmp))
    settings = Settings.load(tmp)
    settings.subnet = free_subnet()
    settings.save()
    try:
        yield settings
    finally:
        reset(settings)
