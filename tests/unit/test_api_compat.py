"""Pure parts of the docker-py gaps: archive stat fields, link variables, the MacAddress migration."""
from __future__ import annotations

import stat

import pytest

from dockerlab.engine.api.createcompat import MAC_WARNING, migrate_mac_address
from dockerlab.engine.containerarchive import container_path, go_file_mode, go_time
from dockerlab.engine.errors import InvalidArgument
from dockerlab.engine.network.legacy import _one_link_env


def test_unix_modes_become_go_file_modes():
    assert go_file_mode(stat.S_IFREG | 0o644) == 0o644
    assert go_file_mode(stat.S_IFDIR | 0o755) == (1 << 31) | 0o755
    assert go_file_mode(stat.S_IFLNK | 0o777) == (1 << 27) | 0o777
    assert go_file_mode(stat.S_IFCHR | 0o666) == (1 << 26) | (1 << 21) | 0o666
    assert go_file_mode(stat.S_IFDIR | stat.S_ISVTX | 0o777) == (1 << 31) | (1 << 20) | 0o777
    assert go_file_mode(stat.S_IFREG | stat.S_ISUID | 0o755) == (1 << 23) | 0o755


def test_times_are_rfc3339_with_nanoseconds_trimmed():
    assert go_time(0) == "1970-01-01T00:00:00Z"
    assert go_time(1_700_000_000_123_400_000) == "2023-11-14T22:13:20.1234Z"
    assert go_time(1_700_000_000_000_000_001) == "2023-11-14T22:13:20.000000001Z"


@pytest.mark.parametrize("given, expected", [
    ("/", "/"), ("//", "/"), ("etc", "/etc"), ("/etc/", "/etc/"), ("/a/../..", "/"),
    ("dir/.", "/dir/."), (".", "/."), ("/dir/./", "/dir/./"), ("//proc/x", "/proc/x"),
])
def test_container_paths_keep_a_trailing_dot_or_slash(given, expected):
    assert container_path(given) == expected


def test_link_variables_are_dockers():
    env = _one_link_env("/app/db", "172.17.0.2",
                        {"ExposedPorts": {"5432/tcp": {}, "53/udp": {}, "8080/tcp": {}, "8081/tcp": {}},
                         "Env": ["PATH=/bin", "HOME=/root", "POSTGRES_DB=lab", "EMPTY="]})
    assert env == [
        "DB_PORT=tcp://172.17.0.2:5432",
        "DB_PORT_5432_TCP=tcp://172.17.0.2:5432", "DB_PORT_5432_TCP_ADDR=172.17.0.2",
        "DB_PORT_5432_TCP_PORT=5432", "DB_PORT_5432_TCP_PROTO=tcp",
        "DB_PORT_8080_TCP=tcp://172.17.0.2:8080", "DB_PORT_8080_TCP_ADDR=172.17.0.2",
        "DB_PORT_8080_TCP_PORT=8080", "DB_PORT_8080_TCP_PROTO=tcp",
        "DB_PORT_8081_TCP=tcp://172.17.0.2:8081", "DB_PORT_8081_TCP_ADDR=172.17.0.2",
        "DB_PORT_8081_TCP_PORT=8081", "DB_PORT_8081_TCP_PROTO=tcp",
        "DB_PORT_53_UDP=udp://172.17.0.2:53", "DB_PORT_53_UDP_ADDR=172.17.0.2",
        "DB_PORT_53_UDP_PORT=53", "DB_PORT_53_UDP_PROTO=udp",
        # a range is told once the next port breaks it (dockerd's order)
        "DB_PORT_8080_TCP_START=tcp://172.17.0.2:8080", "DB_PORT_8080_TCP_PORT_START=8080",
        "DB_PORT_8080_TCP_END=tcp://172.17.0.2:8081", "DB_PORT_8080_TCP_PORT_END=8081",
        "DB_NAME=/app/db", "DB_ENV_POSTGRES_DB=lab", "DB_ENV_EMPTY=",
    ]
    assert _one_link_env("/app/my-cache", "10.0.0.3", {}) == ["MY_CACHE_NAME=/app/my-cache"]


def test_container_wide_mac_moves_to_the_endpoint():
    body = {"MacAddress": "02:42:ac:11:00:0a", "HostConfig": {"NetworkMode": "default"}}
    assert migrate_mac_address(body, (1, 44)) == [MAC_WARNING]
    assert body["NetworkingConfig"]["EndpointsConfig"] == {"bridge": {"MacAddress": "02:42:ac:11:00:0a"}}
    assert body["MacAddress"] == ""
    old = {"MacAddress": "02:42:ac:11:00:0b", "HostConfig": {"NetworkMode": "lab"},
           "NetworkingConfig": {"EndpointsConfig": {"lab": {"Aliases": ["x"]}}}}
    assert migrate_mac_address(old, (1, 43)) == []
    assert old["NetworkingConfig"]["EndpointsConfig"]["lab"] == {"Aliases": ["x"], "MacAddress": "02:42:ac:11:00:0b"}
    with pytest.raises(InvalidArgument, match="conflicting options: mac-address and the network mode"):
        migrate_mac_address({"MacAddress": "02:42:ac:11:00:0c", "HostConfig": {"NetworkMode": "host"}}, (1, 41))
    with pytest.raises(InvalidArgument, match="must match the endpoint-specific MAC address"):
        migrate_mac_address({"MacAddress": "02:42:ac:11:00:0c", "HostConfig": {"NetworkMode": "bridge"},
                             "NetworkingConfig": {"EndpointsConfig": {"bridge": {"MacAddress": "02:42:ac:11:00:0d"}}}},
                            (1, 44))
    untouched = {"HostConfig": {}, "NetworkingConfig": {"EndpointsConfig": {"bridge": {"MacAddress": "02:42:ac:11:00:0e"}}}}
    assert migrate_mac_address(untouched, (1, 44)) == []
    assert untouched["NetworkingConfig"]["EndpointsConfig"]["bridge"]["MacAddress"] == "02:42:ac:11:00:0e"
