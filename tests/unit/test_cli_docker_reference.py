"""dockerlab's CLI against the real docker client, live.

When a docker client is installed (no daemon needed), these tests run it
and compare: every help page, parsing errors and exit codes, unit errors
and the list pipeline (`docker context ls`). The client talks to nothing:
DOCKER_HOST points at a socket that does not exist and DOCKER_CONFIG at a
temporary directory, and only commands that fail at parsing, print help or
read local contexts are run.
"""
import fcntl
import importlib.util
import os
import pty
import shlex
import shutil
import struct
import subprocess
import termios
from pathlib import Path

import pytest

from dockerlab.cli import spec, units
from dockerlab.cli.spec import UsageError, help_text, parse_docker_command

DOCKER = shutil.which("docker")
pytestmark = pytest.mark.skipif(DOCKER is None, reason="no docker client installed")

_BANNER = "DEPRECATED: The legacy builder is deprecated"


@pytest.fixture(scope="module")
def docker_env(tmp_path_factory):
    config = tmp_path_factory.mktemp("dlt-docker-config")
    env = {**os.environ, "DOCKER_CONFIG": str(config),
           "DOCKER_HOST": "unix:///nonexistent/dlt-docker.sock",
           "DOCKER_HIDE_LEGACY_COMMANDS": ""}
    env.pop("DOCKER_CONTEXT", None)
    return env


def _docker(env, args, cols=None):
    stdin = subprocess.DEVNULL
    master = slave = None
    if cols:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, cols, 0, 0))
        stdin = slave
    try:
        return subprocess.run([DOCKER, *args], capture_output=True, text=True, env=env,
                              stdin=stdin, timeout=30)
    finally:
        for fd in (master, slave):
            if fd is not None:
                os.close(fd)


def _strip_banner(text):
    if text.startswith(_BANNER):
        return text.split("\n", 4)[4]
    return text


def _paths(command=None, prefix=()):
    command = command or spec.ROOT
    for sub in command.subcommands:
        if sub.hidden:
            continue
        yield prefix + (sub.name,)
        yield from _paths(sub, prefix + (sub.name,))


ALL_PATHS = sorted(_paths())


@pytest.mark.parametrize("path", ALL_PATHS, ids=[" ".join(p) for p in ALL_PATHS])
def test_every_help_page(docker_env, monkeypatch, path):
    monkeypatch.setenv("DOCKER_CONFIG", docker_env["DOCKER_CONFIG"])
    real = _docker(docker_env, [*path, "--help"])
    assert real.returncode == 0
    assert help_text(path) == _strip_banner(real.stdout)


@pytest.mark.parametrize("path", [("run",), ("ps",), ("network", "create"), ("logs",)])
@pytest.mark.parametrize("cols", [30, 60, 132])
def test_help_follows_terminal_width(docker_env, monkeypatch, path, cols):
    monkeypatch.setenv("DOCKER_CONFIG", docker_env["DOCKER_CONFIG"])
    assert help_text(path, cols) == _docker(docker_env, [*path, "--help"], cols).stdout


def test_root_help_differs_only_by_commands_dockerlab_lacks(docker_env, monkeypatch):
    monkeypatch.setenv("DOCKER_CONFIG", docker_env["DOCKER_CONFIG"])
    real, kept, skipping = _docker(docker_env, ["--help"]).stdout.splitlines(), [], False
    for line in real:
        if line == "Swarm Commands:":
            skipping = True
        elif skipping and line == "":
            skipping = False
            continue
        word = line.split()[0] if line.startswith("  ") and line.strip() else ""
        if not skipping and word not in spec.DOCKER_ONLY_COMMANDS:
            kept.append(line)
    assert help_text(()).splitlines() == kept


