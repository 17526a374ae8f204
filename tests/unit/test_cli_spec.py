"""cli/spec.py: the docker command tree, parse_docker_command, help pages.

The expected strings below were captured once from the docker 28.2.2
client (`docker <args>; echo $?`, which reports these errors before it
needs a daemon), so the tests compare dockerlab with Docker itself.
test_cli_docker_reference.py repeats the comparison live when the client
is installed.
"""
import shlex

import pytest

from dockerlab.cli import spec
from dockerlab.cli.spec import UsageError, find_command, help_text, parse_docker_command

# (command line, docker's exit code, docker's stderr) -- docker 28.2.2
DOCKER_ERRORS = [
    ('run --foo', 125,
     "unknown flag: --foo\n\nUsage:  docker run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun 'docker run --help' for more information"),
    ('run -z', 125,
     "unknown shorthand flag: 'z' in -z\n\nUsage:  docker run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun 'docker run --help' for more information"),
    ('run', 1,
     "docker: 'docker run' requires at least 1 argument\n\nUsage:  docker run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nSee 'docker run --help' for more information"),
    ('run --name', 125,
     "flag needs an argument: --name\n\nUsage:  docker run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun 'docker run --help' for more information"),
    ('run -p', 125,
     "flag needs an argument: 'p' in -p\n\nUsage:  docker run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun 'docker run --help' for more information"),
    ('run -m 32x alpine', 125,
     'invalid argument "32x" for "-m, --memory" flag: invalid suffix: \'x\'\n\nUsage:  docker run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun \'docker run --help\' for more information'),
    ('run --rm=maybe alpine', 125,
     'invalid argument "maybe" for "--rm" flag: strconv.ParseBool: parsing "maybe": invalid syntax\n\nUsage:  docker run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun \'docker run --help\' for more information'),
    ('run -h', 125,
     "flag needs an argument: 'h' in -h\n\nUsage:  docker run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun 'docker run --help' for more information"),
    ('run --cpus=abc x', 125,
     'invalid argument "abc" for "--cpus" flag: failed to parse abc as a rational number\n\nUsage:  docker run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun \'docker run --help\' for more information'),
    ('run --cpus=0.0000000001 x', 125,
     'invalid argument "0.0000000001" for "--cpus" flag: value is too precise\n\nUsage:  docker run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun \'docker run --help\' for more information'),
    ('run --stop-timeout=x a', 125,
     'invalid argument "x" for "--stop-timeout" flag: strconv.ParseInt: parsing "x": invalid syntax\n\nUsage:  docker run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun \'docker run --help\' for more information'),
    ('run --health-interval=5 a', 125,
     'invalid argument "5" for "--health-interval" flag: time: missing unit in duration "5"\n\nUsage:  docker run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun \'docker run --help\' for more information'),
    ('run --health-interval=5x a', 125,
     'invalid argument "5x" for "--health-interval" flag: time: unknown unit "x" in duration "5x"\n\nUsage:  docker run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun \'docker run --help\' for more information'),
    ('run -e =x alpine', 125,
     'invalid argument "=x" for "-e, --env" flag: invalid environment variable: =x\n\nUsage:  docker run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun \'docker run --help\' for more information'),
    ('run -a foo alpine', 125,
     'invalid argument "foo" for "-a, --attach" flag: valid streams are STDIN, STDOUT and STDERR\n\nUsage:  docker run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun \'docker run --help\' for more information'),
    ('run --add-host foo alpine', 125,
     'invalid argument "foo" for "--add-host" flag: bad format for add-host: "foo"\n\nUsage:  docker run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun \'docker run --help\' for more information'),
    ('run --add-host foo:bar alpine', 125,
     'invalid argument "foo:bar" for "--add-host" flag: invalid IP address in add-host: "bar"\n\nUsage:  docker run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun \'docker run --help\' for more information'),
    ('run --dns 8.8.8.8.8 alpine', 125,
     'invalid argument "8.8.8.8.8" for "--dns" flag: IP address is not correctly formatted: 8.8.8.8.8\n\nUsage:  docker run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun \'docker run --help\' for more information'),
    ('run -l =x alpine', 125,
     'invalid argument "=x" for "-l, --label" flag: invalid label \'=x\': empty name\n\nUsage:  docker run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun \'docker run --help\' for more information'),
    ('run --link a:b:c alpine', 125,
     'invalid argument "a:b:c" for "--link" flag: bad format for links: a:b:c\n\nUsage:  docker run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun \'docker run --help\' for more information'),
    ('run --mount type=bind alpine', 125,
     'invalid argument "type=bind" for "--mount" flag: target is required\n\nUsage:  docker run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun \'docker run --help\' for more information'),
    ("run --mount 'type=volume,target=/x,bogus=1' alpine", 125,
     'invalid argument "type=volume,target=/x,bogus=1" for "--mount" flag: unexpected key \'bogus\' in \'bogus=1\'\n\nUsage:  docker run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun \'docker run --help\' for more information'),
    ('run --mount \'target="/x\' alpine', 125,
     'invalid argument "target=\\"/x" for "--mount" flag: parse error on line 1, column 8: bare " in non-quoted-field\n\nUsage:  docker run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun \'docker run --help\' for more information'),
    ('run --mount type=bind,target=/x,volume-nocopy alpine', 125,
     'invalid argument "type=bind,target=/x,volume-nocopy" for "--mount" flag: cannot mix \'volume-*\' options with mount type \'bind\'\n\nUsage:  docker run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun \'docker run --help\' for more information'),
    ('run --ulimit nofile=10:5 alpine', 125,
     'invalid argument "nofile=10:5" for "--ulimit" flag: ulimit soft limit must be less than or equal to hard limit: 10 > 5\n\nUsage:  docker run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun \'docker run --help\' for more information'),
    ('run --network name=a,bogus=b alpine', 125,
     'invalid argument "name=a,bogus=b" for "--network" flag: invalid field key bogus\n\nUsage:  docker run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun \'docker run --help\' for more information'),
    ('run --sysctl kernel.foo=1 alpine', 125,
     'invalid argument "kernel.foo=1" for "--sysctl" flag: sysctl \'kernel.foo=1\' is not allowed\n\nUsage:  docker run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun \'docker run --help\' for more information'),
    ('run --blkio-weight 70000 alpine', 125,
     'invalid argument "70000" for "--blkio-weight" flag: strconv.ParseUint: parsing "70000": value out of range\n\nUsage:  docker run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun \'docker run --help\' for more information'),
    ('ps extra', 1,
     "docker: 'docker ps' accepts no arguments\n\nUsage:  docker ps [OPTIONS]\n\nRun 'docker ps --help' for more information"),
    ('ps -n x', 125,
     'invalid argument "x" for "-n, --last" flag: strconv.ParseInt: parsing "x": invalid syntax\n\nUsage:  docker ps [OPTIONS]\n\nRun \'docker ps --help\' for more information'),
    ('ps --format', 125,
     "flag needs an argument: --format\n\nUsage:  docker ps [OPTIONS]\n\nRun 'docker ps --help' for more information"),
    ('ps -aqz', 125,
     "unknown shorthand flag: 'z' in -z\n\nUsage:  docker ps [OPTIONS]\n\nRun 'docker ps --help' for more information"),
    ('rename a', 1,
     "docker: 'docker rename' requires 2 arguments\n\nUsage:  docker rename CONTAINER NEW_NAME\n\nRun 'docker rename --help' for more information"),
    ('rename a b c', 1,
     "docker: 'docker rename' requires 2 arguments\n\nUsage:  docker rename CONTAINER NEW_NAME\n\nRun 'docker rename --help' for more information"),
    ('stop', 1,
     "docker: 'docker stop' requires at least 1 argument\n\nUsage:  docker stop [OPTIONS] CONTAINER [CONTAINER...]\n\nSee 'docker stop --help' for more information"),
    ('stop -t x y', 125,
     'invalid argument "x" for "-t, --timeout" flag: strconv.ParseInt: parsing "x": invalid syntax\n\nUsage:  docker stop [OPTIONS] CONTAINER [CONTAINER...]\n\nRun \'docker stop --help\' for more information'),
    ('images a b', 1,
     "docker: 'docker images' requires at most 1 argument\n\nUsage:  docker images [OPTIONS] [REPOSITORY[:TAG]]\n\nSRun 'docker images --help' for more information"),
    ('commit a b c', 1,
     "docker: 'docker commit' requires at least 1 and at most 2 arguments\n\nUsage:  docker commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]\n\nRun 'docker commit --help' for more information"),
    ('exec a', 1,
     "docker: 'docker exec' requires at least 2 arguments\n\nUsage:  docker exec [OPTIONS] CONTAINER COMMAND [ARG...]\n\nSee 'docker exec --help' for more information"),
    ('network create', 1,
     "docker: 'docker network create' requires 1 argument\n\nUsage:  docker network create [OPTIONS] NETWORK\n\nRun 'docker network create --help' for more information"),
    ('volume create a b', 1,
     "docker: 'docker volume create' requires at most 1 argument\n\nUsage:  docker volume create [OPTIONS] [VOLUME]\n\nSRun 'docker volume create --help' for more information"),
    ('container foo', 1,
     "docker: unknown command: docker container foo\n\nUsage:  docker container\n\nRun 'docker container --help' for more information"),
    ('container --foo', 125,
     "unknown flag: --foo\n\nUsage:  docker container\n\nRun 'docker container --help' for more information"),
    ('container list x', 1,
     "docker: 'docker container ls' accepts no arguments\n\nUsage:  docker container ls [OPTIONS]\n\nRun 'docker container ls --help' for more information"),
    ('foo', 1,
     "docker: unknown command: docker foo\n\nRun 'docker --help' for more information"),
    ('--foo ps', 125,
     "unknown flag: --foo\n\nUsage:  docker [OPTIONS] COMMAND [ARG...]\n\nRun 'docker --help' for more information"),
    ('-H', 125,
     "flag needs an argument: 'H' in -H\n\nUsage:  docker [OPTIONS] COMMAND [ARG...]\n\nRun 'docker --help' for more information"),
    ('--log-level=bogus ps', 1,
     'Unable to parse logging level: bogus'),
]


