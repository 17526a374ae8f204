"""Layer byte streams without root: deterministic tars, compression, OCI documents."""
from __future__ import annotations

import bz2
import gzip
import io
import lzma
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from dockerlab.engine.errors import InvalidArgument
from dockerlab.engine.images import compression, oci
from dockerlab.engine.images.safefs import UnsafePath, split_member
from dockerlab.engine.images.tarstream import HashingReader, empty_layer_tar
from dockerlab.engine.images.treetar import TreeTar

DOCKER_EMPTY_LAYER = "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"


def _tree() -> TreeTar:
    tree = TreeTar(mtime=1_700_000_000)
    tree.file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")
    tree.symlink("bin/sh", "busybox")
    tree.dir("tmp", 0o1777)
    tree.file("usr/local/bin/tool", b"\x7fELF...", 0o4755)
    return tree


def _tar_bytes(tree: TreeTar) -> bytes:
    out = io.BytesIO()
    tree.write(out)
    return out.getvalue()


def test_empty_layer_hashes_like_docker():
    assert oci.digest_of(empty_layer_tar()) == DOCKER_EMPTY_LAYER


def test_tree_tar_is_deterministic_and_readable():
    first, second = _tar_bytes(_tree()), _tar_bytes(_tree())
    assert first == second
    assert len(first) % 512 == 0
    with tarfile.open(fileobj=io.BytesIO(first)) as tar:
        members = tar.getmembers()
        names = [m.name for m in members]
        assert names == sorted(names)                       # parents first, sorted
        assert {"etc", "bin", "usr", "usr/local", "usr/local/bin"} <= set(names)
        by_name = {m.name: m for m in members}
        assert by_name["bin/sh"].issym() and by_name["bin/sh"].linkname == "busybox"
        assert by_name["tmp"].mode == 0o1777
        assert by_name["usr/local/bin/tool"].mode == 0o4755
        assert all(m.mtime == 1_700_000_000 and m.uname == "" and m.uid == 0 for m in members)
        assert tar.extractfile("etc/passwd").read().startswith(b"root:x:0:0")


def test_tree_tar_changes_digest_when_content_changes():
    other = _tree()
    other.file("etc/passwd", "root:x:0:0:root:/root:/bin/ash\n")
    assert oci.digest_of(_tar_bytes(other)) != oci.digest_of(_tar_bytes(_tree()))


def test_hashing_reader_counts_everything_including_trailing_bytes():
    data = _tar_bytes(_tree()) + b"\0" * 10240
    reader = HashingReader(io.BytesIO(data))
    with tarfile.open(fileobj=reader, mode="r|") as tar:
        for _ in tar:
            pass
    reader.drain()
    assert reader.digest() == oci.digest_of(data)
    assert reader.count == len(data)


def _compressors():
    plain = _tar_bytes(_tree())
    yield "none", plain
    yield "gzip", gzip.compress(plain)
    yield "bzip2", bz2.compress(plain)
    yield "xz", lzma.compress(plain)
    if shutil.which("zstd"):
        yield "zstd", subprocess.run(["zstd", "-q", "-c"], input=plain, capture_output=True,
                                     check=True).stdout


@pytest.mark.parametrize("kind,blob", list(_compressors()), ids=lambda v: v if isinstance(v, str) else "")
def test_detect_and_decompress(tmp_path: Path, kind, blob):
    path = tmp_path / "layer"
    path.write_bytes(blob)
    assert compression.detect_file(path) == kind
    with compression.open_decompressed(path) as (stream, detected):
        assert detected == kind
        assert stream.read() == _tar_bytes(_tree())


def test_zstd_without_any_decompressor_says_what_to_install(tmp_path: Path, monkeypatch):
    if compression._zstd_module() is not None:
        pytest.skip("a zstd Python module is installed here; the CLI fallback is not reached")
    path = tmp_path / "layer.zst"
    path.write_bytes(b"\x28\xb5\x2f\xfd" + b"\0" * 16)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    assert not compression.zstd_available()
    with pytest.raises(compression.NoDecompressor, match="apt-get install zstd"):
        with compression.open_decompressed(path):
            pass


@pytest.mark.parametrize("name", ["../x", "/etc/x", "a/../../x", "..", "./../x"])
def test_member_names_that_escape_are_refused(name):
    with pytest.raises(UnsafePath):
        split_member(name)


@pytest.mark.parametrize("name,parts", [("./a//b/", ["a", "b"]), (".", []), ("a/../b", ["b"]),
                                        ("./", [])])
def test_member_names_are_cleaned(name, parts):
    assert split_member(name) == parts


def test_rfc3339_like_go():
    assert oci.rfc3339(1_778_186_025) == "2026-05-07T20:33:45Z"
    assert oci.rfc3339(1.5) == "1970-01-01T00:00:01.5Z"
    assert oci.parse_time("2024-07-22T22:26:43.778747613Z") == pytest.approx(1721687203.7787476)
    assert oci.parse_time("2024-07-22T22:26:43+02:00") == 1721680003
    assert oci.parse_time("yesterday") == 0.0


def test_build_config_fills_defaults_and_is_canonical():
    diff_ids = ["sha256:" + "1" * 64]
    cfg = oci.build_config({"created": "2024-01-01T00:00:00Z",
                            "config": {"Cmd": ["sh"], "Env": [], "User": ""}}, diff_ids)
    assert cfg["architecture"] == oci.host_architecture() and cfg["os"] == "linux"
    assert cfg["rootfs"] == {"type": "layers", "diff_ids": diff_ids}
    assert cfg["config"] == {"Cmd": ["sh"]}                 # empty values dropped
    assert len(cfg["history"]) == 1
    again = oci.build_config({"config": {"Cmd": ["sh"]}, "created": "2024-01-01T00:00:00Z"},
                             diff_ids)
    assert oci.canonical_json(cfg) == oci.canonical_json(again)
    assert oci.canonical_json({"b": 1, "a": [1, 2]}) == b'{"a":[1,2],"b":1}'


@pytest.mark.parametrize("config,message", [
    ({"config": {"Cmdd": ["sh"]}}, "unknown image config field"),
    ({"colour": "blue"}, "unknown image config field"),
    ({"history": [{"created_by": "a"}, {"created_by": "b"}]}, "too many non-empty layers"),
    ({"history": []}, "fewer layers"),
    ({"rootfs": {"type": "layers", "diff_ids": []}}, "do not match"),
])
def test_build_config_refuses_inconsistent_configs(config, message):
    with pytest.raises(InvalidArgument, match=message):
        oci.build_config(config, ["sha256:" + "1" * 64])


def test_manifest_describes_config_and_layers():
    layer = {"mediaType": compression.MEDIA_TYPES["gzip"], "digest": "sha256:" + "2" * 64,
             "size": 10}
    manifest = oci.build_manifest("sha256:" + "3" * 64, 99, [layer])
    assert manifest["schemaVersion"] == 2 and manifest["layers"] == [layer]
    assert manifest["config"] == {"mediaType": oci.CONFIG_MEDIA_TYPE,
                                  "digest": "sha256:" + "3" * 64, "size": 99}
