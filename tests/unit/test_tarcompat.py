"""The extraction-filter stand-in used on Python < 3.11.4 (Debian 12's 3.11.2)."""
from __future__ import annotations

import io
import tarfile

import pytest

from dockerlab.engine import tarcompat


def archive(*members: tuple[str, str, str]) -> tarfile.TarFile:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for kind, name, extra in members:
            info = tarfile.TarInfo(name)
            if kind == "file":
                data = extra.encode()
                info.size = len(data)
                info.mode = 0o4777
                tar.addfile(info, io.BytesIO(data))
            else:
                info.type = {"sym": tarfile.SYMTYPE, "lnk": tarfile.LNKTYPE, "chr": tarfile.CHRTYPE}[kind]
                info.linkname = extra
                tar.addfile(info)
    buf.seek(0)
    return tarfile.open(fileobj=buf, mode="r|")


@pytest.fixture(params=[True, False], ids=["python-filters", "stand-in"])
def filters(request, monkeypatch):
    if request.param and not tarcompat.HAS_FILTERS:
        pytest.skip("this Python has no extraction filters")
    monkeypatch.setattr(tarcompat, "HAS_FILTERS", request.param)


def test_plain_files_land_with_safe_modes(tmp_path, filters):
    tarcompat.extractall(archive(("file", "a/b.txt", "hi")), tmp_path, "tar")
    path = tmp_path / "a" / "b.txt"
    assert path.read_text() == "hi" and path.stat().st_mode & 0o7777 == 0o755


@pytest.mark.parametrize("members", [
    [("file", "../out.txt", "x")],
    [("sym", "link", "/etc"), ("file", "link/passwd", "x")],
    [("sym", "up", ".."), ("file", "up/out.txt", "x")],
    [("lnk", "hard", "../../etc/passwd")],
], ids=["dotdot", "through-absolute-symlink", "through-relative-symlink", "hardlink-out"])
def test_escapes_are_refused(tmp_path, filters, members):
    dest = tmp_path / "dest"
    dest.mkdir()
    with pytest.raises(tarfile.TarError):
        tarcompat.extractall(archive(*members), dest, "data")
    assert not (tmp_path / "out.txt").exists()


def test_data_refuses_devices_and_absolute_links(tmp_path, filters):
    with pytest.raises(tarfile.TarError):
        tarcompat.extractall(archive(("chr", "dev", "")), tmp_path, "data")
    with pytest.raises(tarfile.TarError):
        tarcompat.extractall(archive(("sym", "abs", "/etc/passwd")), tmp_path / "x", "data")
