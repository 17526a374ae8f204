"""Layers kept as files + tar-split (no blob), and their tar rebuilt byte for byte, as root.

Each test uses its own state root (state_root fixture), removed at the end.
"""
from __future__ import annotations

import io
import os
import subprocess
import tarfile
import threading
from pathlib import Path

import pytest

from dockerlab.engine.images import fastunpack
from dockerlab.engine.images.archive import load
from dockerlab.engine.images.archive_save import save
from dockerlab.engine.images.layerstore import TAR_SPLIT
from dockerlab.engine.images.oci import digest_of
from dockerlab.engine.images.store import ImageStore
from dockerlab.engine.images.tarsplit import LayerAltered
from dockerlab.engine.settings import Settings

pytestmark = [pytest.mark.root,
              pytest.mark.skipif(fastunpack.gnu_tar() is None, reason="needs GNU tar")]

MTIME = 1_600_000_000
CAP = bytes.fromhex("0100000201200000000000000000000000000000")


def entry(name, kind=tarfile.REGTYPE, data=b"", mode=0o644, linkname="", xattrs=None):
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.linkname, info.mtime = kind, mode, linkname, MTIME
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    for key, value in (xattrs or {}).items():
        info.pax_headers["SCHILY.xattr." + key] = value.decode("utf-8", "surrogateescape")
    return info, data


def tar_bytes(*entries, fmt=tarfile.PAX_FORMAT) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=fmt) as tar:
        for info, data in entries:
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return out.getvalue()


LONG = "usr/share/" + "deep-directory-name/" * 8 + "file-with-a-long-name.txt"
RICH = [entry("etc/", tarfile.DIRTYPE, mode=0o755),
        entry("etc/passwd", data=b"root:x:0:0\n", mode=0o600),
        entry("bin/", tarfile.DIRTYPE, mode=0o755),
        entry("bin/busybox", data=b"\x7fELF" * 5000, mode=0o4755,
              xattrs={"security.capability": CAP, "user.note": b"hi"}),
        entry("bin/sh", tarfile.SYMTYPE, linkname="busybox"),
        entry("bin/ls", tarfile.LNKTYPE, linkname="bin/busybox"),
        entry("usr/", tarfile.DIRTYPE), entry(LONG, data=b"long name\n" * 100),
        entry("var/", tarfile.DIRTYPE),
        entry("var/.wh.cache", data=b"a whiteout with content"),       # not kept in the tree
        entry("opt/", tarfile.DIRTYPE),
        entry("opt/.wh..wh..opq", data=b"an opaque marker with content"),
        entry("opt/kept", data=b"k"),
        entry("empty", mode=0o000)]


def gnu_tar_of(tmp: Path) -> bytes:
    """A layer written by GNU tar itself: 10 KiB records, so zeros after the end blocks."""
    tree = tmp / "tree"
    (tree / "d").mkdir(parents=True)
    (tree / "d" / "f").write_bytes(b"gnu" * 999)
    (tree / "g").write_bytes(b"")
    return subprocess.run(["tar", "-C", str(tree), "--numeric-owner", "-cf", "-", "."],
                          check=True, capture_output=True).stdout


def layers(state_root) -> ImageStore:
    return ImageStore(state_root)


def kept_once(store: ImageStore, layer) -> None:
    assert not store.layers.blob_path(layer.blob).exists()
    assert (layer.path / TAR_SPLIT).is_file()


def rebuilt(store: ImageStore, layer) -> bytes:
    with store.layers.open_tar(layer) as tar:
        return tar.read()


# -- rebuilt byte for byte ------------------------------------------------------------

@pytest.mark.parametrize("kind", ["pax", "gnu-long-names", "gnu-tar-records", "odd-padding"])
def test_plain_layer_is_kept_once_and_rebuilt_byte_for_byte(state_root, tmp_path, kind):
    if kind == "pax":
        data = tar_bytes(*RICH)
    elif kind == "gnu-long-names":
        gnu = [entry(i.name, i.type, body, i.mode, i.linkname) for i, body in RICH]
        data = tar_bytes(*gnu, fmt=tarfile.GNU_FORMAT)
        assert b"././@LongLink" in data
    elif kind == "gnu-tar-records":
        data = gnu_tar_of(tmp_path) + b"trailing bytes after the archive"
    else:                       # padding and end blocks that are not zeros are kept as they are
        plain = bytearray(tar_bytes(entry("a", data=b"x" * 700), entry("b", data=b"y")))
        plain[512 + 700:1024 + 512] = b"\x01" * (1536 - 1212)
        data = bytes(plain)
    store = layers(state_root)
    layer = store.add_layer(io.BytesIO(data))
    assert layer.diff_id == layer.blob == digest_of(data) and layer.blob_size == len(data)
    kept_once(store, layer)
    assert rebuilt(store, layer) == data
    assert store.layers.tar_size(layer) == len(data)


