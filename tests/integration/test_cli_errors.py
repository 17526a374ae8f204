"""`dockerlab docker` on bad input: Docker 28's exact messages and exit codes."""
from __future__ import annotations

import pytest

from dockerlab.cli.spec import help_text

from cli_support import Docker

pytestmark = pytest.mark.root

RUN_HINT = "\n\nRun 'docker run --help' for more information\n"


@pytest.fixture
def docker(state_root):
    return Docker(state_root)


def test_unknown_flag_prints_usage_and_exits_125(docker):
    r = docker("ps", "--bogus")
    assert (r.code, r.out) == (125, "")
    assert r.err == ("unknown flag: --bogus\n\nUsage:  docker ps [OPTIONS]\n\n"
                     "Run 'docker ps --help' for more information\n")


def test_bad_memory_size_is_refused_by_the_flag_parser(docker):
    r = docker("run", "-m", "12x", "busybox")
    assert r.code == 125
    assert r.err == ('invalid argument "12x" for "-m, --memory" flag: invalid suffix: \'x\'\n\n'
                     "Usage:  docker run [OPTIONS] IMAGE [COMMAND] [ARG...]" + RUN_HINT)


def test_missing_image_says_unable_to_find_then_pull_access_denied(docker):
    r = docker("run", "nosuchimage")
    assert r.code == 125
    assert r.err == ("Unable to find image 'nosuchimage:latest' locally\n"
                     "docker: Error response from daemon: pull access denied for nosuchimage, "
                     "repository does not exist or may require 'docker login': denied: requested "
                     "access to the resource is denied" + RUN_HINT)


@pytest.mark.parametrize("argv, message", [
    (["-p", "abc"], "invalid containerPort: abc"),
    (["-p", "99999:80"], "invalid hostPort: 99999"),
    (["-p", "8080:80:90"], "invalid IP address: 8080"),
    (["--restart", "on-failure:x"], "invalid restart policy format: maximum retry count must be an integer"),
    (["--rm", "--restart", "always"], "conflicting options: cannot specify both --restart and --rm"),
])
def test_client_side_run_validation(docker, argv, message):
    r = docker("run", *argv, "busybox")
    assert (r.code, r.err) == (125, f"docker: {message}" + RUN_HINT)


def test_invalid_reference_and_daemon_side_restart_policy(docker):
    r = docker("create", "Busybox")
    assert (r.code, r.err) == (125, "docker: invalid reference format: repository name "
                               "(library/Busybox) must be lowercase\n\n"
                               "Run 'docker create --help' for more information\n")
    r = docker("run", "--restart", "bogus", "busybox")
    assert r.code == 125
    assert r.err == ("docker: Error response from daemon: invalid restart policy: unknown policy "
                     "'bogus'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'" + RUN_HINT)


def test_name_in_use(docker):
    cid = docker.ok("create", "--name", "web", "busybox").strip()
    r = docker("run", "--name", "web", "busybox", "true")
    assert r.code == 125
    assert r.err == (f'docker: Error response from daemon: Conflict. The container name "/web" is '
                     f'already in use by container "{cid}". You have to remove (or rename) that '
                     "container to be able to reuse that name." + RUN_HINT)


def test_exec_in_a_stopped_container(docker):
    cid = docker.ok("create", "--name", "idle", "busybox").strip()
    r = docker("exec", "idle", "true")
    assert (r.code, r.out) == (1, "")
    assert r.err == f"Error response from daemon: container {cid} is not running\n"


def test_rm_of_a_running_container_needs_force(docker):
    docker.detached("web")
    r = docker("rm", "web")
    assert r.code == 1
    assert r.err == ('Error response from daemon: cannot remove container "/web": container is '
                     "running: stop the container before removing or force remove\n")
    assert docker("rm", "-f", "web").out == "web\n"
    assert docker("ps", "-aq").out == ""


def test_help_and_group_without_subcommand(docker):
    r = docker("ps", "--help")
    assert (r.code, r.out, r.err) == (0, help_text(("ps",)), "")
    r = docker("network")
    assert (r.code, r.out) == (0, help_text(("network",)))


def test_unknown_object_and_bad_filter(docker):
    r = docker("inspect", "nosuch")
    assert (r.code, r.out, r.err) == (1, "[]\n", "Error: No such object: nosuch\n")
    r = docker("container", "inspect", "nosuch")
    assert (r.code, r.err) == (1, "Error response from daemon: No such container: nosuch\n")
    r = docker("ps", "--filter", "colour=red")
    assert (r.code, r.err) == (1, "Error response from daemon: invalid filter 'colour'\n")
    r = docker("ps", "--filter", "status=sleepy")
    assert (r.code, r.err) == (1, "Error response from daemon: invalid filter 'status=sleepy'\n")
