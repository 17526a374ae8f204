"""`--link` on the default bridge writes Docker's /etc/hosts line; --dns reaches resolv.conf."""
from __future__ import annotations

import pytest

from cli_support import Docker

pytestmark = pytest.mark.root


def run(docker: Docker, capfd, *argv: str) -> str:
    """A foreground `docker run --rm ... busybox`; its output goes to the real stdout."""
    capfd.readouterr()
    docker.ok("run", "--rm", *argv)
    return capfd.readouterr().out


def test_link_alias_hostname_and_name_in_etc_hosts(state_root, capfd):
    docker = Docker(state_root)
    target = docker.detached("a1")
    ip = docker.ok("inspect", "-f", "{{.NetworkSettings.IPAddress}}", "a1").strip()
    hosts = run(docker, capfd, "--link", "a1:base", "--add-host", "db:10.1.2.3",
                "busybox", "cat", "/etc/hosts")
    lines = hosts.splitlines()
    assert lines[6:8] == ["10.1.2.3\tdb", f"{ip}\tbase {target[:12]} a1"]
    same = run(docker, capfd, "--link", "a1", "busybox", "cat", "/etc/hosts")
    assert f"{ip}\ta1 {target[:12]}\n" in same
    assert "1 packets received" in run(docker, capfd, "--link", "a1:base", "busybox",
                                       "ping", "-c", "1", "base")


def test_link_errors_are_dockers(state_root):
    docker = Docker(state_root)
    missing = docker("run", "--rm", "--link", "nothere:x", "busybox", "true")
    assert missing.code == 125
    assert "could not get container for nothere: No such container: nothere" in missing.err
    docker.ok("create", "--name", "dort", "busybox", "true")
    stopped = docker("run", "--name", "lieur", "--link", "dort:x", "busybox", "true")
    assert stopped.code == 125
    assert "Cannot link to a non running container: /dort AS /lieur/x" in stopped.err


def test_dns_option_in_resolv_conf(state_root, capfd):
    docker = Docker(state_root)
    out = run(docker, capfd, "--dns", "10.9.9.9", "--dns-search", "lab.local",
              "busybox", "cat", "/etc/resolv.conf")
    assert "\nnameserver 10.9.9.9\nsearch lab.local\n" in out
    assert "10.9.9.9" not in run(docker, capfd, "busybox", "cat", "/etc/resolv.conf")


def test_mount_flag_mounts_a_named_volume(state_root, capfd):
    docker = Docker(state_root)
    run(docker, capfd, "--mount", "source=donnees,target=/data", "busybox",
        "sh", "-c", "echo bonjour > /data/message")
    assert run(docker, capfd, "-v", "donnees:/d", "busybox", "cat", "/d/message") == "bonjour\n"
