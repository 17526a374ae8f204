"""`-p` values: every form Docker accepts, and Docker's messages for the rest."""
from __future__ import annotations

import pytest

from dockerlab.engine.errors import InvalidArgument
from dockerlab.engine.network.portspec import PortBinding, parse_publish


@pytest.mark.parametrize("spec, expected", [
    ("80", [PortBinding(80)]),
    ("8080:80", [PortBinding(80, host_port=8080)]),
    ("127.0.0.1:8080:80", [PortBinding(80, host_ip="127.0.0.1", host_port=8080)]),
    ("127.0.0.1::80", [PortBinding(80, host_ip="127.0.0.1")]),
    ("[::1]:8080:80", [PortBinding(80, host_ip="::1", host_port=8080)]),
    ("53:53/udp", [PortBinding(53, proto="udp", host_port=53)]),
    ("0:80", [PortBinding(80, host_port=0)]),
    ("80/TCP", [PortBinding(80)]),
    ("8000-8002:80-82", [PortBinding(80, host_port=8000), PortBinding(81, host_port=8001),
                         PortBinding(82, host_port=8002)]),
    ("8000-8005:80", [PortBinding(80, host_port=8000, host_port_end=8005)]),
    ("80-81", [PortBinding(80), PortBinding(81)]),
])
def test_forms(spec, expected):
    assert parse_publish(spec) == expected


@pytest.mark.parametrize("spec, message", [
    ("8080:http", "invalid containerPort: http"),
    ("x:80", "invalid hostPort: x"),
    ("8080:70000", "invalid containerPort: 70000"),
    ("8080:0", "invalid containerPort: 0"),
    ("90-80:80-90", "invalid hostPort: 90-80"),
    ("80/icmp", "invalid proto: icmp"),
    ("1.2.3:80:80", "invalid IP address: 1.2.3"),
    ("8000-8001:80-82", "invalid ranges specified for container and host Ports: 80-82 and 8000-8001"),
    ("8080:", "no port specified: 8080:<empty>"),
])
def test_errors(spec, message):
    with pytest.raises(InvalidArgument) as err:
        parse_publish(spec)
    assert str(err.value) == message


def test_key_is_dockers():
    assert parse_publish("53:53/udp")[0].key == "53/udp"
