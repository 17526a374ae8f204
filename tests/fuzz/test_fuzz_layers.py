"""Fuzz the image layer extractor with hostile tars: nothing may land outside the target.

Each example builds a tar from entries whose names and link targets mix
`..`, absolute paths, symlinks pointing out (relative, absolute, to "/"),
hard links out, whiteouts, device nodes and fifos, then unpacks it into
`box/target`. The extractor must finish or raise an EngineError (never
another exception), and `box/outside`, the rest of `box` and the host's "/"
must be untouched.
"""
from __future__ import annotations

import io
import os
import shutil
import tarfile
import tempfile
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dockerlab.engine.errors import EngineError
from dockerlab.engine.images.layers import apply_layer

pytestmark = pytest.mark.root

TAG = "dlabfuzz" + uuid.uuid4().hex[:8]     # any escape to "/" would create this name
BOX = Path(tempfile.gettempdir()) / f"{TAG}-box"

segment = st.sampled_from(["a", "b", "..", ".", "", "etc", TAG, ".wh.a", ".wh..wh..opq", "c d"])
name = st.one_of(st.lists(segment, min_size=1, max_size=4).map("/".join),
                 st.lists(segment, min_size=1, max_size=3).map(lambda p: "/" + "/".join(p)),
                 st.just(f"../outside/{TAG}"), st.just(f"{BOX}/outside/{TAG}"))
link_target = st.one_of(name, st.sampled_from(["/", "..", "../..", "../outside", str(BOX / "outside"),
                                               "/etc", f"/{TAG}", "a/../../.."]))
entry = st.tuples(st.sampled_from(["file", "dir", "symlink", "hardlink", "chr", "blk", "fifo"]),
                  name, link_target, st.integers(0, 0o7777), st.integers(0, 255))


def build_tar(entries) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for kind, path, target, mode, minor in entries:
            info = tarfile.TarInfo(path)
            info.mode = mode
            data = b""
            if kind == "file":
                data = b"pwned " + TAG.encode()
                info.size = len(data)
            else:
                info.type = {"dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE,
                             "hardlink": tarfile.LNKTYPE, "chr": tarfile.CHRTYPE,
                             "blk": tarfile.BLKTYPE, "fifo": tarfile.FIFOTYPE}[kind]
                info.linkname = target if kind in ("symlink", "hardlink") else ""
                info.devmajor, info.devminor = (1, minor) if kind in ("chr", "blk") else (0, 0)
            tar.addfile(info, io.BytesIO(data) if data else None)
    return buf.getvalue()


def snapshot(root: Path) -> dict[str, tuple]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            p = Path(dirpath) / n
            st_ = p.lstat()
            out[str(p)] = (st_.st_mode, st_.st_size, st_.st_mtime_ns, st_.st_nlink)
    return out


@pytest.fixture(scope="module")
def box():
    shutil.rmtree(BOX, ignore_errors=True)
    (BOX / "outside").mkdir(parents=True)
    (BOX / "outside" / "keep").write_text("keep")
    (BOX / "outside" / "a").mkdir()
    yield BOX
    shutil.rmtree(BOX, ignore_errors=True)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(entry, min_size=1, max_size=8))
@example([("symlink", "a", "", 0, 0)])       # found by a fresh CI run: a symlink to ""
@example([("hardlink", "a/a", "a", 0, 0)])   # a hard link to the directory made for it
def test_hostile_tar_writes_nothing_outside_the_target(box, entries):
    target = box / "target"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir()
    before = snapshot(box / "outside")
    try:
        apply_layer(io.BytesIO(build_tar(entries)), target)
    except EngineError as err:
        assert str(err)
    assert snapshot(box / "outside") == before
    assert sorted(p.name for p in box.iterdir()) == ["outside", "target"]
    assert not any(Path(p).exists() or Path(p).is_symlink()
                   for p in (f"/{TAG}", f"/etc/{TAG}", f"/tmp/{TAG}", f"{box}/{TAG}"))
    for dirpath, dirnames, filenames in os.walk(target):
        for n in filenames + dirnames:
            real = os.path.realpath(os.path.join(dirpath, n)) if not os.path.islink(
                os.path.join(dirpath, n)) else os.path.join(dirpath, n)
            assert real.startswith(str(target) + "/")


def test_a_plain_layer_is_unpacked(box):
    """The extractor is not simply refusing everything."""
    target = box / "target"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir()
    tar = build_tar([("dir", "etc", "", 0o755, 0), ("file", "etc/x", "", 0o644, 0),
                     ("symlink", "etc/link", "/etc/x", 0o777, 0),
                     ("hardlink", "etc/hard", "etc/x", 0o644, 0),
                     ("chr", "dev-null", "", 0o666, 3)])
    apply_layer(io.BytesIO(tar), target)
    assert (target / "etc" / "x").read_text() == f"pwned {TAG}"
    assert os.readlink(target / "etc" / "link") == "/etc/x"
    assert (target / "etc" / "hard").stat().st_ino == (target / "etc" / "x").stat().st_ino
    assert os.major((target / "dev-null").lstat().st_rdev) == 1
