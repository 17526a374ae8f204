"""The one-pass layer path (fastunpack.py): GNU tar behind the header scan, as root."""
from __future__ import annotations

import gzip
import hashlib
import io
import os
import shutil
import stat
import subprocess
import tarfile
import tempfile
from pathlib import Path

import pytest

from dockerlab.engine.images import fastunpack
from dockerlab.engine.images.layers import LayerError, apply_layer, diff_size
from dockerlab.engine.images.safefs import UnsafePath
from dockerlab.engine.images.store import ImageStore
from dockerlab.engine.settings import Settings
from image_support import entry, tar_bytes

pytestmark = [pytest.mark.root,
              pytest.mark.skipif(fastunpack.gnu_tar() is None, reason="needs GNU tar")]

CAP = bytes.fromhex("0100000201200000000000000000000000000000")


RICH = [entry("./", tarfile.DIRTYPE, mode=0o755),
        entry("etc/", tarfile.DIRTYPE, mode=0o751, uid=3, gid=4),
        entry("etc/passwd", data=b"root:x:0:0\n", mode=0o600, uid=5, gid=6),
        entry("bin/", tarfile.DIRTYPE, mode=0o755),
        entry("bin/busybox", data=b"\x7fELF" * 500, mode=0o4755,
              xattrs={"security.capability": CAP, "user.note": b"hi"}),
        entry("bin/sh", tarfile.SYMTYPE, linkname="busybox"),
        entry("bin/ls", tarfile.LNKTYPE, linkname="bin/busybox"),
        entry("abs", tarfile.SYMTYPE, linkname="/etc/passwd"),
        entry("up", tarfile.SYMTYPE, linkname="../../.."),
        entry("dev/", tarfile.DIRTYPE),
        entry("dev/null", tarfile.CHRTYPE, mode=0o666, dev=(1, 3)),
        entry("dev/fifo", tarfile.FIFOTYPE, mode=0o640),
        entry("var/", tarfile.DIRTYPE, mode=0o700, xattrs={"user.dir": b"d"}),
        entry("var/.wh.cache", uid=9, gid=9),
        entry("opt/.wh..wh..opq"),
        entry("opt/kept", data=b"k"),
        entry("empty", mode=0o000)]


def snapshot(root: Path) -> dict:
    """Everything the overlay and a container see: type, mode, owner, times, xattrs, links."""
    out = {}
    for top, dirs, files in os.walk(root):
        for name in dirs + files + (["."] if top == str(root) else []):
            p = Path(top) / name
            st = p.lstat()
            rel = os.path.normpath(str(p.relative_to(root)))
            body = os.readlink(p) if stat.S_ISLNK(st.st_mode) else \
                p.read_bytes() if stat.S_ISREG(st.st_mode) else None
            attrs = {} if stat.S_ISLNK(st.st_mode) else \
                {k: os.getxattr(p, k) for k in os.listxattr(p)}
            mtime = None if stat.S_ISDIR(st.st_mode) and rel == "." else int(st.st_mtime)
            out[rel] = (st.st_mode, st.st_uid, st.st_gid, st.st_rdev, st.st_nlink, mtime,
                        body, attrs)
    return out


@pytest.fixture
def work() -> Path:
    path = Path(tempfile.mkdtemp(prefix="dlt-fast-"))
    try:
        yield path
    finally:
        shutil.rmtree(path)


def fast(work: Path, data: bytes, allow_devices: bool = True):
    target = Path(tempfile.mkdtemp(prefix="fast-", dir=work))
    target.chmod(0o755)
    return fastunpack.ingest(io.BytesIO(data), work / "blob", target, allow_devices), target


def careful(work: Path, data: bytes) -> Path:
    target = work / "careful"
    target.mkdir(mode=0o755)
    apply_layer(io.BytesIO(data), target)
    return target


def tar_children() -> list[int]:
    """tar processes this test process started and did not reap."""
    me, found = os.getpid(), []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            comm = Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            continue
        if int(fields[1]) == me and comm in ("tar", "zstd"):   # not the shims of earlier tests
            found.append(int(pid))
    return found


def zstd(data: bytes) -> bytes:
    if not shutil.which("zstd"):
        pytest.skip("needs the zstd program")
    return subprocess.run(["zstd", "-q", "-c"], input=data, capture_output=True,
                          check=True).stdout


PACK = {"plain": lambda b: b, "gzip": gzip.compress, "zstd": zstd,
        "zstd-frames": lambda b: zstd(b[:5000]) + zstd(b[5000:])}


