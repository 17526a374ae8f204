"""Fuzz `docker load`: hostile image archives give an error, never a write outside the store.

Archives hold a manifest.json whose Config/Layers point at names that may
escape (`..`, absolute), are missing, or are layer tars from the layer fuzz
(symlinks and hard links out, devices...). load() must return images or raise
an EngineError; on error no tag is made; the store's siblings stay untouched.
"""
from __future__ import annotations

import io
import json
import os
import shutil
import tarfile

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from dockerlab.engine.errors import EngineError
from test_fuzz_layers import BOX, TAG, build_tar, entry, snapshot

pytestmark = pytest.mark.root

CONFIG = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["sh"]},
                     "rootfs": {"type": "layers", "diff_ids": []}}).encode()
member_name = st.sampled_from(["config.json", "layer.tar", "../escape.tar", f"/{TAG}.tar",
                               "a/../../x.json", "blobs/sha256/../../../y", "missing.json", ""])


@st.composite
def archive(draw) -> bytes:
    layer = build_tar(draw(st.lists(entry, min_size=1, max_size=5)))
    manifest = [{"Config": draw(member_name), "Layers": draw(st.lists(member_name, max_size=3)),
                 "RepoTags": draw(st.lists(st.sampled_from(["fuzz:1", "bad tag", "x/y:z", ""]),
                                           max_size=2))}]
    extra = draw(st.lists(st.tuples(member_name, st.sampled_from(["file", "symlink", "dir"])),
                          max_size=4))
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        def add(name: str, data: bytes = b"", kind: str = "file", link: str = "") -> None:
            info = tarfile.TarInfo(name)
            if kind == "symlink":
                info.type, info.linkname = tarfile.SYMTYPE, link or "/"
            elif kind == "dir":
                info.type = tarfile.DIRTYPE
            else:
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data else None)
        add("manifest.json", json.dumps(draw(st.sampled_from([manifest, {}, [1], manifest]))).encode())
        add("config.json", CONFIG)
        add("layer.tar", layer)
        for name, kind in extra:
            if name:
                add(name, b"{}", kind, link=str(BOX / "outside"))
    return buf.getvalue()


@pytest.fixture(scope="module")
def store():
    from dockerlab.engine.images.store import ImageStore
    from dockerlab.engine.settings import Settings
    shutil.rmtree(BOX, ignore_errors=True)
    (BOX / "outside").mkdir(parents=True)
    (BOX / "outside" / "keep").write_text("keep")
    yield ImageStore(Settings.load(BOX / "root"))
    shutil.rmtree(BOX, ignore_errors=True)


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(archive())
def test_hostile_archive_writes_nothing_outside_the_store(store, data):
    from dockerlab.engine.images.archive import load
    before = snapshot(BOX / "outside")
    tags_before = json.dumps(store.list and [i.id for i in store.list()])
    try:
        images = load(store, io.BytesIO(data))
    except EngineError as err:
        event(f"refused: {str(err)[:40]}")
        assert str(err)
        assert json.dumps(store.list and [i.id for i in store.list()]) == tags_before
    else:
        event("loaded")
        assert images
    assert snapshot(BOX / "outside") == before
    assert sorted(p.name for p in BOX.iterdir()) == ["outside", "root"]
    assert not any(os.path.lexists(p) for p in (f"/{TAG}.tar", f"/{TAG}", "/escape.tar"))
