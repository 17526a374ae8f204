"""The Debian-based recipe path, built once per module: mmdebstrap -> layer -> image -> container.

The build goes through the package cache with the machine's shared store
(/var/cache/dockerlab/debian), so it downloads from the configured Debian
mirror once per machine and is offline afterwards. The apt test that
follows uses a private store seeded with packages made here and no mirror.
"""
from __future__ import annotations

import os
import random
import stat
import tempfile
from pathlib import Path

import pytest

from cli_support import Docker
from debrepo import make_deb, write_archive
from dockerlab.engine.images import catalog, debootstrap
from dockerlab.engine.images.standins import STANDIN_LABEL
from dockerlab.engine.images.store import ImageStore
from dockerlab.engine.pkgcache.config import config_for
from dockerlab.engine.pkgcache.store import Offline
from dockerlab.engine.reset import reset
from dockerlab.engine.settings import Settings

pytestmark = pytest.mark.root
OFFLINE = "http://127.0.0.1:9/debian"


@pytest.fixture(scope="module")
def built():
    """A state root holding the `debian` image (reset at the end, whatever happens)."""
    root = Path(tempfile.mkdtemp(prefix="dlabtest-"))
    saved = os.environ.get("DOCKERLAB_ROOT")
    os.environ["DOCKERLAB_ROOT"] = str(root)
    settings = Settings.load(root)
    settings.subnet = f"10.{random.randint(200, 250)}.{random.randint(0, 255)}.0/24"
    settings.save()
    try:
        store = ImageStore(settings)
        try:
            image = catalog.prepare(store, "debian")
        except Offline as err:
            pytest.skip(f"no Debian mirror and no cached copy: {err}")
        yield settings, store, image
    finally:
        reset(settings)
        if saved is None:
            os.environ.pop("DOCKERLAB_ROOT", None)
        else:
            os.environ["DOCKERLAB_ROOT"] = saved


def test_debian_image_is_minbase_with_the_lab_wiring(built):
    _settings, store, image = built
    cfg = image.container_config
    assert cfg["Cmd"] == ["bash"] and cfg["Env"][0].startswith("PATH=/usr/local/sbin")
    assert image.labels[STANDIN_LABEL] == "true" and "mmdebstrap" in image.labels[
        "org.dockerlab.description"]
    (layer,) = store.layer_dirs(image)
    assert "VERSION_CODENAME=bookworm" in (layer / "usr/lib/os-release").read_text()
    assert (layer / "usr/bin/apt-get").exists() and (layer / "usr/bin/bash").exists()
    assert os.listdir(layer / "dev") == []
    for gone in ("etc/hostname", "etc/resolv.conf", "etc/apt/apt.conf.d/99mmdebstrap"):
        assert not (layer / gone).exists(), gone
    conf = (layer / "etc/apt/apt.conf.d/01dockerlab-proxy").read_text()
    assert 'Proxy-Auto-Detect "/usr/local/sbin/dockerlab-apt-proxy"' in conf
    assert os.stat(layer / "usr/local/sbin/dockerlab-apt-proxy").st_mode & 0o111
    assert "deb http://deb.debian.org/debian bookworm main" in (
        layer / "etc/apt/sources.list").read_text()
    assert [h["CreatedBy"] for h in store.history(image)][0] == 'CMD ["bash"]'
    assert catalog.prepare(store, "debian").id == image.id          # kept, not rebuilt


def test_apt_get_install_in_a_container_through_the_offline_cache(built, tmp_path, capfd):
    settings, _store, _image = built
    debs = tmp_path / "debs"
    debs.mkdir()
    hello = make_deb(debs, "dlab-figlet", files={
        "usr/bin/dlab-figlet": ("#!/bin/sh\necho 'big letters from a test package'\n", 0o755)})
    write_archive(tmp_path / "pkgstore", "dlabtest", [hello])
    settings.extra.update(pkgcache_dir=str(tmp_path / "pkgstore"), pkgcache_upstream=OFFLINE)
    settings.save()
    docker = Docker(settings)
    script = ("echo 'deb [trusted=yes] http://deb.debian.org/debian dlabtest main' "
              "> /etc/apt/sources.list && dockerlab-apt-proxy && apt-get update -q "
              "&& apt-get install -y -q dlab-figlet && dlab-figlet")
    capfd.readouterr()
    r = docker("run", "--rm", "debian", "sh", "-c", script)
    out = capfd.readouterr().out
    assert r.code == 0, out + r.err
    gateway = docker.engine.networks.get("bridge")["IPAM"]["Config"][0]["Gateway"]
    assert f"http://{gateway}:3142\n" in out
    assert "Setting up dlab-figlet (1.0)" in out
    assert out.rstrip().endswith("big letters from a test package")


def test_a_derived_layer_holds_only_what_the_commands_changed(built, tmp_path):
    settings, store, image = built
    below = store.layers_of(image)
    staging = tmp_path / "stage"
    (staging / "etc/dlab").mkdir(parents=True)
    (staging / "etc/dlab/staged.conf").write_text("staged\n")
    cfg = config_for({"pkgcache_dir": str(tmp_path / "empty"), "pkgcache_upstream": OFFLINE})
    messages: list[str] = []
    with debootstrap.build_cache(cfg) as cache:
        layer = debootstrap.chroot_layer(
            store, below, cache, "echo made > /etc/dlab-made\nrm /etc/issue.net\n"
            "test -x /usr/sbin/policy-rc.d && cat /proc/self/comm > /dev/null && echo in-chroot",
            staging, "derived", messages.append)
    assert "derived: in-chroot" in messages
    top = layer.diff_dir
    assert (top / "etc/dlab-made").read_text() == "made\n"
    assert (top / "etc/dlab/staged.conf").read_text() == "staged\n"
    wh = os.lstat(top / "etc/issue.net")
    assert stat.S_ISCHR(wh.st_mode) and wh.st_rdev == 0             # overlay whiteout
    assert not (top / "usr/sbin/policy-rc.d").exists()
    assert not (top / "etc/apt/apt.conf.d/zz-dockerlab-build").exists()
    for mounted in ("proc", "dev", "run", "tmp", "var/cache/apt", "var/lib/apt/lists"):
        assert not (top / mounted).exists() or os.listdir(top / mounted) == [], mounted
    assert layer.parent == below[-1].chain_id
    assert not [p for p in store.root.iterdir() if p.name.startswith(".build-")]