def test_save_and_load_of_a_tar_split_layer_keep_the_image_id(state_root):
    store = layers(state_root)
    data = tar_bytes(*RICH)
    layer = store.add_layer(io.BytesIO(data))
    image = store.create_image({"config": {"Cmd": ["/bin/sh"]}}, [layer], ["rich:1"])
    out = io.BytesIO()
    save(store, ["rich:1"], out)
    with tarfile.open(fileobj=io.BytesIO(out.getvalue())) as archive:
        stored = archive.extractfile(f"blobs/sha256/{layer.diff_id.split(':')[1]}").read()
    assert stored == data
    other = ImageStore(Settings.load(state_root.root / "second"))
    loaded = load(other, io.BytesIO(out.getvalue()))
    assert [i.id for i in loaded] == [image.id]
    kept_once(other, other.layers_of(loaded[0])[0])


# -- sources read once, or twice -------------------------------------------------------

class Stream(io.RawIOBase):
    """A source that cannot seek (stdin, a socket): read once."""

    def __init__(self, data: bytes):
        self.data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:
        chunk = self.data.read(len(buf))
        buf[:len(chunk)] = chunk
        return len(chunk)


def test_a_stream_source_keeps_no_blob_either(state_root):
    store = layers(state_root)
    data = tar_bytes(*RICH)
    layer = store.add_layer(Stream(data))
    kept_once(store, layer)
    assert rebuilt(store, layer) == data
    assert [p.name for p in store.layers.blobs_dir.iterdir()] == []       # temporary blob gone


def test_a_pipe_source_keeps_no_blob_either(state_root):
    store = layers(state_root)
    data = tar_bytes(*RICH) * 1 + b"\0" * 4096
    read_end, write_end = os.pipe()
    writer = threading.Thread(target=lambda: (os.write(write_end, data), os.close(write_end)))
    writer.start()
    try:
        with open(read_end, "rb") as src:
            layer = store.add_layer(src)
    finally:
        writer.join()
    kept_once(store, layer)
    assert rebuilt(store, layer) == data


@pytest.mark.parametrize("source", [io.BytesIO, Stream], ids=["seekable", "stream"])
def test_a_layer_only_the_careful_unpacker_reads_keeps_its_blob(state_root, source):
    data = tar_bytes(entry("twice", data=b"first"), entry("twice", data=b"second"))
    store = layers(state_root)
    layer = store.add_layer(source(data))
    assert store.layers.blob_path(layer.blob).read_bytes() == data
    assert not (layer.path / TAR_SPLIT).exists()
    assert (layer.diff_dir / "twice").read_bytes() == b"second"
    assert rebuilt(store, layer) == data


def test_compressed_layer_keeps_its_compressed_blob(state_root):
    import gzip
    data = tar_bytes(*RICH)
    packed = gzip.compress(data, mtime=0)
    store = layers(state_root)
    layer = store.add_layer(io.BytesIO(packed))
    assert store.layers.blob_path(layer.blob).read_bytes() == packed
    assert not (layer.path / TAR_SPLIT).exists() and store.layers.tar_size(layer) is None
    assert rebuilt(store, layer) == data


# -- altered layers are refused ---------------------------------------------------------

def _change_content(diff: Path) -> None:
    path = diff / "bin" / "busybox"
    body = bytearray(path.read_bytes())
    body[100] ^= 0xFF
    path.write_bytes(bytes(body))


def _truncate(diff: Path) -> None:
    with open(diff / "etc" / "passwd", "r+b") as f:
        f.truncate(3)


def _remove(diff: Path) -> None:
    (diff / "opt" / "kept").unlink()


def _symlink_dir(diff: Path) -> None:
    """etc/ becomes a symlink to the host's /etc: never followed."""
    (diff / "etc" / "passwd").unlink()
    (diff / "etc").rmdir()
    (diff / "etc").symlink_to("/etc")


@pytest.mark.parametrize("alter", [_change_content, _truncate, _remove, _symlink_dir],
                         ids=["content", "size", "missing", "symlink"])
def test_save_refuses_a_layer_changed_on_disk(state_root, alter):
    store = layers(state_root)
    layer = store.add_layer(io.BytesIO(tar_bytes(*RICH)))
    store.create_image({"config": {}}, [layer], ["rich:1"])
    alter(layer.diff_dir)
    with pytest.raises(LayerAltered, match=f"layer {layer.diff_id} was changed on disk"):
        save(store, ["rich:1"], io.BytesIO())
    with pytest.raises(LayerAltered):
        rebuilt(store, layer)


def test_a_damaged_tar_split_record_is_reported(state_root):
    store = layers(state_root)
    layer = store.add_layer(io.BytesIO(tar_bytes(*RICH)))
    (layer.path / TAR_SPLIT).write_bytes(b"not zlib")
    with pytest.raises(LayerAltered, match="tar-split record is unreadable"):
        rebuilt(store, layer)
