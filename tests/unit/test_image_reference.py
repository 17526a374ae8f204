"""Reference parsing and normalization, checked against Docker's rules and messages."""
from __future__ import annotations

import pytest

from dockerlab.engine.errors import InvalidArgument
from dockerlab.engine.images import reference as r

DIGEST = "sha256:" + "ab" * 32

NORMALIZATION = [
    # typed                                   full name                         tag       familiar
    ("alpine",                                "docker.io/library/alpine",       None,     "alpine:latest"),
    ("alpine:3.19",                           "docker.io/library/alpine",       "3.19",   "alpine:3.19"),
    ("library/alpine",                        "docker.io/library/alpine",       None,     "alpine:latest"),
    ("docker.io/alpine",                      "docker.io/library/alpine",       None,     "alpine:latest"),
    ("index.docker.io/library/alpine:latest", "docker.io/library/alpine",       "latest", "alpine:latest"),
    ("user/app:v1",                           "docker.io/user/app",             "v1",     "user/app:v1"),
    ("localhost:5000/x:1",                    "localhost:5000/x",               "1",      "localhost:5000/x:1"),
    ("localhost/x",                           "localhost/x",                    None,     "localhost/x:latest"),
    ("example.com/a/b/c:tag",                 "example.com/a/b/c",              "tag",    "example.com/a/b/c:tag"),
    ("[::1]:5000/img:1",                      "[::1]:5000/img",                 "1",      "[::1]:5000/img:1"),
    ("docker.io/library/a/b",                 "docker.io/library/a/b",          None,     "library/a/b:latest"),
    ("my-app__x.y:Tag_1.0-rc",                "docker.io/library/my-app__x.y",  "Tag_1.0-rc", "my-app__x.y:Tag_1.0-rc"),
    ("Foo/bar",                               "Foo/bar",                        None,     "Foo/bar:latest"),
]


@pytest.mark.parametrize("typed,name,tag,fam", NORMALIZATION)
def test_normalization_table(typed, name, tag, fam):
    ref = r.parse(typed)
    assert ref.name == name
    assert ref.tag == tag
    assert r.familiar(typed) == fam
    assert r.normalize(typed).familiar() == fam


def test_default_tag_only_when_neither_tag_nor_digest():
    assert str(r.normalize("alpine")) == "docker.io/library/alpine:latest"
    digested = r.normalize(f"alpine@{DIGEST}")
    assert digested.tag is None and digested.digest == DIGEST
    assert digested.familiar() == f"alpine@{DIGEST}"
    both = r.parse(f"alpine:3@{DIGEST}")
    assert both.familiar() == f"alpine:3@{DIGEST}"
    assert str(both) == f"docker.io/library/alpine:3@{DIGEST}"


ERRORS = [
    ("Alpine", "invalid reference format: repository name (library/Alpine) must be lowercase"),
    ("user/App:1", "invalid reference format: repository name (user/App) must be lowercase"),
    ("a b", "invalid reference format"),
    ("alpine:", "invalid reference format"),
    (":tag", "invalid reference format"),
    ("", "invalid reference format"),
    ("alpine:" + "t" * 129, "invalid reference format"),
    ("ab" * 32, f"invalid repository name ({'ab' * 32}), cannot specify 64-byte hexadecimal strings"),
    ("alpine@sha256:abc", "invalid reference format"),
    ("alpine@sha256:" + "a" * 40, "invalid checksum digest length"),
    ("alpine@md5:" + "a" * 32, "unsupported digest algorithm"),
    ("a" * 256, "repository name must not be more than 255 characters"),
]


@pytest.mark.parametrize("typed,message", ERRORS)
def test_docker_error_messages(typed, message):
    with pytest.raises(InvalidArgument) as err:
        r.parse(typed)
    assert str(err.value) == message
    assert err.value.status == 400


def test_with_tag_validates_like_docker():
    ref = r.parse("alpine")
    assert ref.with_tag("edge").familiar() == "alpine:edge"
    with pytest.raises(InvalidArgument, match="invalid tag format"):
        ref.with_tag("-bad")


def test_id_helpers():
    full = "sha256:" + "0123456789ab" + "c" * 52
    assert r.is_full_id(full) and r.is_full_id(full[7:])
    assert not r.is_full_id(full[:-1])
    assert r.is_id_prefix(full, "0123") and r.is_id_prefix(full, "sha256:0123")
    assert not r.is_id_prefix(full, "alpine") and not r.is_id_prefix(full, "")
    assert r.quote('a"b') == '"a\\"b"'
