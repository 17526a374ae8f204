"""`-v /var/run/docker.sock:/var/run/docker.sock` with no daemon running starts this root's.

The lab's chapter 3 (3.4.2) mounts the Docker socket in a container from
the guided shell, where no `dockerlab daemon` runs. The first such create
starts one (engine/api/ondemand.py); later ones reuse it; system reset
stops it. The container's side with curl is played by the lab's own steps
(chapitre3:socket-api, socket-evenements in test_labs_chapters.py).
"""
from __future__ import annotations

import http.client
import socket
from pathlib import Path

import pytest

from cli_support import Docker
from proc_support import ended
from dockerlab.engine.api import ondemand
from dockerlab.engine.api.socketmount import DOCKER_SOCKETS
from dockerlab.engine.reset import reset

pytestmark = pytest.mark.root
SOCK = "/var/run/docker.sock"


def ping(path: str) -> bytes:
    """GET /_ping over a unix socket (the daemon answers OK)."""
    conn = http.client.HTTPConnection("localhost", timeout=10)
    conn.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.sock.connect(path)
    conn.request("GET", "/_ping")
    body = conn.getresponse().read()
    conn.close()
    return body




@pytest.fixture
def no_real_docker():
    if any(Path(p).exists() for p in DOCKER_SOCKETS):
        pytest.skip("a real Docker socket exists on this machine: it would be mounted instead")


def test_socket_bind_starts_the_daemon_once_and_reset_stops_it(state_root, no_real_docker):
    docker = Docker(state_root)
    assert not ondemand.pidfile(state_root).exists()
    docker.ok("run", "-d", "--name", "admin", "-v", f"{SOCK}:{SOCK}", "busybox", "sleep", "60")
    pid = int(ondemand.pidfile(state_root).read_text())
    assert b"dockerlab.main\0daemon" in Path(f"/proc/{pid}/cmdline").read_bytes()
    ours = str(state_root.run_dir / "docker.sock")
    view = docker.engine.inspect_container("admin")
    mount = view["Mounts"][0]
    assert (mount["Source"], mount["Destination"]) == (SOCK, SOCK)   # as typed, as in Docker
    assert view["HostConfig"]["Binds"] == [f"{SOCK}:{SOCK}"]
    assert ping(ours) == b"OK"
    assert docker("exec", "admin", "test", "-S", SOCK).code == 0
    assert not Path(SOCK).exists()            # dockerlab's socket was mounted, nothing made here
    docker.ok("run", "--rm", "-v", f"{SOCK}:{SOCK}", "busybox", "test", "-S", SOCK)
    assert int(ondemand.pidfile(state_root).read_text()) == pid     # reused, not a second one
    reset(state_root, remove_files=False)
    assert ended(pid)


def test_no_daemon_without_a_socket_bind(state_root):
    Docker(state_root).ok("run", "--rm", "-v", "/tmp:/host-tmp", "busybox", "true")
    assert not ondemand.pidfile(state_root).exists()


def test_mount_form_shows_the_typed_path_and_reaches_the_daemon_after_a_restart(state_root,
                                                                                  no_real_docker):
    docker = Docker(state_root)
    docker.ok("run", "-d", "--name", "sockmount", "--mount", f"type=bind,source={SOCK},target=/d.sock",
              "busybox", "sleep", "60")
    view = docker.engine.inspect_container("sockmount")
    assert [(m["Type"], m["Source"], m["Destination"]) for m in view["Mounts"]] == \
        [("bind", SOCK, "/d.sock")]
    assert view["HostConfig"]["Mounts"][0]["Source"] == SOCK
    assert docker.ok("inspect", "-f", "{{range .Mounts}}{{.Source}}{{end}}", "sockmount") == SOCK + "\n"
    docker.ok("stop", "-t", "0", "sockmount")
    docker.ok("start", "sockmount")                   # each start mounts dockerlab's socket again
    assert docker("exec", "sockmount", "test", "-S", "/d.sock").code == 0
    docker.ok("rm", "-f", "sockmount")
