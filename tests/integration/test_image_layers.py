"""Layer tars unpacked for real (as root), checked through a real overlayfs mount.

Every test works in its own temporary directory; every overlay mount is
undone in a finally block, and the fixture unmounts and deletes whatever is
left, also when a test fails.
"""
from __future__ import annotations

import contextlib
import gzip
import io
import os
import shutil
import stat
import struct
import subprocess
import tarfile
import tempfile
from pathlib import Path

import pytest

from dockerlab.engine.errors import InvalidArgument
from dockerlab.engine.images.layers import LayerError, diff_to_tar
from dockerlab.engine.images.safefs import UnsafePath
from dockerlab.engine.images.store import ImageStore
from dockerlab.engine.runtime import libc
from dockerlab.engine.settings import Settings
from image_support import MTIME, base, entry, store, tar_bytes  # noqa: F401 - fixtures

pytestmark = pytest.mark.root

# a valid VFS_CAP_REVISION_2 value: cap_net_raw (13) permitted + effective
CAP_NET_RAW = struct.pack("<IIIII", 0x02000001, 1 << 13, 0, 0, 0)


# -- helpers -------------------------------------------------------------------

def d(name: str, **kw):
    return entry(name, tarfile.DIRTYPE, mode=kw.pop("mode", 0o755), **kw)


def f(name: str, data: bytes = b"x", **kw):
    return entry(name, tarfile.REGTYPE, data, **kw)


@contextlib.contextmanager
def overlay(lowers: list[Path], base: Path):
    """Mount lowers (lowest first) with a fresh upper; yields (merged, upper)."""
    where = Path(tempfile.mkdtemp(prefix="ovl-", dir=base))
    upper, work, merged = where / "upper", where / "work", where / "merged"
    for p in (upper, work, merged):
        p.mkdir()
    opts = (f"lowerdir={':'.join(str(p) for p in reversed(lowers))},"
            f"upperdir={upper},workdir={work}")
    libc.mount("overlay", str(merged), "overlay", 0, opts)
    try:
        yield merged, upper
    finally:
        libc.umount(str(merged), libc.MNT_DETACH)


