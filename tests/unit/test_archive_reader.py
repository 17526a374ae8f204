"""Reading image archives without root: names, links and manifests (no store involved)."""
from __future__ import annotations

import io
import json
import tarfile

import pytest

from dockerlab.engine.images.archive import read_manifest
from dockerlab.engine.images.archive_import import apply_changes
from dockerlab.engine.images.archive_reader import Archive, ArchiveError, clean_name
from dockerlab.engine.errors import InvalidArgument


def archive(entries: list[tuple[str, str, str]]) -> Archive:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, kind, payload in entries:
            info = tarfile.TarInfo(name)
            if kind == "sym":
                info.type, info.linkname = tarfile.SYMTYPE, payload
                tar.addfile(info)
            elif kind == "link":
                info.type, info.linkname = tarfile.LNKTYPE, payload
                tar.addfile(info)
            else:
                data = payload.encode()
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    buf.seek(0)
    return Archive(tarfile.open(fileobj=buf, mode="r:"))


@pytest.mark.parametrize("name, cleaned", [("./manifest.json", "manifest.json"),
                                           ("blobs//sha256/./ab", "blobs/sha256/ab"),
                                           ("a/../b", "b"), (".", "")])
def test_clean_names(name, cleaned):
    assert clean_name(name) == cleaned


@pytest.mark.parametrize("name", ["../x", "/etc/passwd", "a/../../x", "./../x"])
def test_names_leaving_the_archive_are_refused(name):
    with pytest.raises(ArchiveError, match="outside of the archive"):
        clean_name(name)


def test_symlinks_are_followed_inside_the_archive_only():
    arc = archive([("a/layer.tar", "file", "data"), ("b/layer.tar", "sym", "../a/layer.tar"),
                   ("c/layer.tar", "link", "a/layer.tar")])
    assert arc.read_bytes("b/layer.tar") == b"data"
    assert arc.read_bytes("c/layer.tar") == b"data"
    with pytest.raises(ArchiveError, match="is missing"):
        arc.read_bytes("d/layer.tar")
    with pytest.raises(ArchiveError, match="outside of the archive"):
        archive([("b/layer.tar", "sym", "../../etc/shadow")])


def test_symlink_loops_end_with_an_error():
    arc = archive([("a", "sym", "b"), ("b", "sym", "a")])
    with pytest.raises(ArchiveError, match="too many links"):
        arc.read_bytes("a")


def test_docker_manifest_and_oci_index_are_both_read():
    docker = archive([("manifest.json", "file", json.dumps(
        [{"Config": "blobs/sha256/cc", "RepoTags": ["x:1"], "Layers": ["blobs/sha256/l1"]}]))])
    [entry] = read_manifest(docker)
    assert (entry.config, entry.layers, entry.repo_tags) == ("blobs/sha256/cc", ["blobs/sha256/l1"], ["x:1"])
    manifest = json.dumps({"config": {"digest": "sha256:cc"}, "layers": [{"digest": "sha256:l1"}]})
    oci = archive([("index.json", "file", json.dumps({"manifests": [
        {"digest": "sha256:mm", "annotations": {"io.containerd.image.name": "docker.io/library/y:2"}}]})),
        ("blobs/sha256/mm", "file", manifest)])
    [entry] = read_manifest(oci)
    assert (entry.config, entry.layers, entry.repo_tags) == ("blobs/sha256/cc", ["blobs/sha256/l1"], ["y:2"])
    with pytest.raises(ArchiveError, match="neither manifest.json nor index.json"):
        read_manifest(archive([("etc/passwd", "file", "root")]))


def test_import_changes_follow_dockerfile_forms():
    cfg = apply_changes({}, ['CMD ["nginx", "-g", "daemon off;"]', "ENTRYPOINT /start.sh",
                             "ENV A=1 B=two", "ENV LEGACY some value", "EXPOSE 80 53/udp",
                             "WORKDIR /srv", "USER www", 'LABEL a=b "c d"=e', "VOLUME /data"])
    assert cfg == {"Cmd": ["nginx", "-g", "daemon off;"], "Entrypoint": ["/bin/sh", "-c", "/start.sh"],
                   "Env": ["A=1", "B=two", "LEGACY=some value"],
                   "ExposedPorts": {"80/tcp": {}, "53/udp": {}}, "WorkingDir": "/srv", "User": "www",
                   "Labels": {"a": "b", "c d": "e"}, "Volumes": {"/data": {}}}
    with pytest.raises(InvalidArgument, match="not a valid change command"):
        apply_changes({}, ["RUN rm -rf /"])
