"""The header scan in front of GNU tar (tarscan.py): what it releases, refuses, hands back."""
from __future__ import annotations

import io
import tarfile

import pytest

from dockerlab.engine.images.layers import LayerError
from dockerlab.engine.images.safefs import UnsafePath
from dockerlab.engine.images.tarscan import LayerScanner, NeedsCarefulUnpack


def member(name: str, kind: bytes = tarfile.REGTYPE, data: bytes = b"", linkname: str = "",
           pax: dict[str, str] | None = None, uid: int = 0):
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.uid, info.mode = kind, linkname, uid, 0o644
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    info.pax_headers = dict(pax or {})
    return info, data


def tar_bytes(*members, fmt: int = tarfile.PAX_FORMAT) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=fmt) as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return out.getvalue()


def scan(data: bytes, step: int = 1 << 20, allow_devices: bool = True):
    """Feed `data` in `step`-byte chunks; returns (bytes released, scanner)."""
    scanner = LayerScanner(allow_devices)
    released = bytearray()
    for i in range(0, len(data), step):
        for piece in scanner.feed(memoryview(data)[i:i + step]):
            released += piece
    return bytes(released), scanner


def header_offset(data: bytes, index: int) -> int:
    """Where the headers of member number `index` begin (extended headers included)."""
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return tar.getmembers()[index].offset


def released_before_refusal(data: bytes, step: int) -> bytes:
    scanner = LayerScanner()
    released = bytearray()
    with pytest.raises((UnsafePath, LayerError, NeedsCarefulUnpack)):
        for i in range(0, len(data), step):
            for piece in scanner.feed(memoryview(data)[i:i + step]):
                released += piece
        scanner.finish()
    return bytes(released)


GOOD = [member("etc/", tarfile.DIRTYPE), member("etc/hostname", data=b"box\n"),
        member("bin/sh", tarfile.SYMTYPE, linkname="busybox"),
        member("bin/busybox", data=b"x" * 3000), member("bin/ls", tarfile.LNKTYPE,
                                                         linkname="bin/busybox")]


@pytest.mark.parametrize("step", [1, 7, 512, 1000, 1 << 20])
def test_a_plain_layer_is_released_whole_up_to_its_end_marker(step):
    data = tar_bytes(*GOOD)
    released, scanner = scan(data, step)
    result = scanner.finish()
    assert data.startswith(released) and len(released) >= 6 * 512
    assert data[len(released):].strip(b"\0") == b""          # only the end blocks are kept
    assert result.size == len(b"box\n") + 3000 + len("busybox")


@pytest.mark.parametrize("bad, error", [
    (member("../x", data=b"evil"), UnsafePath),
    (member("/etc/cron.d/x", data=b"evil"), UnsafePath),
    (member("x", pax={"path": "../../x"}), UnsafePath),              # PAX name wins, as in tar
    (member("h", tarfile.LNKTYPE, linkname="../../etc/shadow"), UnsafePath),
    (member("h", tarfile.LNKTYPE, linkname="/etc/shadow"), UnsafePath),
    (member("h", tarfile.LNKTYPE, linkname="not/there"), LayerError),
    (member("a/.wh..", data=b""), UnsafePath),
    (member("bin/sh/x", data=b""), NeedsCarefulUnpack),                # through a symlink
    (member("bin/ls/x", data=b""), NeedsCarefulUnpack),                # a hard link to one
    (member("etc/hostname", data=b"again"), NeedsCarefulUnpack),       # given twice
    (member("a/../b", data=b""), NeedsCarefulUnpack),
])
@pytest.mark.parametrize("step", [1, 600, 1 << 20])
def test_a_bad_member_is_never_released(bad, error, step):
    data = tar_bytes(*GOOD, bad)
    bad_at = header_offset(data, len(GOOD))
    scanner = LayerScanner()
    released = bytearray()
    with pytest.raises(error):
        for i in range(0, len(data), step):
            for piece in scanner.feed(memoryview(data)[i:i + step]):
                released += piece
    assert len(released) <= bad_at
    assert data.startswith(bytes(released))


def test_gnu_long_names_are_read_like_tar_reads_them():
    long = "d/" + "x" * 120
    released, scanner = scan(tar_bytes(member(long, data=b"ok"), fmt=tarfile.GNU_FORMAT))
    assert scanner.finish().size == 2
    with pytest.raises(UnsafePath):
        scan(tar_bytes(member("../" * 40 + "x" * 10, data=b""), fmt=tarfile.GNU_FORMAT))


def test_whiteouts_opaque_markers_and_xattrs_are_kept_for_after_tar():
    data = tar_bytes(member("a/", tarfile.DIRTYPE), member("a/.wh.gone", uid=7),
                     member("o/.wh..wh..opq"),
                     member("f", data=b"1", pax={"SCHILY.xattr.user.k": "v",
                                                 "SCHILY.xattr.trusted.overlay.opaque": "y",
                                                 "SCHILY.xattr.security.capability": "c"}))
    _, scanner = scan(data)
    result = scanner.finish()
    assert [(w.parts, w.uid) for w in result.whiteouts] == [(["a", ".wh.gone"], 7)]
    assert result.opaque == [["o", ".wh..wh..opq"]]
    assert result.xattrs == [(["f"], False, {"user.k": b"v", "security.capability": b"c"})]


def test_entries_under_a_whiteout_or_aufs_metadata_go_to_the_careful_unpacker():
    with pytest.raises(NeedsCarefulUnpack):
        scan(tar_bytes(member(".wh.d"), member("d/x")))
    with pytest.raises(NeedsCarefulUnpack):
        scan(tar_bytes(member(".wh..wh.plnk", tarfile.DIRTYPE)))


def test_device_nodes_are_refused_outside_image_layers():
    dev = member("dev/null", tarfile.CHRTYPE)
    with pytest.raises(LayerError, match="device nodes"):
        scan(tar_bytes(dev), allow_devices=False)
    scan(tar_bytes(member("p", tarfile.FIFOTYPE)), allow_devices=False)


@pytest.mark.parametrize("data, message", [
    (b"", "empty file"),
    (b"this is not a tar at all" * 40, "bad checksum"),
])
def test_damaged_streams_are_refused(data, message):
    with pytest.raises(LayerError, match=message):
        _, scanner = scan(data)
        scanner.finish()


def test_a_truncated_layer_is_refused():
    data = tar_bytes(*GOOD)
    with pytest.raises(LayerError, match="unexpected end"):
        _, scanner = scan(data[:512 * 5 + 100])
        scanner.finish()


def test_a_header_with_a_bad_checksum_after_good_ones_is_not_released():
    data = bytearray(tar_bytes(*GOOD, member("late", data=b"z")))
    at = header_offset(bytes(data), len(GOOD))
    data[at + 10] ^= 0x55                       # damage the name of the last member
    assert len(released_before_refusal(bytes(data), 700)) <= at