def snapshot(root: Path) -> dict[str, tuple]:
    """What a directory tree looks like: type, mode, owner and content of each path."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            st = p.lstat()
            rel = str(p.relative_to(root))
            if stat.S_ISLNK(st.st_mode):
                body = os.readlink(p)
            elif stat.S_ISREG(st.st_mode):
                body = p.read_bytes()
            else:
                body = None
            out[rel] = (stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode), st.st_uid, body)
    return out


def leftovers(store: ImageStore) -> list[str]:
    """Layer dirs or temporary files a failed add could have left."""
    found = []
    for folder in (store.layers.layers_dir, store.layers.blobs_dir):
        if folder.exists():
            found += [p.name for p in folder.iterdir()]
    return found


# -- whiteouts and opaque directories -------------------------------------------

def test_whiteouts_and_opaque_dirs_hide_lower_files_in_a_real_overlay(store, base):
    lower = store.add_layer(io.BytesIO(tar_bytes(
        d("a"), f("a/keep", b"kept"), f("a/gone", b"old"), d("d"), f("d/x"), f("top.txt"))))
    upper = store.add_layer(io.BytesIO(tar_bytes(
        f("a/.wh.gone", b""), d("d"), f("d/.wh..wh..opq", b""), f("d/new", b"new"),
        f(".wh.top.txt", b""))), parent=lower)

    gone = os.lstat(upper.diff_dir / "a" / "gone")
    assert stat.S_ISCHR(gone.st_mode) and gone.st_rdev == 0
    assert stat.S_ISCHR(os.lstat(upper.diff_dir / "top.txt").st_mode)
    assert os.getxattr(upper.diff_dir / "d", "trusted.overlay.opaque") == b"y"
    assert not (upper.diff_dir / "a" / ".wh.gone").exists()
    assert not (upper.diff_dir / "d" / ".wh..wh..opq").exists()

    with overlay([lower.diff_dir, upper.diff_dir], base) as (merged, _):
        assert (merged / "a" / "keep").read_bytes() == b"kept"
        assert not (merged / "a" / "gone").exists()
        assert sorted(os.listdir(merged / "d")) == ["new"]
        assert not (merged / "top.txt").exists()
    assert upper.parent == lower.chain_id and upper.chain_id != upper.diff_id


# -- what a layer may contain ---------------------------------------------------------

def test_files_links_modes_owners_times_and_xattrs(store):
    layer = store.add_layer(io.BytesIO(tar_bytes(
        d("bin"),
        f("bin/tool", b"#!/bin/sh\n", mode=0o4755),
        entry("bin/tool2", tarfile.LNKTYPE, linkname="bin/tool"),
        f("bin/ping", b"ping", mode=0o755,
          xattrs={"security.capability": CAP_NET_RAW, "user.note": b"hi",
                  "trusted.overlay.redirect": b"/etc", "security.selinux": b"x"}),
        d("home/u", mode=0o750, uid=1000, gid=1000, mtime=MTIME + 5),
        f("home/u/f", b"data", uid=1000, gid=1000, mode=0o600),
        entry("link", tarfile.SYMTYPE, linkname="bin/tool", uid=1000, gid=1000, mtime=MTIME + 7),
        f("dup", b"one"), f("dup", b"two"),
        entry("s", tarfile.SYMTYPE, linkname="/etc/passwd"), f("s", b"not through the link"),
    )))
    root = layer.diff_dir
    tool, tool2 = os.lstat(root / "bin/tool"), os.lstat(root / "bin/tool2")
    assert stat.S_IMODE(tool.st_mode) == 0o4755 and tool.st_ino == tool2.st_ino
    assert tool.st_mtime == MTIME
    assert os.getxattr(root / "bin/ping", "security.capability") == CAP_NET_RAW
    assert os.getxattr(root / "bin/ping", "user.note") == b"hi"
    kept = set(os.listxattr(root / "bin/ping"))
    assert "trusted.overlay.redirect" not in kept and "security.selinux" not in kept
    home = os.lstat(root / "home/u")
    assert (home.st_uid, home.st_gid, stat.S_IMODE(home.st_mode)) == (1000, 1000, 0o750)
    assert home.st_mtime == MTIME + 5            # set after its child was written
    assert os.lstat(root / "home/u/f").st_uid == 1000
    link = os.lstat(root / "link")
    assert stat.S_ISLNK(link.st_mode) and os.readlink(root / "link") == "bin/tool"
    assert (link.st_uid, link.st_mtime) == (1000, MTIME + 7)
    assert (root / "dup").read_bytes() == b"two"
    assert (root / "s").read_bytes() == b"not through the link"
    assert Path("/etc/passwd").read_bytes() != b"not through the link"
    assert layer.size == sum(len(x) for x in (b"#!/bin/sh\n", b"ping", b"data", b"bin/tool",
                                               b"two", b"not through the link"))


def test_device_nodes_only_in_image_layers(store):
    tar = tar_bytes(d("dev"), entry("dev/null", tarfile.CHRTYPE, mode=0o666, dev=(1, 3)),
                    entry("dev/sda", tarfile.BLKTYPE, mode=0o660, gid=6, dev=(8, 0)),
                    entry("run/fifo", tarfile.FIFOTYPE, mode=0o620))
    layer = store.add_layer(io.BytesIO(tar))
    null = os.lstat(layer.diff_dir / "dev/null")
    assert stat.S_ISCHR(null.st_mode) and os.major(null.st_rdev) == 1 and os.minor(null.st_rdev) == 3
    assert stat.S_IMODE(null.st_mode) == 0o666
    sda = os.lstat(layer.diff_dir / "dev/sda")
    assert stat.S_ISBLK(sda.st_mode) and sda.st_gid == 6 and os.major(sda.st_rdev) == 8
    fifo = os.lstat(layer.diff_dir / "run/fifo")
    assert stat.S_ISFIFO(fifo.st_mode) and stat.S_IMODE(fifo.st_mode) == 0o620

    other = ImageStore(Settings.load(store.root.parent.parent / "state2"))
    with pytest.raises(LayerError, match="device nodes are only allowed in image layers"):
        other.add_layer(io.BytesIO(tar), allow_devices=False)
    assert leftovers(other) == []


def test_compressed_layers_have_the_same_diff_id_and_are_unpacked_once(store):
    plain = tar_bytes(d("etc"), f("etc/motd", b"hello"))
    first = store.add_layer(io.BytesIO(plain))
    again = store.add_layer(io.BytesIO(plain))
    zipped = store.add_layer(io.BytesIO(gzip.compress(plain)))
    assert first == again
    assert zipped.chain_id == first.chain_id and zipped.diff_id == first.diff_id
    assert len(store.layers.all()) == 1
    assert not store.layers.blob_path(first.blob).exists()     # kept once: files + tar-split
    with store.layers.open_tar(first) as rebuilt:
        assert rebuilt.read() == plain
    assert first.media_type.endswith(".tar")
    if shutil.which("zstd"):
        zst = subprocess.run(["zstd", "-q", "-c"], input=plain, capture_output=True,
                             check=True).stdout
        path = store.root.parent / "layer.tar.zst"
        path.write_bytes(zst)
        assert store.add_layer(path).diff_id == first.diff_id
    assert not [n for n in leftovers(store) if n.startswith(".")]


def test_damaged_tar_is_refused_cleanly(store):
    good = gzip.compress(tar_bytes(f("a", b"x" * 5000)))
    with pytest.raises(InvalidArgument, match="invalid layer tar"):
        store.add_layer(io.BytesIO(good[: len(good) // 2]))
    with pytest.raises(InvalidArgument):
        store.add_layer(io.BytesIO(b"this is not a tar at all" * 40))
    assert not any(n.startswith(".tmp") for n in leftovers(store))
    assert store.layers.all() == []


# -- escapes ----------------------------------------------------------------------------

def _escape_cases(outside: Path):
    rel = os.path.relpath(outside, "/")       # outside, from the layer root (chroot view)
    deep = "../" * 12 + rel
    return {
        "dotdot": [f("../x")],
        "dotdot-deep": [f(f"{deep}/x")],
        "absolute": [f(f"{outside}/x")],
        "absolute-etc": [f("/etc/dlt-should-not-exist")],
        "symlink-parent": [entry("evil", tarfile.SYMTYPE, linkname=deep), f("evil/x")],
        "symlink-chain": [entry("a", tarfile.SYMTYPE, linkname="b"),
                          entry("b", tarfile.SYMTYPE, linkname="../" * 12 + rel), f("a/x")],
        "hardlink-outside": [entry("h", tarfile.LNKTYPE, linkname=f"{deep}/secret")],
        "hardlink-absolute": [entry("h", tarfile.LNKTYPE, linkname=f"{outside}/secret")],
        "hardlink-via-symlink": [entry("lnk", tarfile.SYMTYPE, linkname=deep),
                                 entry("h", tarfile.LNKTYPE, linkname="lnk/secret")],
        "whiteout-parent": [f("a/.wh..", b"")],
        "opaque-above-root": [f("../.wh..wh..opq", b"")],
    }


@pytest.mark.parametrize("case", ["dotdot", "dotdot-deep", "absolute", "absolute-etc",
                                  "symlink-parent", "symlink-chain", "hardlink-outside",
                                  "hardlink-absolute", "hardlink-via-symlink",
                                  "whiteout-parent", "opaque-above-root"])
def test_escape_attempts_are_refused_and_nothing_is_written_outside(store, base, case):
    outside = base / "outside"
    outside.mkdir()
    (outside / "secret").write_bytes(b"secret")
    before = snapshot(base / "outside")
    etc_before = sorted(os.listdir("/etc"))
    with pytest.raises(UnsafePath, match="outside of the image root"):
        store.add_layer(io.BytesIO(tar_bytes(*_escape_cases(outside)[case])))
    assert snapshot(base / "outside") == before
    assert os.lstat(outside / "secret").st_nlink == 1
    assert sorted(os.listdir("/etc")) == etc_before
    assert list(base.rglob("x")) == []
    assert store.layers.all() == []
    assert not any(n.startswith(".tmp") for n in leftovers(store))


def test_absolute_symlink_parent_stays_inside_the_layer(store, base):
    """`evil -> /abs/dir` then `evil/x`: resolved as in a chroot, inside the layer."""
    outside = base / "outside"
    outside.mkdir()
    layer = store.add_layer(io.BytesIO(tar_bytes(
        entry("evil", tarfile.SYMTYPE, linkname=str(outside)), f("evil/x", b"inside"))))
    assert not (outside / "x").exists()
    inside = layer.diff_dir / os.path.relpath(outside, "/") / "x"
    assert inside.read_bytes() == b"inside"
    assert os.readlink(layer.diff_dir / "evil") == str(outside)


# -- upper dir -> tar -----------------------------------------------------------------

def test_diff_to_tar_round_trip_through_a_real_overlay(store, base):
    lower = store.add_layer(io.BytesIO(tar_bytes(
        d("a"), f("a/keep", b"kept"), f("a/gone", b"old"), d("d"), f("d/x", b"x"),
        f("f.txt", b"mode", mode=0o644))))
    with overlay([lower.diff_dir], base) as (merged, upper):
        (merged / "a" / "gone").unlink()
        shutil.rmtree(merged / "d")
        (merged / "d").mkdir()
        (merged / "d" / "new").write_bytes(b"new")
        (merged / "new.txt").write_bytes(b"hello")
        os.link(merged / "new.txt", merged / "new-hard")
        os.symlink("a/keep", merged / "ln")
        os.chmod(merged / "f.txt", 0o600)
        os.setxattr(merged / "new.txt", "security.capability", CAP_NET_RAW)
        os.mkfifo(merged / "pipe")
        os.chown(merged / "d" / "new", 1000, 1000)
        expected = snapshot(merged)

    first, second = io.BytesIO(), io.BytesIO()
    diff_id = diff_to_tar(upper, first)
    assert diff_to_tar(upper, second) == diff_id and first.getvalue() == second.getvalue()

    with tarfile.open(fileobj=io.BytesIO(first.getvalue())) as tar:
        members = {m.name: m for m in tar.getmembers()}
    assert members["a/.wh.gone"].isreg() and members["a/.wh.gone"].size == 0
    assert "d/.wh..wh..opq" in members and members["d"].isdir()
    assert members["new.txt"].islnk() and members["new.txt"].linkname == "new-hard"
    assert members["f.txt"].mode == 0o600 and members["pipe"].isfifo()
    assert members["new-hard"].pax_headers.get("SCHILY.xattr.security.capability")
    assert not any(k.startswith("SCHILY.xattr.trusted.") for m in members.values()
                   for k in m.pax_headers)
    assert list(members) == sorted(members)

    layer = store.add_layer(io.BytesIO(first.getvalue()), parent=lower)
    assert layer.diff_id == diff_id
    with overlay([lower.diff_dir, layer.diff_dir], base) as (merged, _):
        assert snapshot(merged) == expected
        assert os.getxattr(merged / "new.txt", "security.capability") == CAP_NET_RAW


def test_empty_diff_is_dockers_empty_layer(base):
    upper = base / "upper"
    upper.mkdir()
    out = io.BytesIO()
    assert diff_to_tar(upper, out) == \
        "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"
    assert out.getvalue() == b"\0" * 1024


@pytest.mark.parametrize("kind", ["redirect", "metacopy"])
def test_diff_to_tar_refuses_overlay_features_a_tar_cannot_express(base, kind):
    upper = base / "upper"
    (upper / "moved").mkdir(parents=True)
    (upper / "moved" / "f").write_bytes(b"")
    if kind == "redirect":
        os.setxattr(upper / "moved", "trusted.overlay.redirect", b"/old")
    else:
        os.setxattr(upper / "moved" / "f", "trusted.overlay.metacopy", b"")
    with pytest.raises(LayerError, match="redirect_dir=off,metacopy=off"):
        diff_to_tar(upper, io.BytesIO())