@pytest.mark.parametrize("line, code, message", DOCKER_ERRORS,
                         ids=[c[0] for c in DOCKER_ERRORS])
def test_usage_errors_match_docker(line, code, message):
    with pytest.raises(UsageError) as err:
        parse_docker_command(shlex.split(line))
    assert (str(err.value), err.value.exit_code) == (message, code)


@pytest.mark.parametrize("line, path", [
    ("ps", ("container", "ls")),
    ("container ls", ("container", "ls")),
    ("container list", ("container", "ls")),
    ("container ps", ("container", "ls")),
    ("rmi x", ("image", "rm")),
    ("image rm x", ("image", "rm")),
    ("image rmi x", ("image", "rm")),
    ("image remove x", ("image", "rm")),
    ("images", ("image", "ls")),
    ("image list", ("image", "ls")),
    ("run alpine", ("container", "run")),
    ("container run alpine", ("container", "run")),
    ("exec c ls", ("container", "exec")),
    ("rm c", ("container", "rm")),
    ("container remove c", ("container", "rm")),
    ("build .", ("image", "build")),
    ("builder build .", ("image", "build")),
    ("pull alpine", ("image", "pull")),
    ("events", ("system", "events")),
    ("info", ("system", "info")),
    ("system df", ("system", "df")),
    ("volume list", ("volume", "ls")),
    ("volume remove v", ("volume", "rm")),
    ("network list", ("network", "ls")),
    ("network connect n c", ("network", "connect")),
    ("inspect x", ("inspect",)),
    ("version", ("version",)),
    ("login", ("login",)),
    ("container prune", ("container", "prune")),
    ("builder prune", ("builder", "prune")),
])
def test_aliases_resolve_to_one_canonical_path(line, path):
    assert parse_docker_command(shlex.split(line)).path == path


