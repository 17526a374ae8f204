"""Offline base images built from the host's busybox-static, then run in a plain chroot.

The real container runtime is tested elsewhere; here an overlay of the
image's layers and `chroot` are enough to prove the images work.
"""
from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from dockerlab.engine.errors import NotFound
from dockerlab.engine.images import catalog
from dockerlab.engine.images.standins import (DESCRIPTION_LABEL, STANDIN_LABEL, MissingBusybox,
                                              find_busybox)
from dockerlab.engine.images.store import ImageStore
from dockerlab.engine.runtime import libc
from image_support import base, store  # noqa: F401 - fixtures

pytestmark = pytest.mark.root
ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}


@contextlib.contextmanager
def rootfs(store: ImageStore, name: str, base: Path):
    """The image's layers mounted as an overlay (with a throwaway upper)."""
    image = store.get(name)
    where = Path(tempfile.mkdtemp(prefix="rootfs-", dir=base))
    upper, work, merged = where / "upper", where / "work", where / "merged"
    for p in (upper, work, merged):
        p.mkdir()
    lower = ":".join(str(p) for p in reversed(store.layer_dirs(image)))
    libc.mount("overlay", str(merged), "overlay", 0,
               f"lowerdir={lower},upperdir={upper},workdir={work}")
    try:
        yield merged
    finally:
        libc.umount(str(merged), libc.MNT_DETACH)


def chroot(merged: Path, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(["chroot", str(merged), *argv], capture_output=True, text=True,
                          env=ENV, timeout=30)


BUSYBOX_BASED = ("alpine", "busybox", "hello-world")


def test_catalog_names():
    assert set(catalog.names()) == {*BUSYBOX_BASED, "debian", "ubuntu", "nginx", "python",
                                     "gcc", "stress", "registry"}
    assert catalog.known("alpine") and catalog.known("alpine:latest")
    assert catalog.known("docker.io/library/busybox") and catalog.known("nginx")
    assert not catalog.known("alpine:3.19") and not catalog.known("nginx:1.25")
    assert not catalog.known("Not A Name") and not catalog.known("mysql")
    with pytest.raises(NotFound, match="cannot build 'mysql' offline"):
        catalog.recipe("mysql")


def test_prepare_is_idempotent_and_deterministic(store):
    messages: list[str] = []
    ids = {name: catalog.prepare(store, name, messages.append).id for name in BUSYBOX_BASED}
    assert any("busybox root" in m for m in messages)
    again: list[str] = []
    assert {n: catalog.prepare(store, n, again.append).id for n in BUSYBOX_BASED} == ids
    assert all("already in the store" in m for m in again)
    layer_count = len(store.layers.all())
    assert catalog.prepare(store, "alpine", force=True).id == ids["alpine"]
    for name in BUSYBOX_BASED:
        store.remove(name)
    assert store.list() == [] and store.layers.all() == []
    assert {n: catalog.prepare(store, n).id for n in BUSYBOX_BASED} == ids
    assert len(store.layers.all()) == layer_count
    # alpine is busybox's root plus one layer: the base layer is shared
    assert store.layer_dirs(store.get("alpine"))[0] == store.layer_dirs(store.get("busybox"))[0]


def test_prepare_leaves_an_existing_image_alone(store):
    busybox = catalog.prepare(store, "busybox")
    store.tag("busybox", "alpine")              # pretend a real alpine was loaded
    assert catalog.prepare(store, "alpine").id == busybox.id


def test_busybox_runs_in_a_chroot_of_its_layers(store, base):
    image = catalog.prepare(store, "busybox")
    assert image.container_config["Cmd"] == ["sh"]
    assert image.labels[STANDIN_LABEL] == "true" and "busybox" in image.labels[DESCRIPTION_LABEL]
    with rootfs(store, "busybox", base) as merged:
        done = chroot(merged, "/bin/busybox", "echo", "hi")
        assert (done.returncode, done.stdout) == (0, "hi\n")
        done = chroot(merged, "sh", "-c", "echo $((6*7)); id -un; id -gn nobody; ls -d /tmp")
        assert done.stdout.split() == ["42", "root", "nogroup", "/tmp"]
        assert oct(os.stat(merged / "tmp").st_mode & 0o7777) == "0o1777"


def test_hello_world_explains_itself(store, base):
    image = catalog.prepare(store, "hello-world")
    assert image.container_config["Cmd"] == ["/hello"]
    with rootfs(store, "hello-world", base) as merged:
        done = chroot(merged, "/hello")
    assert done.returncode == 0
    assert "Hello from Docker!" in done.stdout
    assert "dockerlab's stand-in for the hello-world image" in done.stdout
    assert sorted(os.listdir(store.layer_dirs(image)[0])) == ["bin", "hello"]


def test_alpine_stand_in_says_what_it_is(store, base):
    image = catalog.prepare(store, "alpine")
    cfg = image.container_config
    assert cfg["Cmd"] == ["/bin/sh"] and cfg["Env"] == [f"PATH={ENV['PATH']}"]
    assert image.labels[STANDIN_LABEL] == "true"
    assert [h["CreatedBy"] for h in store.history(image)][0] == 'CMD ["/bin/sh"]'
    with rootfs(store, "alpine", base) as merged:
        release = chroot(merged, "cat", "/etc/os-release").stdout
        assert "ID=alpine" in release
        assert "dockerlab stand-in for Alpine Linux built from busybox" in release
        assert "stand-in" in (merged / "etc/alpine-release").read_text()
        assert "dockerlab stand-in" in chroot(merged, "cat", "/etc/issue").stdout
        apk = chroot(merged, "apk", "--version")
        assert apk.returncode == 0 and "dockerlab stand-in" in apk.stdout
        apk = subprocess.run(["unshare", "--net", "chroot", str(merged), "apk", "add", "curl"],
                             capture_output=True, text=True, env=ENV, timeout=30)
        assert apk.returncode == 1                     # an empty netns: no gateway, no cache
        assert "package cache cannot be reached" in apk.stdout
        assert "Debian 12 (bookworm)" in apk.stdout


def test_missing_or_dynamic_busybox_says_what_to_install(base):
    with pytest.raises(MissingBusybox, match="apt-get install busybox-static"):
        find_busybox(base / "no-busybox")
    dynamic = Path("/bin/ls")            # coreutils' ls is dynamically linked on Debian
    with pytest.raises(MissingBusybox, match="not statically linked"):
        find_busybox(dynamic)
    assert find_busybox().applets and find_busybox().version.startswith("BusyBox v")
