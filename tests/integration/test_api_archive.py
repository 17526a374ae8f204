"""HEAD/GET/PUT /containers/{id}/archive: the real `docker cp` and raw HTTP against `dockerlab daemon`."""
from __future__ import annotations

import base64
import http.client
import io
import json
import os
import tarfile

import pytest

from test_api_cli import DOCKER, UnixHTTPConnection, api, needs_docker  # noqa: F401 - the daemon fixture

pytestmark = pytest.mark.root
STAT = "X-Docker-Container-Path-Stat"
GO_DIR, GO_SYMLINK = 1 << 31, 1 << 27


def _raw(api, method: str, path: str, body: bytes | None = None) -> tuple[int, dict, bytes]:  # noqa: F811
    conn = UnixHTTPConnection(api.socket)
    conn.timeout = 30
    conn.request(method, path, body=body, headers={"Content-Type": "application/x-tar"} if body else {})
    resp = conn.getresponse()
    out = resp.read()
    conn.close()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, out


def _stat(headers: dict) -> dict:
    return json.loads(base64.b64decode(headers[STAT.lower()]))


def _tar(files: dict[str, bytes | None], uid: int = 0) -> bytes:
    """A tar of `files` (None: a directory), owned by `uid`."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.uid = info.gid = uid
            if data is None:
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
            else:
                info.size, info.mode = len(data), 0o644
                tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _names(data: bytes) -> list[str]:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return sorted(tar.getnames())


@needs_docker
def test_docker_cp_both_ways_with_the_docker_client(api, tmp_path):  # noqa: F811
    api.docker("run", "-d", "--name", "web", "busybox", "sh", "-c",
               "mkdir -p /srv/site/sub && echo hello > /srv/site/index.html && echo deep > /srv/site/sub/f"
               " && ln -s /srv/site /srv/link && exec sleep 300")
    out = tmp_path / "out"
    out.mkdir()
    api.docker("cp", "web:/srv/site/index.html", str(out / "copy.html"))
    assert (out / "copy.html").read_text() == "hello\n"
    api.docker("cp", "web:/srv/site", str(out))                  # a directory into an existing one
    assert (out / "site" / "sub" / "f").read_text() == "deep\n"
    api.docker("cp", "web:/srv/site/.", str(out / "contents"))   # its contents into a new one
    assert sorted(os.listdir(out / "contents")) == ["index.html", "sub"]
    api.docker("cp", "-L", "web:/srv/link", str(out / "followed"))
    assert (out / "followed" / "index.html").read_text() == "hello\n"

    src = tmp_path / "src"
    (src / "inner").mkdir(parents=True)
    (src / "inner" / "a.txt").write_text("from the host\n")
    (tmp_path / "one.txt").write_text("one\n")
    api.docker("cp", str(tmp_path / "one.txt"), "web:/tmp/")
    api.docker("cp", str(tmp_path / "one.txt"), "web:/tmp/renamed.txt")
    api.docker("cp", str(src), "web:/tmp/tree")
    got = api.docker("exec", "web", "sh", "-c", "cat /tmp/one.txt /tmp/renamed.txt /tmp/tree/inner/a.txt").stdout
    assert got == "one\none\nfrom the host\n"

    r = api.docker("cp", "web:/nope", str(out), check=False)
    assert r.returncode == 1
    assert r.stderr.strip() == "Error response from daemon: Could not find the file /nope in container web"
    r = api.docker("cp", str(tmp_path / "one.txt"), "web:/no/such/dir/x", check=False)
    assert r.returncode == 1
    assert "Could not find the file /no/such/dir in container web" in r.stderr

    api.docker("stop", "-t", "0", "web")                          # a stopped container too
    api.docker("cp", str(tmp_path / "one.txt"), "web:/srv/site/stopped.txt")
    api.docker("cp", "web:/srv/site/stopped.txt", str(out / "back.txt"))
    assert (out / "back.txt").read_text() == "one\n"


def test_archive_endpoints_over_raw_http(api):  # noqa: F811
    status, _, body = api.request("POST", "/containers/create?name=box",
                                  {"Image": "busybox", "Cmd": ["sh", "-c", "echo -n abc > /data.txt; ln -s /etc /etc-link"]})
    assert status == 201, body
    status, _, _ = api.request("POST", "/containers/box/start")
    assert status == 204
    assert api.request("POST", "/containers/box/wait")[0] == 200

    status, headers, body = _raw(api, "HEAD", "/v1.44/containers/box/archive?path=/data.txt")
    assert (status, body) == (200, b"")
    stat = _stat(headers)
    assert list(stat) == ["name", "size", "mode", "mtime", "linkTarget"]
    assert (stat["name"], stat["size"], stat["mode"], stat["linkTarget"]) == ("data.txt", 3, 0o644, "")
    assert stat["mtime"].endswith("Z") and stat["mtime"][:4].isdigit()
    _, headers, _ = _raw(api, "HEAD", "/containers/box/archive?path=/etc-link")
    assert _stat(headers)["mode"] & GO_SYMLINK and _stat(headers)["linkTarget"] == "/etc"
    _, headers, _ = _raw(api, "HEAD", "/containers/box/archive?path=/etc/")
    assert _stat(headers)["mode"] & GO_DIR and _stat(headers)["name"] == "etc"

    status, headers, body = _raw(api, "GET", "/containers/box/archive?path=/data.txt")
    assert status == 200 and headers["content-type"] == "application/x-tar"
    assert _stat(headers)["size"] == 3
    with tarfile.open(fileobj=io.BytesIO(body)) as tar:
        assert tar.getnames() == ["data.txt"] and tar.extractfile("data.txt").read() == b"abc"

    status, _, body = _raw(api, "GET", "/containers/box/archive?path=/missing")
    assert status == 404
    assert json.loads(body) == {"message": "Could not find the file /missing in container box"}
    assert _raw(api, "HEAD", "/containers/box/archive?path=/missing")[0] == 404
    status, _, body = _raw(api, "GET", "/containers/nobox/archive?path=/")
    assert (status, json.loads(body)["message"]) == (404, "No such container: nobox")
    status, _, body = _raw(api, "GET", "/containers/box/archive")
    assert (status, json.loads(body)["message"]) == (400, "bad parameter: pathcannot be empty")

    # PUT into a directory of the stopped container; a file is no extraction point
    status, _, body = _raw(api, "PUT", "/containers/box/archive?path=/tmp",
                           _tar({"d": None, "d/f.txt": b"put\n"}, uid=1234))
    assert status == 200, body
    status, _, body = _raw(api, "GET", "/containers/box/archive?path=/tmp/d")
    assert _names(body) == ["d", "d/f.txt"]
    with tarfile.open(fileobj=io.BytesIO(body)) as tar:
        assert tar.getmember("d/f.txt").uid == 1234           # the archive's owner kept (no copyUIDGID)
    status, _, body = _raw(api, "GET", "/containers/box/archive?path=/tmp/d/.")
    assert _names(body) == [".", "./f.txt"]
    status, _, body = _raw(api, "PUT", "/containers/box/archive?path=/data.txt", _tar({"x": b"x"}))
    assert (status, json.loads(body)["message"]) == (400, "extraction point is not a directory")
    status, _, body = _raw(api, "PUT", "/containers/box/archive?path=/nowhere", _tar({"x": b"x"}))
    assert (status, json.loads(body)["message"]) == (404, "Could not find the file /nowhere in container box")

    # noOverwriteDirNonDir: a file may not replace the directory d
    status, _, body = _raw(api, "PUT", "/containers/box/archive?path=/tmp&noOverwriteDirNonDir=true",
                           _tar({"d": b"now a file"}))
    assert status == 500 and json.loads(body)["message"] == \
        'cannot overwrite directory "/tmp/d" with non-directory "/tmp"'
    status, _, _ = _raw(api, "PUT", "/containers/box/archive?path=/tmp", _tar({"d": b"now a file"}))
    assert status == 200                                       # without it, dockerd replaces it
    _, headers, _ = _raw(api, "HEAD", "/containers/box/archive?path=/tmp/d")
    assert _stat(headers)["mode"] == 0o644 and _stat(headers)["size"] == len(b"now a file")

    # gzip'd input, a symlink followed to its directory, and no escape from the root
    import gzip
    status, _, body = _raw(api, "PUT", "/containers/box/archive?path=/etc-link",
                           gzip.compress(_tar({"zipped.txt": b"z"})))
    assert status == 200, body
    assert _raw(api, "HEAD", "/containers/box/archive?path=/etc/zipped.txt")[0] == 200
    status, _, body = _raw(api, "GET", "/containers/box/archive?path=/../../../data.txt")
    assert status == 200 and _names(body) == ["data.txt"]


def test_put_respects_read_only_and_copy_uidgid(api):  # noqa: F811
    status, _, body = api.request("POST", "/containers/create?name=ro",
                                  {"Image": "busybox", "Cmd": ["true"], "User": "nobody",
                                   "HostConfig": {"ReadonlyRootfs": True, "Binds": ["roc:/ro:ro", "rwc:/rw"]}})
    assert status == 201, body
    tar = _tar({"f": b"1"}, uid=4321)
    status, _, body = _raw(api, "PUT", "/containers/ro/archive?path=/tmp", tar)
    assert (status, json.loads(body)["message"]) == (400, "container rootfs is marked read-only")
    status, _, body = _raw(api, "PUT", "/containers/ro/archive?path=/ro", tar)
    assert (status, json.loads(body)["message"]) == (400, "mounted volume is marked read-only")
    status, _, body = _raw(api, "PUT", "/containers/ro/archive?path=/rw&copyUIDGID=1", tar)
    assert status == 200, body                                # a volume of a container never started
    volume = json.loads(api.request("GET", "/volumes/rwc")[2])["Mountpoint"]
    st = os.stat(os.path.join(volume, "f"))
    assert (st.st_uid, st.st_gid) == (65534, 65534)           # busybox's nobody:nogroup
    status, _, body = _raw(api, "GET", "/containers/ro/archive?path=/rw/f")
    assert status == 200 and _names(body) == ["f"]


def test_get_on_a_running_container_is_dockerds_view(api):  # noqa: F811
    """Names of the root start with "/"; /proc, /sys and /dev's mounts are not the container's files."""
    status, _, body = api.request("POST", "/containers/create?name=live",
                                  {"Image": "busybox", "Cmd": ["sh", "-c", "echo v > /dev/shm/x; exec sleep 60"],
                                   "HostConfig": {"Binds": ["livevol:/data"]}})
    assert status == 201, body
    assert api.request("POST", "/containers/live/start")[0] == 204
    try:
        assert _raw(api, "PUT", "/containers/live/archive?path=/data", _tar({"in-volume": b"v"}))[0] == 200
        status, headers, body = _raw(api, "GET", "/containers/live/archive?path=/")
        assert status == 200 and _stat(headers)["name"] == "/"
        with tarfile.open(fileobj=io.BytesIO(body)) as tar:
            names = tar.getnames()
        assert names[0] == "" and "/bin/sh" in names and "/data/in-volume" in names   # "/" read as ""
        assert "/proc" in names and "/dev" in names and "/etc/hostname" in names
        assert not [n for n in names if n.startswith(("/proc/", "/sys/", "/dev/"))]
        status, _, body = _raw(api, "GET", "/containers/live/archive?path=/proc/cpuinfo")
        assert (status, json.loads(body)["message"]) == (404, "Could not find the file /proc/cpuinfo in container live")
    finally:
        api.request("POST", "/containers/live/kill")