def test_run_flags_stop_at_the_image(monkeypatch):
    monkeypatch.setenv("DLT_FOO", "bar")
    parsed = parse_docker_command(shlex.split(
        "run -it=true -p8080:80 -p 9090:90 -e DLT_FOO -eA=1 --rm=false --name web -m 32m "
        "--cpus 0.5 --mount type=bind,src=/a,dst=/b,ro --net mynet --network-alias x "
        "--restart=always alpine ls -l --name y"))
    assert parsed.path == ("container", "run") and parsed.display == ("run",)
    assert parsed.args == ["alpine", "ls", "-l", "--name", "y"]
    flags = parsed.flags
    assert (flags["interactive"], flags["tty"], flags["rm"]) == (True, True, False)
    assert flags["publish"] == ["8080:80", "9090:90"]
    assert flags["env"] == ["DLT_FOO=bar", "A=1"]
    assert (flags["name"], flags["memory"], flags["cpus"]) == ("web", 32 * 1024**2, 500_000_000)
    assert flags["mount"] == [{"Type": "bind", "Source": "/a", "Target": "/b", "ReadOnly": True}]
    assert flags["network"][0]["Target"] == "mynet"      # --net is --network's alias
    assert flags["network-alias"] == ["x"]
    assert flags["restart"] == "always"
    assert parsed.given == {"interactive", "tty", "publish", "env", "rm", "name", "memory",
                            "cpus", "mount", "network", "network-alias", "restart"}


