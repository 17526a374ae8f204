"""Registry auth pieces without a registry: WWW-Authenticate parsing, config.json, loopback."""
from __future__ import annotations

import base64
import json

from dockerlab.engine.registry.auth import parse_challenges
from dockerlab.engine.registry.client import is_loopback
from dockerlab.engine.registry.credentials import Credentials


def test_bearer_challenge_as_docker_hub_sends_it():
    [ch] = parse_challenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",'
                            'scope="repository:library/busybox:pull,push"')
    assert ch.scheme == "bearer"
    assert ch.params == {"realm": "https://auth.docker.io/token", "service": "registry.docker.io",
                         "scope": "repository:library/busybox:pull,push"}


def test_several_challenges_spaces_and_escapes():
    chs = parse_challenges('Bearer realm="http://t/x", error="insufficient_scope", '
                           'Basic realm="say \\"hi\\""')
    assert [c.scheme for c in chs] == ["bearer", "basic"]
    assert chs[0].params == {"realm": "http://t/x", "error": "insufficient_scope"}
    assert chs[1].params == {"realm": 'say "hi"'}
    assert parse_challenges("") == []


def test_credentials_file_has_dockers_format(tmp_path):
    creds = Credentials(tmp_path / "cfg")
    assert creds.get("localhost:5000") is None
    creds.store("localhost:5000", "me", "p:w")
    doc = json.loads((tmp_path / "cfg" / "config.json").read_text())
    assert base64.b64decode(doc["auths"]["localhost:5000"]["auth"]) == b"me:p:w"
    assert creds.get("localhost:5000") == ("me", "p:w")
    assert (tmp_path / "cfg" / "config.json").stat().st_mode & 0o077 == 0
    assert creds.remove("localhost:5000") is True
    assert creds.remove("localhost:5000") is False
    assert creds.get("localhost:5000") is None


def test_loopback_hosts():
    assert is_loopback("localhost:5000") and is_loopback("127.0.0.1:5000") and is_loopback("[::1]:5000")
    assert not is_loopback("registry.example.org") and not is_loopback("10.0.0.1:5000")
