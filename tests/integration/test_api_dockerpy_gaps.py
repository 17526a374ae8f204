"""docker-py calls that used to fail: legacy links' variables, a container's MAC address, /distribution."""
from __future__ import annotations

import platform

import pytest

from test_api_cli import api  # noqa: F401 - the daemon fixture

docker = pytest.importorskip("docker", reason="docker-py is in the test extra (pip install -e .[test])")
pytestmark = pytest.mark.root


@pytest.fixture
def client(api):  # noqa: F811
    c = docker.APIClient(base_url=f"unix://{api.socket}", timeout=60)
    try:
        yield c
    finally:
        c.close()


def test_links_give_dockers_variables(client):
    target = client.create_container("busybox", "sleep 60", environment={"FOO": "1"}, ports=[80, 81],
                                     name="target")
    client.start(target)
    try:
        ip = client.inspect_container(target)["NetworkSettings"]["IPAddress"]
        linked = client.create_container("busybox", "env", name="linker", host_config=client.create_host_config(
            links={"target": "my-db"}, network_mode="bridge"))
        client.start(linked)
        assert client.wait(linked)["StatusCode"] == 0
        env = client.logs(linked).decode().splitlines()
        for line in ("MY_DB_NAME=/linker/my-db", "MY_DB_ENV_FOO=1", f"MY_DB_PORT=tcp://{ip}:80",
                     f"MY_DB_PORT_81_TCP_ADDR={ip}", f"MY_DB_PORT_80_TCP_END=tcp://{ip}:81"):
            assert line in env
        assert not [v for v in env if v.startswith(("MY_DB_ENV_PATH=", "MY_DB_ENV_HOME="))]
        assert "Env" in client.inspect_container(linked)["Config"]
        assert not [v for v in client.inspect_container(linked)["Config"]["Env"] if v.startswith("MY_DB")]
        with pytest.raises(docker.errors.APIError, match="cannot remove the default link name"):
            client.remove_container("linker", link=True)
        client.remove_container("linker/my-db", link=True)        # the link goes, both containers stay
        assert client.inspect_container(linked)["HostConfig"]["Links"] is None
        assert client.inspect_container(target)["State"]["Running"]
        with pytest.raises(docker.errors.NotFound, match="No such container: linker/my-db"):
            client.remove_container("linker/my-db", link=True)
    finally:
        client.kill(target)


def test_container_wide_mac_address_reaches_the_interface(client):
    mac = "02:42:ac:11:00:0a"
    ctr = client.create_container("busybox", ["cat", "/sys/class/net/eth0/address"], mac_address=mac)
    assert ctr["Warnings"] == ["The container-wide MacAddress field is now deprecated. "
                               "It should be specified in EndpointsConfig instead."]
    client.start(ctr)
    assert client.wait(ctr)["StatusCode"] == 0
    assert client.logs(ctr).decode().strip() == mac
    state = client.inspect_container(ctr)
    assert state["NetworkSettings"]["Networks"]["bridge"]["MacAddress"] == mac    # configured: kept when stopped
    ctr = client.create_container("busybox", ["sleep", "60"], mac_address=mac)
    client.start(ctr)
    try:
        assert client.inspect_container(ctr)["NetworkSettings"]["MacAddress"] == mac
    finally:
        client.kill(ctr)


def test_distribution_inspect(client):
    data = client.inspect_distribution("busybox:latest")
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    assert data["Platforms"] == [{"architecture": arch, "os": "linux"}]
    desc = data["Descriptor"]
    assert desc["digest"].startswith("sha256:") and desc["size"] > 0 and "manifest" in desc["mediaType"]
    with pytest.raises(docker.errors.APIError) as denied:
        client.inspect_distribution("nobody-has/this-image")
    assert denied.value.status_code == 401


def test_network_connect_with_a_mac_address(client):
    client.create_network("macnet")
    try:
        ctr = client.create_container("busybox", ["sleep", "60"])
        client.connect_container_to_network(ctr, "macnet", mac_address="02:42:ac:11:00:02")
        assert client.inspect_container(ctr)["NetworkSettings"]["Networks"]["macnet"]["MacAddress"] == \
            "02:42:ac:11:00:02"
        client.start(ctr)
        other = client.create_container("busybox", ["sleep", "60"])
        client.start(other)
        client.connect_container_to_network(other, "macnet", mac_address="02:42:ac:11:00:03")   # live
        try:
            for cid, mac in ((ctr, "02:42:ac:11:00:02"), (other, "02:42:ac:11:00:03")):
                assert client.inspect_container(cid)["NetworkSettings"]["Networks"]["macnet"]["MacAddress"] == mac
                run = client.exec_create(cid, ["cat", "/sys/class/net/eth1/address"])
                assert client.exec_start(run).decode().strip() == mac
        finally:
            client.kill(ctr)
            client.kill(other)
            client.remove_container(ctr)
            client.remove_container(other)
    finally:
        client.remove_network("macnet")