def test_defaults_are_present_and_not_given():
    flags = parse_docker_command(["run", "alpine"]).flags
    assert flags["restart"] == "no" and flags["pull"] == "missing"
    assert flags["sig-proxy"] is True and flags["memory-swappiness"] == -1
    assert flags["publish"] == [] and flags["detach"] is False
    assert parse_docker_command(["ps"]).flags["last"] == -1


def test_global_flags_are_kept():
    parsed = parse_docker_command(shlex.split("-H unix:///x -D --log-level warn -c default ps -a"))
    assert parsed.path == ("container", "ls")
    assert parsed.flags["host"] == ["unix:///x"]
    assert parsed.flags["debug"] is True and parsed.flags["log-level"] == "warn"
    assert parsed.flags["context"] == "default" and parsed.flags["all"] is True
    assert {"host", "debug", "log-level", "context", "all"} <= parsed.given


def test_global_flag_is_not_a_command_flag():
    with pytest.raises(UsageError, match="unknown flag: --debug"):
        parse_docker_command(["ps", "--debug"])


@pytest.mark.parametrize("line", ["run --help", "ps --help", "ps -h", "--help ps", "-h run",
                                  "stop --help", "run --help=true"])
def test_help_requests_skip_argument_checks(line):
    parsed = parse_docker_command(shlex.split(line))
    assert parsed.flags["help"] is True and parsed.wants_help


def test_short_help_is_deprecated_and_hostname_on_run():
    parsed = parse_docker_command(["ps", "-h"])
    assert parsed.notices == ["Flag shorthand -h has been deprecated, use --help"]
    assert parse_docker_command(["run", "-h", "box", "alpine"]).flags["hostname"] == "box"


def test_groups_and_root_without_command_want_help():
    assert parse_docker_command(["container"]).wants_help
    assert parse_docker_command([]).wants_help
    assert parse_docker_command(["-v"]).flags["version"] is True
    assert not parse_docker_command(["ps"]).wants_help


