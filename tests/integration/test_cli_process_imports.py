"""Real `dockerlab docker` calls import only what they use (see tests/unit/test_cli_imports.py).

Here the commands run for real, as new processes on the test's state root,
with `-X importtime`: the report covers the CLI and the shim it forks.
"""
from __future__ import annotations

import os

import pytest

from importcheck import run

pytestmark = pytest.mark.root


def _env(settings) -> dict[str, str]:
    return dict(os.environ, DOCKERLAB_ROOT=str(settings.root), DOCKERLAB_LANG="en")


def test_run_network_none_imports_no_networking(state_root):
    argv = ["docker", "run", "--rm", "--network", "none", "busybox", "true"]
    first = run(argv, _env(state_root))          # prepares busybox from the offline catalog
    assert first.code == 0, first.err
    report = run(argv, _env(state_root))
    assert report.code == 0, report.err
    assert report.heavy() == set()               # pyroute2 among them: no network to plug
    for module in ("dockerlab.engine.network.manager", "dockerlab.cli.templates",
                   "dockerlab.engine.images.fastunpack", "tarfile"):
        assert module not in report.modules, module


def test_cached_rebuild_imports_no_cache_miss_work(state_root, tmp_path):
    (tmp_path / "Dockerfile").write_text(
        'FROM busybox\nENV APP=/srv\nWORKDIR /srv\nCOPY app.sh ./\nRUN echo built > stamp\nCMD ["sh"]\n')
    (tmp_path / "app.sh").write_text("echo hello\n")
    argv = ["docker", "build", "-t", "importcheck:latest", str(tmp_path)]
    first = run(argv, _env(state_root))
    assert first.code == 0, first.err
    report = run(argv, _env(state_root))
    assert report.code == 0, report.err
    assert report.out.count("Using cache") == 5, report.out
    assert report.heavy() == set()
    for module in ("dockerlab.engine.images.commit", "dockerlab.engine.build.runstep",
                   "dockerlab.engine.build.copystep", "dockerlab.engine.runtime.shim", "tarfile"):
        assert module not in report.modules, module