CASES = """
run --foo
run -z
run
run --name
run -m 32x alpine
run -it=true alpine
run -ti=x alpine
run --rm=maybe alpine
run -h
run -dp 80 alpine
run -e =x alpine
run --env= alpine
run -c 0x1F alpine
run -c 08 alpine
run --blkio-weight=65536 alpine
run --io-maxiops=-1 alpine
run --oom-score-adj 99999999999999999999 alpine
run --memory-swap -1 alpine
run --memory-swap -2 alpine
run --health-interval=1.5.s alpine
run --cpus 1/3 alpine
run --mount type=bind,source=./x,target=/y alpine
run --mount type=bind,target=/y,bind-recursive=x alpine
run --mount type=bind,target=/y,bind-recursive=writable alpine
run --mount type=tmpfs,target=/y,volume-label=x alpine
run --mount 'type=bind,"target=/a,b"' alpine
run --mount 'target=/a,' alpine
run --mount 'a"b' alpine
run --network 'name=a,driver-opt=x=y,ip=1.2.3.4' alpine
run --network 'name=' alpine
run --network 'name=a,gw-priority=99999999999999999999' alpine
run --ulimit nofile=5:-1 alpine
run --ulimit 'nofile= 5' alpine
run --ulimit nofile=0x10 alpine
run --add-host 'a=[::1]' alpine
run --add-host 'a: 1.2.3.4' alpine
run --dns '::ffff:1.2.3.4' alpine
run --dns-search 'a..b' alpine
run --label 'a	b=c' alpine
run --attach stdin -a Stdout alpine
run --device-cgroup-rule 'c *:* rwm' alpine
run --device-read-bps :1mb alpine
run --device-read-iops /dev/sda:-1 alpine
run --blkio-weight-device /dev/sda:1001 alpine
run --sysctl =1 alpine
run --sysctl fs.mqueue.x=1 alpine
run --link /a:/b/c alpine
ps --filter a
ps -f=status=exited
ps -n=5 extra
ps --last=x
images -a -q --no-trunc a b
network create --subnet '"a' x
network create --ipv4=x x
network connect --alias a,b n
volume create --name v a b
volume ls -f dangling
stop --time=5 --timeout=x a
stop -t 5
logs -n
logs a b
exec -it
exec a
cp a
top
tag a
commit
port a b c
container
container foo
container --foo
container list x
image ls a b
system prune x
builder prune --keep-storage 1x
foo
--foo ps
-H
-l
--log-level=bogus ps
--log-level Trace ps
-D ps -D
help nope
"""


@pytest.mark.parametrize("line", [c for c in CASES.strip().splitlines()])
def test_parsing_matches_docker(docker_env, line):
    argv = shlex.split(line)
    real = _docker(docker_env, argv)
    stderr = _strip_banner(real.stderr).rstrip("\n")
    refused = real.returncode in (1, 125) and "Cannot connect" not in stderr and (
        "for more information" in stderr or stderr.startswith("Unable to parse logging"))
    try:
        parse_docker_command(argv)
        mine = None
    except UsageError as err:
        mine = (err.message, err.exit_code)
    if refused:
        assert mine == (stderr, real.returncode)
    else:
        assert mine is None, stderr


@pytest.mark.parametrize("flag, function, values", [
    ("--memory", units.ram_in_bytes,
     ["32x", "1.5g", "", "abc", "-1", "1.2.3", "1 kb", "1kbb", "inf", "0x10", "1_0", "5Mi"]),
    ("--health-interval", units.parse_duration,
     ["5", "5s", "1m30s", "x", "5x", ".s", "1h1", "-1s", "9999999999999h", ""]),
    ("--cpus", units.parse_nano_cpus,
     ["0.5", "abc", "1/2", "1e-10", "1/0", "  1", "0x1", "1/2/3"]),
])
def test_unit_errors_match_docker(docker_env, flag, function, values):
    for value in values:
        # pflag stops at the first bad flag: a valid value reaches the sentinel.
        real = _docker(docker_env, ["run", f"{flag}={value}", "--dlt-sentinel"])
        first = real.stderr.splitlines()[0]
        expected = None if first == "unknown flag: --dlt-sentinel" else \
            first.split(" flag: ", 1)[1]
        try:
            function(value)
            mine = None
        except units.UnitError as err:
            mine = str(err)
        assert mine == expected, value


def test_context_ls_pipeline(docker_env, tmp_path):
    """`docker context ls --format` goes through docker's list pipeline."""
    from dockerlab.cli.tables import write_rows
    reference = _load_sibling("test_cli_tables.py")

    env = {**docker_env, "DOCKER_CONFIG": str(tmp_path)}
    for name, description, endpoint in [
            ("ab", "x", "unix:///tmp/a.sock"),
            ("longer-name-here", "Une description plus longue", "tcp://10.1.2.3:2375"),
            ("wide", "wide chars 日本語 ok", "unix:///w.sock")]:
        created = _docker(env, ["context", "create", name, "--description", description,
                                "--docker", f"host={endpoint}"])
        assert created.returncode == 0, created.stderr
    env["DOCKER_HOST"] = "unix:///var/run/docker.sock"  # the default context's endpoint
    for fmt, _ in reference.DOCKER_OUTPUTS:
        real = _docker(env, ["context", "ls", "--format", fmt])
        assert write_rows(fmt, reference.CONTEXTS, reference.HEADERS) == real.stdout, fmt


def _load_sibling(name):
    """The rows and formats of test_cli_tables.py, whatever the import path."""
    location = Path(__file__).with_name(name)
    module_spec = importlib.util.spec_from_file_location("dlt_" + location.stem, location)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module