def test_deprecated_time_flag():
    parsed = parse_docker_command(["stop", "--time", "3", "c"])
    assert parsed.flags["timeout"] == 3 and "timeout" in parsed.given
    assert parsed.notices == ["Flag --time has been deprecated, use --timeout instead"]


def test_exec_and_top_keep_the_command_flags():
    assert parse_docker_command(shlex.split("exec -it c sh -c 'ls -l'")).args == \
        ["c", "sh", "-c", "ls -l"]
    assert parse_docker_command(["top", "c", "-ef"]).args == ["c", "-ef"]


def test_double_dash():
    assert parse_docker_command(["run", "--", "alpine", "-d"]).args == ["alpine", "-d"]
    assert parse_docker_command(["rm", "-f", "--", "-weird"]).args == ["-weird"]


def test_docker_only_commands_are_listed():
    with pytest.raises(UsageError) as err:
        parse_docker_command(["swarm", "init"])
    assert str(err.value).startswith("docker: unknown command: docker swarm")
    assert "swarm" in spec.DOCKER_ONLY_COMMANDS


def test_every_command_of_the_brief_exists():
    for path in ["run", "create", "start", "stop", "kill", "restart", "rm", "ps", "exec",
                 "logs", "inspect", "top", "port", "rename", "wait", "stats", "cp", "diff",
                 "attach", "commit", "build", "images", "rmi", "tag", "history", "save",
                 "load", "import", "pull", "push", "login", "logout", "info", "version",
                 "events", "system prune", "system df", "system info", "system events",
                 "container ls", "container prune", "image ls", "image inspect",
                 "image prune", "image rm", "image build", "image history", "image save",
                 "image load", "image tag", "image pull", "image push", "volume create",
                 "volume ls", "volume inspect", "volume rm", "volume prune",
                 "network create", "network ls", "network inspect", "network rm",
                 "network prune", "network connect", "network disconnect"]:
        assert find_command(path.split()).short


def test_run_has_the_course_flags():
    names = {f.name for f in find_command(["run"]).flags}
    shorts = {f.shorthand: f.name for f in find_command(["run"]).flags if f.shorthand}
    assert {"detach", "interactive", "tty", "rm", "name", "publish", "publish-all", "volume",
            "mount", "env", "env-file", "workdir", "user", "entrypoint", "restart", "memory",
            "memory-swap", "cpus", "cpu-shares", "pids-limit", "network", "network-alias",
            "ip", "link", "add-host", "dns", "hostname", "cap-add", "cap-drop", "privileged",
            "read-only", "security-opt", "label", "label-file", "expose", "stop-signal",
            "stop-timeout", "init", "detach-keys", "attach", "tmpfs", "device", "ulimit",
            "platform", "pull"} <= names
    assert shorts["h"] == "hostname" and shorts["c"] == "cpu-shares" and shorts["m"] == "memory"


PS_HELP = """\
Usage:  docker ps [OPTIONS]

List containers

Aliases:
  docker container ls, docker container list, docker container ps, docker ps

Options:
  -a, --all             Show all containers (default shows just running)
  -f, --filter filter   Filter output based on conditions provided
      --format string   Format output using a custom template:
                        'table':            Print output in table format
                        with column headers (default)
                        'table TEMPLATE':   Print output in table format
                        using the given Go template
                        'json':             Print in JSON format
                        'TEMPLATE':         Print output using the given
                        Go template.
                        Refer to https://docs.docker.com/go/formatting/
                        for more information about formatting output with
                        templates
  -n, --last int        Show n last created containers (includes all
                        states) (default -1)
  -l, --latest          Show the latest created container (includes all
                        states)
      --no-trunc        Don't truncate output
  -q, --quiet           Only display container IDs
  -s, --size            Display total file sizes
"""

STOP_HELP = """\
Usage:  docker stop [OPTIONS] CONTAINER [CONTAINER...]

Stop one or more running containers

Aliases:
  docker container stop, docker stop

Options:
  -s, --signal string   Signal to send to the container
  -t, --timeout int     Seconds to wait before killing the container
"""

