"""ADD <url>'s naming, dates and error wording (engine/build/remote.py), without root."""
from __future__ import annotations

import socket

import pytest

from dockerlab.engine.build import remote


@pytest.mark.parametrize("path, disposition, expected", [
    ("/files/hello.txt", None, "hello.txt"),
    ("/files/a%20b.txt", None, "a b.txt"),           # the URL's path is unescaped, as Go's u.Path
    ("/dir/", 'attachment; filename="given.bin"', "given.bin"),
    ("", "attachment; filename=../../etc/passwd", "passwd"),
    ("/dir/", None, ""),
    ("/a/..", None, ""),
])
def test_filename_as_docker_derives_it(path, disposition, expected):
    from urllib.parse import unquote
    assert remote._filename(unquote(path), disposition) == expected


def test_last_modified_and_the_epoch_default():
    assert remote._last_modified("Fri, 14 Jul 2017 02:40:00 GMT") == 1_500_000_000
    assert remote._last_modified(None) == 0
    assert remote._last_modified("not a date") == 0


def test_is_url_only_http_and_https():
    assert remote.is_url("http://x/y") and remote.is_url("https://x/y")
    assert not remote.is_url("ftp://x/y") and not remote.is_url("file.tar.gz")


def test_refused_connection_reads_like_go(tmp_path):
    with socket.socket() as s:                   # a port that was free a moment ago
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/x"
    with pytest.raises(remote.DownloadError) as err:
        remote.download(url, tmp_path)
    assert str(err.value) == f'Get "{url}": dial tcp 127.0.0.1:{port}: connect: connection refused'
    assert list(tmp_path.iterdir()) == []