@pytest.mark.parametrize("packed", sorted(PACK))
def test_fast_path_gives_the_careful_unpackers_tree(work, packed):
    plain = tar_bytes(*RICH)
    data = PACK[packed](plain)
    got, target = fast(work, data)
    assert got.unpacked
    assert got.diff_id == "sha256:" + hashlib.sha256(plain).hexdigest()
    assert got.blob == "sha256:" + hashlib.sha256(data).hexdigest()
    assert (work / "blob").read_bytes() == data
    assert snapshot(target) == snapshot(careful(work, plain))
    assert got.size == diff_size(target)
    assert os.getxattr(target / "opt", "trusted.overlay.opaque") == b"y"
    assert stat.S_ISCHR((target / "var" / "cache").lstat().st_mode)
    assert os.getxattr(target / "bin" / "busybox", "security.capability") == CAP
    assert tar_children() == []


HOSTILE = {
    "dotdot": [entry("../escaped", data=b"evil")],
    "absolute": [entry("{outside}/escaped", data=b"evil")],
    "pax-path": [entry("innocent", data=b"evil")],
    "hardlink-out": [entry("h", tarfile.LNKTYPE, linkname="../../../../{outside}/secret")],
    "hardlink-abs": [entry("h", tarfile.LNKTYPE, linkname="{outside}/secret")],
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_member_after_many_good_ones_is_refused_by_the_fast_path(work, case):
    outside = work / "outside"
    outside.mkdir()
    (outside / "secret").write_bytes(b"secret")
    good = [entry(f"d/f{i}", data=b"x" * 5000) for i in range(400)]
    bad = []
    for info, data in HOSTILE[case]:
        info.name = info.name.format(outside=str(outside).lstrip("/"))
        if case == "absolute":
            info.name = "/" + info.name
        info.linkname = info.linkname.format(outside=str(outside))
        if case == "pax-path":
            info.pax_headers["path"] = "../" * 12 + str(outside).lstrip("/") + "/escaped"
        bad.append((info, data))
    with pytest.raises(UnsafePath, match="outside of the image root"):
        fast(work, tar_bytes(*good, *bad))
    assert sorted(os.listdir(outside)) == ["secret"]
    assert os.lstat(outside / "secret").st_nlink == 1
    assert not list(work.rglob("escaped")) and not list(work.rglob("h"))
    assert tar_children() == []


def test_a_symlinked_parent_falls_back_to_the_careful_unpacker(work):
    """`evil -> /abs` then `evil/x`: tar would follow it; layers.py keeps it in the layer."""
    data = tar_bytes(entry("evil", tarfile.SYMTYPE, linkname=str(work / "outside")),
                     entry("evil/x", data=b"inside"))
    got, _ = fast(work, data)
    assert not got.unpacked and got.diff_id == "sha256:" + hashlib.sha256(data).hexdigest()
    assert (work / "blob").read_bytes() == data
    assert tar_children() == []
    store = ImageStore(Settings.load(work / "state"))
    layer = store.add_layer(io.BytesIO(data))
    assert (layer.diff_dir / str(work / "outside").lstrip("/") / "x").read_bytes() == b"inside"
    assert not (work / "outside").exists()


def test_a_damaged_layer_stops_tar_and_is_refused(work):
    data = tar_bytes(*[entry(f"f{i}", data=b"y" * 3000) for i in range(50)])
    with pytest.raises(LayerError, match="unexpected end"):
        fast(work, data[:len(data) // 2 + 100])
    with pytest.raises(LayerError, match="device nodes"):
        fast(work, tar_bytes(entry("dev/null", tarfile.CHRTYPE, dev=(1, 3))),
             allow_devices=False)
    assert tar_children() == []


def test_a_damaged_zstd_layer_is_refused_and_stops_zstd_and_tar(work):
    data = zstd(tar_bytes(*[entry(f"f{i}", data=os.urandom(3000)) for i in range(300)]))
    with pytest.raises(LayerError, match="zstd"):
        fast(work, data[:len(data) // 2])
    broken = bytearray(data)
    broken[len(data) // 2] ^= 0xFF
    with pytest.raises(LayerError, match="invalid layer tar"):
        fast(work, bytes(broken))
    assert tar_children() == []


def test_store_unpacks_through_the_fast_path_and_keeps_the_blob(work):
    store = ImageStore(Settings.load(work / "state"))
    data = tar_bytes(*RICH)
    layer = store.add_layer(io.BytesIO(gzip.compress(data)))
    assert layer.diff_id == "sha256:" + hashlib.sha256(data).hexdigest()
    assert gzip.decompress(store.blob_path(layer.blob).read_bytes()) == data
    assert layer.size == diff_size(layer.diff_dir)
    assert snapshot(layer.diff_dir) == snapshot(careful(work, data))