VOLUME_CREATE_HELP = """\
Usage:  docker volume create [OPTIONS] [VOLUME]

Create a volume

Options:
      --availability string       Cluster Volume availability ("active",
                                  "pause", "drain") (default "active")
  -d, --driver string             Specify volume driver name (default "local")
      --group string              Cluster Volume group (cluster volumes)
      --label list                Set metadata for a volume
      --limit-bytes bytes         Minimum size of the Cluster Volume in bytes
  -o, --opt map                   Set driver specific options (default map[])
      --required-bytes bytes      Maximum size of the Cluster Volume in bytes
      --scope string              Cluster Volume access scope ("single",
                                  "multi") (default "single")
      --secret map                Cluster Volume secrets (default map[])
      --sharing string            Cluster Volume access sharing ("none",
                                  "readonly", "onewriter", "all")
                                  (default "none")
      --topology-preferred list   A topology that the Cluster Volume
                                  would be preferred in
      --topology-required list    A topology that the Cluster Volume must
                                  be accessible from
      --type string               Cluster Volume access type ("mount",
                                  "block") (default "block")
"""

CONTAINER_HELP = """\
Usage:  docker container COMMAND

Manage containers

Commands:
  attach      Attach local standard input, output, and error streams to a running container
  commit      Create a new image from a container's changes
  cp          Copy files/folders between a container and the local filesystem
  create      Create a new container
  diff        Inspect changes to files or directories on a container's filesystem
  exec        Execute a command in a running container
  export      Export a container's filesystem as a tar archive
  inspect     Display detailed information on one or more containers
  kill        Kill one or more running containers
  logs        Fetch the logs of a container
  ls          List containers
  pause       Pause all processes within one or more containers
  port        List port mappings or a specific mapping for the container
  prune       Remove all stopped containers
  rename      Rename a container
  restart     Restart one or more containers
  rm          Remove one or more containers
  run         Create and run a new container from an image
  start       Start one or more stopped containers
  stats       Display a live stream of container(s) resource usage statistics
  stop        Stop one or more running containers
  top         Display the running processes of a container
  unpause     Unpause all processes within one or more containers
  update      Update configuration of one or more containers
  wait        Block until one or more containers stop, then print their exit codes

Run 'docker container COMMAND --help' for more information on a command.
"""


@pytest.mark.parametrize("path, expected", [
    (["ps"], PS_HELP), (["stop"], STOP_HELP), (["volume", "create"], VOLUME_CREATE_HELP),
    (["container"], CONTAINER_HELP),
])
def test_help_pages_match_docker(monkeypatch, path, expected):
    assert help_text(path) == expected


def test_management_copy_has_its_own_usage_line():
    assert help_text(["container", "ls"]).startswith("Usage:  docker container ls [OPTIONS]\n")
    assert help_text(["image", "rm"]).startswith("Usage:  docker image rm [OPTIONS] IMAGE")


def test_run_help_lists_help_but_hides_aliases():
    text = help_text(["run"])
    assert "      --help                             Print usage\n" in text
    assert "  -h, --hostname string                  Container host name\n" in text
    assert "--net " not in text and "--dns-opt " not in text and "--net-alias" not in text


def test_root_help_lists_supported_commands(monkeypatch):
    monkeypatch.setenv("DOCKER_CONFIG", "/tmp/dlt-cfg")
    text = help_text([])
    assert text.startswith("Usage:  docker [OPTIONS] COMMAND\n\nA self-sufficient runtime "
                           "for containers\n\nCommon Commands:\n  run         Create and run")
    assert '      --config string      Location of client config files (default\n' \
           '                           "/tmp/dlt-cfg")\n' in text
    assert text.endswith("\n\nFor more help on how to use Docker, head to "
                         "https://docs.docker.com/go/guides/\n")
