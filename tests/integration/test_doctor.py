"""`dockerlab doctor` really probes the kernel, and says so in French by default."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.root


def doctor(lang: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("DOCKERLAB_LANG", None)
    if lang:
        env["DOCKERLAB_LANG"] = lang
    return subprocess.run([sys.executable, "-m", "dockerlab.main", "doctor"], env=env, text=True,
                          capture_output=True, cwd="/")


def test_every_probe_passes_as_root_and_leaves_nothing():
    before = open("/proc/mounts").read().count("dlab-doctor")
    res = doctor("en")
    assert res.returncode == 0, res.stdout + res.stderr
    for label in ("root", "namespaces", "overlayfs", "cgroups", "network", "busybox-static"):
        assert f"✓ {label}:" in res.stdout
    assert "a bridge and a veth pair can be made" in res.stdout
    assert open("/proc/mounts").read().count("dlab-doctor") == before
    assert "dlab-doctor" not in subprocess.run(["ip", "-br", "link"], capture_output=True, text=True).stdout


def test_without_root_it_says_so_in_french_and_fails(monkeypatch, capsys):
    from dockerlab import doctor as module
    from dockerlab.tutor.i18n import use_language
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with use_language("fr"):
        assert module.run() == 1
    out = capsys.readouterr().out
    assert "✗ root: pas root : lancez dockerlab avec sudo" in out
    assert "non vérifié" in out                    # the root-only probes are skipped, with a reason
