"""The docker command tree: commands, their flags, and the parser over them.

This is docker 28's command line as cobra sees it: every command's usage
line, one-line description, aliases, argument-count rule and flag table
(names, shorthands, types, defaults, help texts copied from docker/cli), so
that dockerlab parses what students type exactly as `docker` would, answers
with Docker's own error texts, and prints Docker's `--help` pages.

Entry points:
  parse_docker_command(argv) -> ParsedCommand   (argv without "docker")
  help_text(path, width=80) -> str              (what `--help` prints)
  find_command(path) -> Command

Top-level shortcuts resolve to one canonical path: `docker ps`,
`docker container ls`, `docker container list` and `docker container ps`
all give ("container", "ls"); `docker rmi` gives ("image", "rm").
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable, Sequence

from dockerlab.cli.flags import (
    BOOL, BYTES, DECIMAL, DURATION, FILTER, GPUS, INT, LIST, MAP, MEMSWAP, MOUNT,
    NETWORK, STRING, STRINGS, THROTTLE_BPS, THROTTLE_IOPS, UINT, UINT16, ULIMIT,
    WEIGHT_DEVICE, Flag, FlagError, FlagSet, UsageError, ValueKind, list_of, map_of,
    validate_attach, validate_device_cgroup_rule, validate_dns_search, validate_env,
    validate_extra_host, validate_ip, validate_label, validate_link, validate_sysctl,
)

__all__ = [
    "Arity", "Command", "ParsedCommand", "parse_docker_command", "help_text",
    "find_command", "ROOT", "UsageError", "NO_ARGS", "ANY_ARGS",
]


# ---------------------------------------------------------------------------
# Argument-count rules (docker/cli cli/required.go).
# ---------------------------------------------------------------------------

def _plural(count: int) -> str:
    return "argument" if count == 1 else "arguments"


@dataclass(frozen=True)
class Arity:
    """How many positional arguments a command takes, and Docker's complaint.

    `low`/`high` bound the count (`high` None = unbounded); `rule` selects
    the wording of docker/cli's validator (none, min, max, exact, range).
    """

    rule: str = "any"
    low: int = 0
    high: int | None = None

    def check(self, path: str, use_line: str, args: Sequence[str],
              has_subcommands: bool = False) -> None:
        """Raise UsageError (exit 1) when `args` break the rule."""
        count = len(args)
        if self.rule == "any" or (
                self.low <= count and (self.high is None or count <= self.high)):
            return
        if self.rule == "none" and has_subcommands:
            body = f"unknown command: {path} {args[0]}"
        elif self.rule == "none":
            body = f"'{path}' accepts no arguments"
        elif self.rule == "min":
            body = f"'{path}' requires at least {self.low} {_plural(self.low)}"
        elif self.rule == "max":
            body = f"'{path}' requires at most {self.high} {_plural(self.high or 0)}"
        elif self.rule == "exact":
            body = f"'{path}' requires {self.low} {_plural(self.low)}"
        else:
            body = (f"'{path}' requires at least {self.low} and at most {self.high} "
                    f"{_plural(self.high or 0)}")
        # docker 28.2's own wording, typo included ("SRun" for at-most).
        verb = {"min": "See", "max": "SRun"}.get(self.rule, "Run")
        raise UsageError(f"docker: {body}\n\nUsage:  {use_line}\n\n"
                         f"{verb} '{path} --help' for more information", exit_code=1)


ANY_ARGS = Arity()
NO_ARGS = Arity("none", 0, 0)


def min_args(count: int) -> Arity:
    return Arity("min", count, None)


def max_args(count: int) -> Arity:
    return Arity("max", 0, count)


def exact_args(count: int) -> Arity:
    return Arity("exact", count, count)


def range_args(low: int, high: int) -> Arity:
    return Arity("range", low, high)


# ---------------------------------------------------------------------------
# Commands.
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Command:
    """One cobra command of the docker client.

    `use` is cobra's Use ("run [OPTIONS] IMAGE [COMMAND] [ARG...]"), its first
    word the command's name; `aliases` are other names under the same parent
    (`container ls` also answers to "ps" and "list"); `aliases_text` is the
    "Aliases:" line of the help; `canonical` is the path dockerlab dispatches
    on (defaults to the command's own path); `top` orders "Common Commands".
    """

    use: str
    short: str
    long: str = ""
    arity: Arity = ANY_ARGS
    flags: tuple[Flag, ...] = ()
    aliases: tuple[str, ...] = ()
    aliases_text: str = ""
    interspersed: bool = True
    canonical: tuple[str, ...] = ()
    top: int = 0
    hidden: bool = False
    subcommands: tuple["Command", ...] = ()

    @property
    def name(self) -> str:
        return self.use.split(" ", 1)[0]

    def child(self, word: str) -> "Command | None":
        """The subcommand called `word` by name or alias (cobra's findNext)."""
        for sub in self.subcommands:
            if word == sub.name or word in sub.aliases:
                return sub
        return None


HELP_FLAG = Flag("help", BOOL, "Print usage", "h", hidden=True,
                 shorthand_deprecated="use --help")


def flag_set(command: Command) -> FlagSet:
    """The command's flags plus cobra's inherited --help (pflag.AddFlagSet)."""
    flags = FlagSet(command.flags, interspersed=command.interspersed)
    flags.add(HELP_FLAG)
    return flags


@dataclass
class ParsedCommand:
    """What a docker command line means.

    `path` is canonical (`docker ps` -> ("container", "ls")); `flags` maps
    every flag of the command and every global flag to its value (defaults
    included, lists for repeated flags); `given` names the flags written on
    the command line; `display` is the path as typed ("ps",), which Docker
    uses in its messages; `notices` are pflag's deprecation lines, which
    docker prints on stdout before running the command.
    """

    path: tuple[str, ...]
    flags: dict[str, object]
    args: list[str]
    given: set[str]
    display: tuple[str, ...] = ()
    notices: list[str] = field(default_factory=list)

    @property
    def wants_help(self) -> bool:
        """True for `--help`, and for a group typed without a subcommand."""
        return bool(self.flags.get("help")) or bool(find_command(self.display).subcommands)


# ---------------------------------------------------------------------------
# Finding and parsing.
# ---------------------------------------------------------------------------

def _walk(path: Iterable[str]) -> list[Command]:
    """The commands along `path` from the root (each word a name or alias)."""
    chain = [ROOT]
    for word in path:
        sub = chain[-1].child(word)
        if sub is None:
            raise KeyError(" ".join(path))
        chain.append(sub)
    return chain


def find_command(path: Sequence[str]) -> Command:
    """The command at `path` (names or aliases), e.g. ("container", "ls")."""
    return _walk(path)[-1]


def _command_path(chain: Sequence[Command]) -> str:
    return " ".join(c.name for c in chain)


def _use_line(chain: Sequence[Command]) -> str:
    if len(chain) == 1:
        return chain[0].use
    return _command_path(chain[:-1]) + " " + chain[-1].use


def _canonical(chain: Sequence[Command]) -> tuple[str, ...]:
    return chain[-1].canonical or tuple(c.name for c in chain[1:])


def _flag_failure(err: FlagError, chain: Sequence[Command]) -> UsageError:
    """cli.FlagErrorFunc: pflag's line, the usage line, a pointer to --help."""
    path = _command_path(chain)
    use = _use_line(chain) if len(chain) > 1 else "docker [OPTIONS] COMMAND [ARG...]"
    return UsageError(f"{err.message}\n\nUsage:  {use}\n\n"
                      f"Run '{path} --help' for more information", exit_code=125)


_LOG_LEVELS = {"panic", "fatal", "error", "warn", "warning", "info", "debug", "trace"}


def _parse_globals(argv: Sequence[str]):
    """Global flags up to the first command word (HandleGlobalFlags)."""
    root_flags = FlagSet(_global_flags(), interspersed=False)
    try:
        result = root_flags.parse(argv)
    except FlagError as err:
        raise _flag_failure(err, [ROOT]) from None
    level = str(result.values.get("log-level", ""))
    if "log-level" in result.given and level.lower() not in _LOG_LEVELS:
        raise UsageError(f"Unable to parse logging level: {level}", exit_code=1)
    return result


def _strip_flags(args: Sequence[str], flags: FlagSet) -> list[str]:
    """cobra's stripFlags: the words of `args` that are not flags or values."""
    words, rest = [], list(args)
    while rest:
        arg = rest.pop(0)
        if arg == "--":
            break
        takes_value = (arg.startswith("--") and "=" not in arg and not _no_opt(
            flags.lookup(arg[2:]))) or (arg.startswith("-") and not arg.startswith("--")
                                        and "=" not in arg and len(arg) == 2
                                        and not _no_opt(flags.lookup_short(arg[1:])))
        if takes_value:
            if len(rest) <= 1:
                break
            rest.pop(0)
        elif arg and not arg.startswith("-"):
            words.append(arg)
    return words


def _no_opt(flag: Flag | None) -> bool:
    return flag is not None and bool(flag.kind.no_opt_default)


def _find(args: list[str]) -> tuple[list[Command], list[str]]:
    """cobra's Find: descend while the first non-flag word names a subcommand."""
    chain = [ROOT]
    while chain[-1].subcommands:
        words = _strip_flags(args, flag_set(chain[-1]))
        sub = chain[-1].child(words[0]) if words else None
        if sub is None:
            break
        args = _without_first(args, words[0])
        chain.append(sub)
    return chain, args


def _without_first(args: list[str], word: str) -> list[str]:
    """cobra's argsMinusFirstX (simplified: flags never precede the word here)."""
    index = args.index(word)
    return args[:index] + args[index + 1:]


def parse_docker_command(argv: Sequence[str]) -> ParsedCommand:
    """Parse a docker command line (without the leading "docker").

    Raises UsageError with Docker's exact message and exit code for unknown
    flags, bad values, unknown commands and wrong argument counts. A request
    for help returns normally with `flags["help"]` true; render it with
    help_text(parsed.display).
    """
    globals_ = _parse_globals(argv)
    remaining = globals_.args
    if not remaining:
        return ParsedCommand((), dict(globals_.values), [], set(globals_.given),
                             (), globals_.notices)
    chain, remaining = _find(list(remaining))
    if len(chain) == 1:
        raise UsageError(f"docker: unknown command: docker {remaining[0]}\n\n"
                         "Run 'docker --help' for more information", exit_code=1)
    command = chain[-1]
    try:
        result = flag_set(command).parse(remaining)
    except FlagError as err:
        raise _flag_failure(err, chain) from None
    values = {**globals_.values, **result.values}
    values["help"] = bool(result.values.get("help") or globals_.values.get("help"))
    given = set(globals_.given) | set(result.given)
    if not values["help"]:
        command.arity.check(_command_path(chain), _use_line(chain), result.args,
                            bool(command.subcommands))
    return ParsedCommand(_canonical(chain), values, list(result.args), given,
                         tuple(c.name for c in chain[1:]),
                         globals_.notices + result.notices)


# ---------------------------------------------------------------------------
# Help pages (docker/cli's usage template).
# ---------------------------------------------------------------------------

_GUIDES = "For more help on how to use Docker, head to https://docs.docker.com/go/guides/"


def _visible(command: Command) -> list[Command]:
    return sorted((c for c in command.subcommands if not c.hidden), key=lambda c: c.name)


def _pad(command: Command) -> int:
    """cobra's NamePadding: the longest sibling name, at least 11."""
    return max([11] + [len(c.name) for c in command.subcommands])


def _listing(title: str, commands: list[Command], pad: int) -> list[str]:
    if not commands:
        return []
    return ["", title] + [f"  {c.name.ljust(pad)} {c.short}" for c in commands]


def _command_sections(command: Command, is_root: bool) -> list[str]:
    pad = _pad(command)
    visible = _visible(command)
    top = sorted((c for c in visible if c.top), key=lambda c: c.top) if is_root else []
    groups = [c for c in visible if c.subcommands]
    plain = [c for c in visible if not c.subcommands and c not in top]
    return (_listing("Common Commands:", top, pad)
            + _listing("Management Commands:", groups, pad)
            + _listing("Commands:", plain, pad))


def help_text(path: Sequence[str] = (), width: int = 80) -> str:
    """What `docker <path> --help` prints, for a terminal `width` wide."""
    chain = _walk(path)
    command, is_root = chain[-1], len(chain) == 1
    flags = FlagSet(_global_flags() if is_root else command.flags)
    has_flags = flags.has_available_flags()
    lines = ["Usage:  " + (
        f"{_command_path(chain)}{' [OPTIONS]' if has_flags else ''} COMMAND"
        if command.subcommands else _use_line(chain))]
    lines += ["", (command.long or command.short).strip()]
    if command.aliases_text:
        lines += ["", "Aliases:", "  " + command.aliases_text]
    if not is_root and has_flags:
        lines += ["", "Options:", flags.usages(width).rstrip()]
    lines += _command_sections(command, is_root)
    if is_root:
        lines += ["", "Global Options:", flags.usages(width).rstrip()]
    if command.subcommands:
        lines += ["", f"Run '{_command_path(chain)} COMMAND --help' for more "
                      "information on a command."]
    if is_root:
        lines += ["", _GUIDES]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# The tables. Texts are docker 28.2's (docker/cli), so help pages match.
# ---------------------------------------------------------------------------

def f(name: str, kind: ValueKind, usage: str, short: str = "", **extra: object) -> Flag:
    """Shorthand for table rows: f("memory", BYTES, "Memory limit", "m")."""
    return Flag(name, kind, usage, short, **extra)  # type: ignore[arg-type]


FORMAT_HELP = """Format output using a custom template:
'table':            Print output in table format with column headers (default)
'table TEMPLATE':   Print output in table format using the given Go template
'json':             Print in JSON format
'TEMPLATE':         Print output using the given Go template.
Refer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates"""

INSPECT_FORMAT_HELP = """Format output using a custom template:
'json':             Print in JSON format
'TEMPLATE':         Print output using the given Go template.
Refer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates"""

PLATFORM_FORMAT = 'Formatted as "os[/arch[/variant]]" (e.g., "linux/amd64")'


def _config_dir() -> str:
    """The docker client's config directory: $DOCKER_CONFIG or ~/.docker."""
    return os.environ.get("DOCKER_CONFIG") or str(Path.home() / ".docker")


def _global_flags() -> tuple[Flag, ...]:
    """The root command's flags (cli/flags/options.go InstallFlags).

    Built on demand: three defaults depend on the config directory.
    """
    config = _config_dir()
    return (
        f("config", STRING, "Location of client config files", default=config),
        f("context", STRING, "Name of the context to use to connect to the daemon "
          '(overrides DOCKER_HOST env var and default context set with "docker context use")',
          "c"),
        f("debug", BOOL, "Enable debug mode", "D"),
        f("host", LIST, "Daemon socket to connect to", "H"),
        f("log-level", STRING, 'Set the logging level ("debug", "info", "warn", "error", '
          '"fatal")', "l", default="info"),
        f("tls", BOOL, "Use TLS; implied by --tlsverify"),
        f("tlscacert", STRING, "Trust certs signed only by this CA",
          default=os.path.join(config, "ca.pem")),
        f("tlscert", STRING, "Path to TLS certificate file",
          default=os.path.join(config, "cert.pem")),
        f("tlskey", STRING, "Path to TLS key file", default=os.path.join(config, "key.pem")),
        f("tlsverify", BOOL, "Use TLS and verify the remote"),
        f("version", BOOL, "Print version information and quit", "v"),
        HELP_FLAG,
    )


# -- docker run / create (cli/command/container/opts.go addFlags) ------------

CONTAINER_OPTIONS: tuple[Flag, ...] = (
    f("add-host", list_of(validate_extra_host), "Add a custom host-to-IP mapping (host:ip)"),
    f("annotation", MAP, "Add an annotation to the container (passed through to the OCI runtime)"),
    f("attach", list_of(validate_attach), "Attach to STDIN, STDOUT or STDERR", "a"),
    f("blkio-weight", UINT16, "Block IO (relative weight), between 10 and 1000, or 0 to "
      "disable (default 0)"),
    f("blkio-weight-device", WEIGHT_DEVICE, "Block IO weight (relative device weight)"),
    f("cap-add", LIST, "Add Linux capabilities"),
    f("cap-drop", LIST, "Drop Linux capabilities"),
    f("cgroup-parent", STRING, "Optional parent cgroup for the container"),
    f("cgroupns", STRING, """Cgroup namespace to use (host|private)
'host':    Run the container in the Docker host's cgroup namespace
'private': Run the container in its own private cgroup namespace
'':        Use the cgroup namespace as configured by the
           default-cgroupns-mode option on the daemon (default)"""),
    f("cidfile", STRING, "Write the container ID to the file"),
    f("cpu-count", INT, "CPU count (Windows only)"),
    f("cpu-percent", INT, "CPU percent (Windows only)"),
    f("cpu-period", INT, "Limit CPU CFS (Completely Fair Scheduler) period"),
    f("cpu-quota", INT, "Limit CPU CFS (Completely Fair Scheduler) quota"),
    f("cpu-rt-period", INT, "Limit CPU real-time period in microseconds"),
    f("cpu-rt-runtime", INT, "Limit CPU real-time runtime in microseconds"),
    f("cpu-shares", INT, "CPU shares (relative weight)", "c"),
    f("cpus", DECIMAL, "Number of CPUs"),
    f("cpuset-cpus", STRING, "CPUs in which to allow execution (0-3, 0,1)"),
    f("cpuset-mems", STRING, "MEMs in which to allow execution (0-3, 0,1)"),
    f("device", LIST, "Add a host device to the container"),
    f("device-cgroup-rule", list_of(validate_device_cgroup_rule),
      "Add a rule to the cgroup allowed devices list"),
    f("device-read-bps", THROTTLE_BPS, "Limit read rate (bytes per second) from a device"),
    f("device-read-iops", THROTTLE_IOPS, "Limit read rate (IO per second) from a device"),
    f("device-write-bps", THROTTLE_BPS, "Limit write rate (bytes per second) to a device"),
    f("device-write-iops", THROTTLE_IOPS, "Limit write rate (IO per second) to a device"),
    f("dns", list_of(validate_ip), "Set custom DNS servers"),
    f("dns-opt", LIST, "Set DNS options", hidden=True, dest="dns-option"),
    f("dns-option", LIST, "Set DNS options"),
    f("dns-search", list_of(validate_dns_search), "Set custom DNS search domains"),
    f("domainname", STRING, "Container NIS domain name"),
    f("entrypoint", STRING, "Overwrite the default ENTRYPOINT of the image"),
    f("env", list_of(validate_env), "Set environment variables", "e"),
    f("env-file", LIST, "Read in a file of environment variables"),
    f("expose", LIST, "Expose a port or a range of ports"),
    f("gpus", GPUS, "GPU devices to add to the container ('all' to pass all GPUs)"),
    f("group-add", LIST, "Add additional groups to join"),
    f("health-cmd", STRING, "Command to run to check health"),
    f("health-interval", DURATION, "Time between running the check (ms|s|m|h) (default 0s)"),
    f("health-retries", INT, "Consecutive failures needed to report unhealthy"),
    f("health-start-interval", DURATION, "Time between running the check during the start "
      "period (ms|s|m|h) (default 0s)"),
    f("health-start-period", DURATION, "Start period for the container to initialize before "
      "starting health-retries countdown (ms|s|m|h) (default 0s)"),
    f("health-timeout", DURATION, "Maximum time to allow one check to run (ms|s|m|h) (default 0s)"),
    f("hostname", STRING, "Container host name", "h"),
    f("init", BOOL, "Run an init inside the container that forwards signals and reaps processes"),
    f("interactive", BOOL, "Keep STDIN open even if not attached", "i"),
    f("io-maxbandwidth", BYTES, "Maximum IO bandwidth limit for the system drive (Windows only)"),
    f("io-maxiops", UINT, "Maximum IOps limit for the system drive (Windows only)"),
    f("ip", STRING, "IPv4 address (e.g., 172.30.100.104)"),
    f("ip6", STRING, "IPv6 address (e.g., 2001:db8::33)"),
    f("ipc", STRING, "IPC mode to use"),
    f("isolation", STRING, "Container isolation technology"),
    f("kernel-memory", BYTES, "Kernel memory limit"),
    f("label", list_of(validate_label), "Set meta data on a container", "l"),
    f("label-file", LIST, "Read in a line delimited file of labels"),
    f("link", list_of(validate_link), "Add link to another container"),
    f("link-local-ip", LIST, "Container IPv4/IPv6 link-local addresses"),
    f("log-driver", STRING, "Logging driver for the container"),
    f("log-opt", LIST, "Log driver options"),
    f("mac-address", STRING, "Container MAC address (e.g., 92:d0:c6:0a:29:33)"),
    f("memory", BYTES, "Memory limit", "m"),
    f("memory-reservation", BYTES, "Memory soft limit"),
    f("memory-swap", MEMSWAP,
      "Swap limit equal to memory plus swap: '-1' to enable unlimited swap"),
    f("memory-swappiness", INT, "Tune container memory swappiness (0 to 100)", default=-1),
    f("mount", MOUNT, "Attach a filesystem mount to the container"),
    f("net", NETWORK, "Connect a container to a network", hidden=True, dest="network"),
    f("net-alias", LIST, "Add network-scoped alias for the container", hidden=True,
      dest="network-alias"),
    f("network", NETWORK, "Connect a container to a network"),
    f("network-alias", LIST, "Add network-scoped alias for the container"),
    f("no-healthcheck", BOOL, "Disable any container-specified HEALTHCHECK"),
    f("oom-kill-disable", BOOL, "Disable OOM Killer"),
    f("oom-score-adj", INT, "Tune host's OOM preferences (-1000 to 1000)"),
    f("pid", STRING, "PID namespace to use"),
    f("pids-limit", INT, "Tune container pids limit (set -1 for unlimited)"),
    f("privileged", BOOL, "Give extended privileges to this container"),
    f("publish", LIST, "Publish a container's port(s) to the host", "p"),
    f("publish-all", BOOL, "Publish all exposed ports to random ports", "P"),
    f("read-only", BOOL, "Mount the container's root filesystem as read only"),
    f("restart", STRING, "Restart policy to apply when a container exits", default="no"),
    f("rm", BOOL, "Automatically remove the container and its associated anonymous volumes "
      "when it exits"),
    f("runtime", STRING, "Runtime to use for this container"),
    f("security-opt", LIST, "Security Options"),
    f("shm-size", BYTES, "Size of /dev/shm"),
    f("stop-signal", STRING, "Signal to stop the container"),
    f("stop-timeout", INT, "Timeout (in seconds) to stop a container"),
    f("storage-opt", LIST, "Storage driver options for the container"),
    f("sysctl", map_of(validate_sysctl), "Sysctl options"),
    f("tmpfs", LIST, "Mount a tmpfs directory"),
    f("tty", BOOL, "Allocate a pseudo-TTY", "t"),
    f("ulimit", ULIMIT, "Ulimit options"),
    f("user", STRING, "Username or UID (format: <name|uid>[:<group|gid>])", "u"),
    f("userns", STRING, "User namespace to use"),
    f("uts", STRING, "UTS namespace to use"),
    f("volume", LIST, "Bind mount a volume", "v"),
    f("volume-driver", STRING, "Optional volume driver for the container"),
    f("volumes-from", LIST, "Mount volumes from the specified container(s)"),
    f("workdir", STRING, "Working directory inside the container", "w"),
)

_RUN_AND_CREATE: tuple[Flag, ...] = (
    f("disable-content-trust", BOOL, "Skip image verification", default=True),
    f("help", BOOL, "Print usage"),  # no -h: that is --hostname
    f("name", STRING, "Assign a name to the container"),
    f("platform", STRING, "Set platform if server is multi-platform capable"),
    f("quiet", BOOL, "Suppress the pull output", "q"),
    f("use-api-socket", BOOL, "Bind mount Docker API socket and required auth"),
)

RUN = Command(
    "run [OPTIONS] IMAGE [COMMAND] [ARG...]", "Create and run a new container from an image",
    arity=min_args(1), interspersed=False, top=1, canonical=("container", "run"),
    aliases_text="docker container run, docker run",
    flags=CONTAINER_OPTIONS + _RUN_AND_CREATE + (
        f("detach", BOOL, "Run container in background and print container ID", "d"),
        f("detach-keys", STRING, "Override the key sequence for detaching a container"),
        f("pull", STRING, 'Pull image before running ("always", "missing", "never")',
          default="missing"),
        f("sig-proxy", BOOL, "Proxy received signals to the process", default=True),
    ))

CREATE = Command(
    "create [OPTIONS] IMAGE [COMMAND] [ARG...]", "Create a new container",
    arity=min_args(1), interspersed=False, canonical=("container", "create"),
    aliases_text="docker container create, docker create",
    flags=CONTAINER_OPTIONS + _RUN_AND_CREATE + (
        f("pull", STRING, 'Pull image before creating ("always", "|missing", "never")',
          default="missing"),
    ))

# -- other container commands ---------------------------------------------------

_DETACH_KEYS = f("detach-keys", STRING, "Override the key sequence for detaching a container")
_SIGNAL = f("signal", STRING, "Signal to send to the container", "s")
_TIMEOUT = (
    f("timeout", INT, "Seconds to wait before killing the container", "t"),
    f("time", INT, "Seconds to wait before killing the container (deprecated: use --timeout)",
      deprecated="use --timeout instead", dest="timeout"),
)
_FILTER = f("filter", FILTER, "Filter output based on conditions provided", "f")
_FORMAT = f("format", STRING, FORMAT_HELP)
_INSPECT_FORMAT = f("format", STRING, INSPECT_FORMAT_HELP, "f")
_FORCE_PRUNE = f("force", BOOL, "Do not prompt for confirmation", "f")
_UNTIL_FILTER = f("filter", FILTER, 'Provide filter values (e.g. "until=<timestamp>")')


def _container(use: str, short: str, arity: Arity, *flags: Flag, top: int = 0,
               interspersed: bool = True) -> Command:
    """A `docker container X` command that also exists as `docker X`."""
    name = use.split(" ", 1)[0]
    return Command(use, short, arity=arity, flags=flags, top=top,
                   interspersed=interspersed, canonical=("container", name),
                   aliases_text=f"docker container {name}, docker {name}")


ATTACH = _container(
    "attach [OPTIONS] CONTAINER",
    "Attach local standard input, output, and error streams to a running container",
    exact_args(1), _DETACH_KEYS,
    f("no-stdin", BOOL, "Do not attach STDIN"),
    f("sig-proxy", BOOL, "Proxy all received signals to the process", default=True))
COMMIT = _container(
    "commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]",
    "Create a new image from a container's changes", range_args(1, 2),
    f("author", STRING, 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")', "a"),
    f("change", LIST, "Apply Dockerfile instruction to the created image", "c"),
    f("message", STRING, "Commit message", "m"),
    f("pause", BOOL, "Pause container during commit", "p", default=True),
    interspersed=False)
CP = replace(_container(
    "cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tdocker cp [OPTIONS] SRC_PATH|- "
    "CONTAINER:DEST_PATH",
    "Copy files/folders between a container and the local filesystem", exact_args(2),
    f("archive", BOOL, "Archive mode (copy all uid/gid information)", "a"),
    f("follow-link", BOOL, "Always follow symbol link in SRC_PATH", "L"),
    f("quiet", BOOL, "Suppress progress output during copy. Progress output is "
      "automatically suppressed if no terminal is attached", "q")),
    long="""Copy files/folders between a container and the local filesystem

Use '-' as the source to read a tar archive from stdin
and extract it to a directory destination in a container.
Use '-' as the destination to stream a tar archive of a
container source to stdout.""")
DIFF = _container("diff CONTAINER",
                  "Inspect changes to files or directories on a container's filesystem",
                  exact_args(1))
EXEC = _container(
    "exec [OPTIONS] CONTAINER COMMAND [ARG...]", "Execute a command in a running container",
    min_args(2),
    f("detach", BOOL, "Detached mode: run command in the background", "d"), _DETACH_KEYS,
    f("env", list_of(validate_env), "Set environment variables", "e"),
    f("env-file", LIST, "Read in a file of environment variables"),
    f("interactive", BOOL, "Keep STDIN open even if not attached", "i"),
    f("privileged", BOOL, "Give extended privileges to the command"),
    f("tty", BOOL, "Allocate a pseudo-TTY", "t"),
    f("user", STRING, "Username or UID (format: \"<name|uid>[:<group|gid>]\")", "u"),
    f("workdir", STRING, "Working directory inside the container", "w"),
    top=2, interspersed=False)
EXPORT = _container("export [OPTIONS] CONTAINER",
                    "Export a container's filesystem as a tar archive", exact_args(1),
                    f("output", STRING, "Write to a file, instead of STDOUT", "o"))
KILL = _container("kill [OPTIONS] CONTAINER [CONTAINER...]",
                  "Kill one or more running containers", min_args(1), _SIGNAL)
LOGS = _container(
    "logs [OPTIONS] CONTAINER", "Fetch the logs of a container", exact_args(1),
    f("details", BOOL, "Show extra details provided to logs"),
    f("follow", BOOL, "Follow log output", "f"),
    f("since", STRING, 'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative '
      '(e.g. "42m" for 42 minutes)'),
    f("tail", STRING, "Number of lines to show from the end of the logs", "n", default="all"),
    f("timestamps", BOOL, "Show timestamps", "t"),
    f("until", STRING, 'Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or '
      'relative (e.g. "42m" for 42 minutes)'))
PAUSE = _container("pause CONTAINER [CONTAINER...]",
                   "Pause all processes within one or more containers", min_args(1))
PORT = _container("port CONTAINER [PRIVATE_PORT[/PROTO]]",
                  "List port mappings or a specific mapping for the container",
                  range_args(1, 2))
PS = Command(
    "ps [OPTIONS]", "List containers", arity=NO_ARGS, top=3, canonical=("container", "ls"),
    aliases_text="docker container ls, docker container list, docker container ps, docker ps",
    flags=(
        f("all", BOOL, "Show all containers (default shows just running)", "a"), _FILTER,
        _FORMAT,
        f("last", INT, "Show n last created containers (includes all states)", "n",
          default=-1),
        f("latest", BOOL, "Show the latest created container (includes all states)", "l"),
        f("no-trunc", BOOL, "Don't truncate output"),
        f("quiet", BOOL, "Only display container IDs", "q"),
        f("size", BOOL, "Display total file sizes", "s"),
    ))
RENAME = _container("rename CONTAINER NEW_NAME", "Rename a container", exact_args(2))
RESTART = _container("restart [OPTIONS] CONTAINER [CONTAINER...]",
                     "Restart one or more containers", min_args(1), _SIGNAL, *_TIMEOUT)
RM = replace(_container(
    "rm [OPTIONS] CONTAINER [CONTAINER...]", "Remove one or more containers", min_args(1),
    f("force", BOOL, "Force the removal of a running container (uses SIGKILL)", "f"),
    f("link", BOOL, "Remove the specified link", "l"),
    f("volumes", BOOL, "Remove anonymous volumes associated with the container", "v")),
    aliases_text="docker container rm, docker container remove, docker rm")
START = _container(
    "start [OPTIONS] CONTAINER [CONTAINER...]", "Start one or more stopped containers",
    min_args(1),
    f("attach", BOOL, "Attach STDOUT/STDERR and forward signals", "a"),
    f("checkpoint", STRING, "Restore from this checkpoint"),
    f("checkpoint-dir", STRING, "Use a custom checkpoint storage directory"),
    _DETACH_KEYS,
    f("interactive", BOOL, "Attach container's STDIN", "i"))
STATS = _container(
    "stats [OPTIONS] [CONTAINER...]",
    "Display a live stream of container(s) resource usage statistics", min_args(0),
    f("all", BOOL, "Show all containers (default shows just running)", "a"), _FORMAT,
    f("no-stream", BOOL, "Disable streaming stats and only pull the first result"),
    f("no-trunc", BOOL, "Do not truncate output"))
STOP = _container("stop [OPTIONS] CONTAINER [CONTAINER...]",
                  "Stop one or more running containers", min_args(1), _SIGNAL, *_TIMEOUT)
TOP = _container("top CONTAINER [ps OPTIONS]",
                 "Display the running processes of a container", min_args(1),
                 interspersed=False)
UNPAUSE = _container("unpause CONTAINER [CONTAINER...]",
                     "Unpause all processes within one or more containers", min_args(1))
UPDATE = _container(
    "update [OPTIONS] CONTAINER [CONTAINER...]",
    "Update configuration of one or more containers", min_args(1),
    f("blkio-weight", UINT16, "Block IO (relative weight), between 10 and 1000, or 0 to "
      "disable (default 0)"),
    f("cpu-period", INT, "Limit CPU CFS (Completely Fair Scheduler) period"),
    f("cpu-quota", INT, "Limit CPU CFS (Completely Fair Scheduler) quota"),
    f("cpu-rt-period", INT, "Limit the CPU real-time period in microseconds"),
    f("cpu-rt-runtime", INT, "Limit the CPU real-time runtime in microseconds"),
    f("cpu-shares", INT, "CPU shares (relative weight)", "c"),
    f("cpus", DECIMAL, "Number of CPUs"),
    f("cpuset-cpus", STRING, "CPUs in which to allow execution (0-3, 0,1)"),
    f("cpuset-mems", STRING, "MEMs in which to allow execution (0-3, 0,1)"),
    f("kernel-memory", BYTES, "Kernel memory limit (deprecated)", hidden=True),
    f("memory", BYTES, "Memory limit", "m"),
    f("memory-reservation", BYTES, "Memory soft limit"),
    f("memory-swap", MEMSWAP, "Swap limit equal to memory plus swap: -1 to enable unlimited swap"),
    f("pids-limit", INT, "Tune container pids limit (set -1 for unlimited)"),
    f("restart", STRING, "Restart policy to apply when a container exits"))
WAIT = _container("wait CONTAINER [CONTAINER...]",
                  "Block until one or more containers stop, then print their exit codes",
                  min_args(1))
CONTAINER_INSPECT = Command(
    "inspect [OPTIONS] CONTAINER [CONTAINER...]",
    "Display detailed information on one or more containers", arity=min_args(1),
    flags=(_INSPECT_FORMAT, f("size", BOOL, "Display total file sizes", "s")))
CONTAINER_PRUNE = Command(
    "prune [OPTIONS]", "Remove all stopped containers", arity=NO_ARGS,
    flags=(_UNTIL_FILTER, _FORCE_PRUNE))

# -- images ------------------------------------------------------------------------

_PLATFORM = f("platform", STRING, "Set platform if server is multi-platform capable")
_CONTENT_TRUST = f("disable-content-trust", BOOL, "Skip image verification", default=True)


def _image(use: str, short: str, arity: Arity, *flags: Flag, top: int = 0,
           interspersed: bool = True) -> Command:
    """A `docker image X` command that also exists as `docker X`."""
    name = use.split(" ", 1)[0]
    return Command(use, short, arity=arity, flags=flags, top=top, interspersed=interspersed,
                   canonical=("image", name), aliases_text=f"docker image {name}, docker {name}")


BUILD = Command(
    "build [OPTIONS] PATH | URL | -", "Build an image from a Dockerfile", arity=exact_args(1),
    top=4, canonical=("image", "build"),
    aliases_text="docker image build, docker build, docker builder build",
    flags=(
        f("add-host", list_of(validate_extra_host), 'Add a custom host-to-IP mapping ("host:ip")'),
        f("build-arg", list_of(validate_env), "Set build-time variables"),
        f("cache-from", STRINGS, "Images to consider as cache sources"),
        f("cgroup-parent", STRING, 'Set the parent cgroup for the "RUN" instructions during build'),
        f("compress", BOOL, "Compress the build context using gzip"),
        f("cpu-period", INT, "Limit the CPU CFS (Completely Fair Scheduler) period"),
        f("cpu-quota", INT, "Limit the CPU CFS (Completely Fair Scheduler) quota"),
        f("cpu-shares", INT, "CPU shares (relative weight)", "c"),
        f("cpuset-cpus", STRING, "CPUs in which to allow execution (0-3, 0,1)"),
        f("cpuset-mems", STRING, "MEMs in which to allow execution (0-3, 0,1)"),
        _CONTENT_TRUST,
        f("file", STRING, 'Name of the Dockerfile (Default is "PATH/Dockerfile")', "f"),
        f("force-rm", BOOL, "Always remove intermediate containers"),
        f("iidfile", STRING, "Write the image ID to the file"),
        f("isolation", STRING, "Container isolation technology"),
        f("label", list_of(validate_label), "Set metadata for an image"),
        f("memory", BYTES, "Memory limit", "m"),
        f("memory-swap", MEMSWAP,
          "Swap limit equal to memory plus swap: -1 to enable unlimited swap"),
        f("network", STRING, "Set the networking mode for the RUN instructions during build",
          default="default"),
        f("no-cache", BOOL, "Do not use cache when building the image"),
        _PLATFORM,
        f("pull", BOOL, "Always attempt to pull a newer version of the image"),
        f("quiet", BOOL, "Suppress the build output and print image ID on success", "q"),
        f("rm", BOOL, "Remove intermediate containers after a successful build", default=True),
        f("security-opt", STRINGS, "Security options"),
        f("shm-size", BYTES, 'Size of "/dev/shm"'),
        f("squash", BOOL, "Squash newly built layers into a single new layer"),
        f("tag", LIST, 'Name and optionally a tag in the "name:tag" format', "t"),
        f("target", STRING, "Set the target build stage to build."),
        f("ulimit", ULIMIT, "Ulimit options"),
    ))
HISTORY = _image(
    "history [OPTIONS] IMAGE", "Show the history of an image", exact_args(1), _FORMAT,
    f("human", BOOL, "Print sizes and dates in human readable format", "H", default=True),
    f("no-trunc", BOOL, "Don't truncate output"),
    f("platform", STRING, "Show history for the given platform. " + PLATFORM_FORMAT),
    f("quiet", BOOL, "Only show image IDs", "q"))
IMAGES = Command(
    "images [OPTIONS] [REPOSITORY[:TAG]]", "List images", arity=max_args(1), top=7,
    canonical=("image", "ls"), aliases_text="docker image ls, docker image list, docker images",
    flags=(
        f("all", BOOL, "Show all images (default hides intermediate images)", "a"),
        f("digests", BOOL, "Show digests"), _FILTER, _FORMAT,
        f("no-trunc", BOOL, "Don't truncate output"),
        f("quiet", BOOL, "Only show image IDs", "q"),
        f("tree", BOOL, "List multi-platform images as a tree (EXPERIMENTAL)"),
    ))
IMPORT = _image(
    "import [OPTIONS] file|URL|- [REPOSITORY[:TAG]]",
    "Import the contents from a tarball to create a filesystem image", min_args(1),
    f("change", LIST, "Apply Dockerfile instruction to the created image", "c"),
    f("message", STRING, "Set commit message for imported image", "m"), _PLATFORM)
LOAD = _image(
    "load [OPTIONS]", "Load an image from a tar archive or STDIN", NO_ARGS,
    f("input", STRING, "Read from tar archive file, instead of STDIN", "i"),
    f("platform", STRING, "Load only the given platform variant. " + PLATFORM_FORMAT),
    f("quiet", BOOL, "Suppress the load output", "q"))
PULL = _image(
    "pull [OPTIONS] NAME[:TAG|@DIGEST]", "Download an image from a registry", exact_args(1),
    f("all-tags", BOOL, "Download all tagged images in the repository", "a"), _CONTENT_TRUST,
    _PLATFORM, f("quiet", BOOL, "Suppress verbose output", "q"), top=5)
PUSH = _image(
    "push [OPTIONS] NAME[:TAG]", "Upload an image to a registry", exact_args(1),
    f("all-tags", BOOL, "Push all tags of an image to the repository", "a"),
    f("disable-content-trust", BOOL, "Skip image signing", default=True),
    f("platform", STRING, "Push a platform-specific manifest as a single-platform image to "
      "the registry.\nImage index won't be pushed, meaning that other manifests, including "
      "attestations won't be preserved.\n'os[/arch[/variant]]': Explicit platform (eg. "
      "linux/amd64)"),
    f("quiet", BOOL, "Suppress verbose output", "q"), top=6)
RMI = Command(
    "rmi [OPTIONS] IMAGE [IMAGE...]", "Remove one or more images", arity=min_args(1),
    canonical=("image", "rm"), aliases_text="docker image rm, docker image remove, docker rmi",
    flags=(
        f("force", BOOL, "Force removal of the image", "f"),
        f("no-prune", BOOL, "Do not delete untagged parents"),
        f("platform", STRINGS, "Remove only the given platform variant. " + PLATFORM_FORMAT),
    ))
SAVE = _image(
    "save [OPTIONS] IMAGE [IMAGE...]",
    "Save one or more images to a tar archive (streamed to STDOUT by default)", min_args(1),
    f("output", STRING, "Write to a file, instead of STDOUT", "o"),
    f("platform", STRING, "Save only the given platform variant. " + PLATFORM_FORMAT))
TAG = _image("tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
             "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE", exact_args(2),
             interspersed=False)
IMAGE_INSPECT = Command(
    "inspect [OPTIONS] IMAGE [IMAGE...]", "Display detailed information on one or more images",
    arity=min_args(1), flags=(
        _INSPECT_FORMAT,
        f("platform", STRING, "Inspect a specific platform of the multi-platform image.\nIf "
          "the image or the server is not multi-platform capable, the command will error out "
          "if the platform does not match.\n'os[/arch[/variant]]': Explicit platform (eg. "
          "linux/amd64)"),
    ))
IMAGE_PRUNE = Command(
    "prune [OPTIONS]", "Remove unused images", arity=NO_ARGS, flags=(
        f("all", BOOL, "Remove all unused images, not just dangling ones", "a"),
        _UNTIL_FILTER, _FORCE_PRUNE))

# -- volumes ---------------------------------------------------------------------------

_VOLUME_AVAILABILITY = f("availability", STRING,
                         'Cluster Volume availability ("active", "pause", "drain")',
                         default="active")

VOLUME = Command("volume COMMAND", "Manage volumes", arity=NO_ARGS, subcommands=(
    Command("create [OPTIONS] [VOLUME]", "Create a volume", arity=max_args(1), flags=(
        _VOLUME_AVAILABILITY,
        f("driver", STRING, "Specify volume driver name", "d", default="local"),
        f("group", STRING, "Cluster Volume group (cluster volumes)"),
        f("label", list_of(validate_label), "Set metadata for a volume"),
        f("limit-bytes", BYTES, "Minimum size of the Cluster Volume in bytes"),
        f("name", STRING, "Specify volume name", hidden=True),
        f("opt", MAP, "Set driver specific options", "o"),
        f("required-bytes", BYTES, "Maximum size of the Cluster Volume in bytes"),
        f("scope", STRING, 'Cluster Volume access scope ("single", "multi")', default="single"),
        f("secret", MAP, "Cluster Volume secrets"),
        f("sharing", STRING, 'Cluster Volume access sharing ("none", "readonly", "onewriter", '
          '"all")', default="none"),
        f("topology-preferred", LIST, "A topology that the Cluster Volume would be preferred in"),
        f("topology-required", LIST, "A topology that the Cluster Volume must be accessible from"),
        f("type", STRING, 'Cluster Volume access type ("mount", "block")', default="block"),
    )),
    Command("inspect [OPTIONS] VOLUME [VOLUME...]",
            "Display detailed information on one or more volumes", arity=min_args(1),
            flags=(_INSPECT_FORMAT,)),
    Command("ls [OPTIONS]", "List volumes", arity=NO_ARGS, aliases=("list",),
            aliases_text="docker volume ls, docker volume list", flags=(
                f("cluster", BOOL, "Display only cluster volumes, and use cluster volume list "
                  "formatting"),
                f("filter", FILTER, 'Provide filter values (e.g. "dangling=true")', "f"), _FORMAT,
                f("quiet", BOOL, "Only display volume names", "q"))),
    Command("prune [OPTIONS]", "Remove unused local volumes", arity=NO_ARGS, flags=(
        f("all", BOOL, "Remove all unused volumes, not just anonymous ones", "a"),
        f("filter", FILTER, 'Provide filter values (e.g. "label=<label>")'), _FORCE_PRUNE)),
    Command("rm [OPTIONS] VOLUME [VOLUME...]", "Remove one or more volumes",
            long="Remove one or more volumes. You cannot remove a volume that is in use by a "
                 "container.",
            arity=min_args(1), aliases=("remove",),
            aliases_text="docker volume rm, docker volume remove",
            flags=(f("force", BOOL, "Force the removal of one or more volumes", "f"),)),
    Command("update [OPTIONS] [VOLUME]", "Update a volume (cluster volumes only)",
            arity=exact_args(1), flags=(_VOLUME_AVAILABILITY,)),
))

# -- networks --------------------------------------------------------------------------

NETWORK_GROUP = Command("network", "Manage networks", arity=NO_ARGS, subcommands=(
    Command("connect [OPTIONS] NETWORK CONTAINER", "Connect a container to a network",
            arity=exact_args(2), flags=(
                f("alias", STRINGS, "Add network-scoped alias for the container"),
                f("driver-opt", STRINGS, "driver options for the network"),
                f("gw-priority", INT, "Highest gw-priority provides the default gateway. "
                  "Accepts positive and negative values."),
                f("ip", STRING, 'IPv4 address (e.g., "172.30.100.104")'),
                f("ip6", STRING, 'IPv6 address (e.g., "2001:db8::33")'),
                f("link", list_of(validate_link), "Add link to another container"),
                f("link-local-ip", STRINGS, "Add a link-local address for the container"))),
    Command("create [OPTIONS] NETWORK", "Create a network", arity=exact_args(1), flags=(
        f("attachable", BOOL, "Enable manual container attachment"),
        f("aux-address", MAP, "Auxiliary IPv4 or IPv6 addresses used by Network driver"),
        f("config-from", STRING, "The network from which to copy the configuration"),
        f("config-only", BOOL, "Create a configuration only network"),
        f("driver", STRING, "Driver to manage the Network", "d", default="bridge"),
        f("gateway", STRINGS, "IPv4 or IPv6 Gateway for the master subnet"),
        f("ingress", BOOL, "Create swarm routing-mesh network"),
        f("internal", BOOL, "Restrict external access to the network"),
        f("ip-range", STRINGS, "Allocate container ip from a sub-range"),
        f("ipam-driver", STRING, "IP Address Management Driver", default="default"),
        f("ipam-opt", MAP, "Set IPAM driver specific options"),
        f("ipv4", BOOL, "Enable or disable IPv4 address assignment", default=True),
        f("ipv6", BOOL, "Enable or disable IPv6 address assignment"),
        f("label", list_of(validate_label), "Set metadata on a network"),
        f("opt", MAP, "Set driver specific options", "o"),
        f("scope", STRING, "Control the network's scope"),
        f("subnet", STRINGS, "Subnet in CIDR format that represents a network segment"))),
    Command("disconnect [OPTIONS] NETWORK CONTAINER", "Disconnect a container from a network",
            arity=exact_args(2),
            flags=(f("force", BOOL, "Force the container to disconnect from a network", "f"),)),
    Command("inspect [OPTIONS] NETWORK [NETWORK...]",
            "Display detailed information on one or more networks", arity=min_args(1),
            flags=(_INSPECT_FORMAT, f("verbose", BOOL, "Verbose output for diagnostics", "v"))),
    Command("ls [OPTIONS]", "List networks", arity=NO_ARGS, aliases=("list",),
            aliases_text="docker network ls, docker network list", flags=(
                f("filter", FILTER, 'Provide filter values (e.g. "driver=bridge")', "f"), _FORMAT,
                f("no-trunc", BOOL, "Do not truncate the output"),
                f("quiet", BOOL, "Only display network IDs", "q"))),
    Command("prune [OPTIONS]", "Remove all unused networks", arity=NO_ARGS,
            flags=(_UNTIL_FILTER, _FORCE_PRUNE)),
    Command("rm NETWORK [NETWORK...]", "Remove one or more networks", arity=min_args(1),
            aliases=("remove",), aliases_text="docker network rm, docker network remove",
            flags=(f("force", BOOL, "Do not error if the network does not exist", "f"),)),
))

# -- system, registry, misc -----------------------------------------------------------

EVENTS = Command(
    "events [OPTIONS]", "Get real time events from the server", arity=NO_ARGS,
    canonical=("system", "events"), aliases_text="docker system events, docker events",
    flags=(_FILTER, f("format", STRING, INSPECT_FORMAT_HELP),
           f("since", STRING, "Show all events created since timestamp"),
           f("until", STRING, "Stream events until this timestamp")))
INFO = Command("info [OPTIONS]", "Display system-wide information", arity=NO_ARGS, top=12,
               canonical=("system", "info"), aliases_text="docker system info, docker info",
               flags=(_INSPECT_FORMAT,))
INSPECT = Command(
    "inspect [OPTIONS] NAME|ID [NAME|ID...]", "Return low-level information on Docker objects",
    arity=min_args(1), flags=(
        _INSPECT_FORMAT,
        f("size", BOOL, "Display total file sizes if the type is container", "s"),
        f("type", STRING, "Only inspect objects of the given type")))
LOGIN = Command(
    "login [OPTIONS] [SERVER]", "Authenticate to a registry",
    long="Authenticate to a registry.\nDefaults to Docker Hub if no server is specified.",
    arity=max_args(1), top=8, flags=(
        f("password", STRING, "Password or Personal Access Token (PAT)", "p"),
        f("password-stdin", BOOL, "Take the Password or Personal Access Token (PAT) from stdin"),
        f("username", STRING, "Username", "u")))
LOGOUT = Command(
    "logout [SERVER]", "Log out from a registry",
    long="Log out from a registry.\nIf no server is specified, the default is defined by the "
         "daemon.", arity=max_args(1), top=9)
SEARCH = Command("search [OPTIONS] TERM", "Search Docker Hub for images", arity=exact_args(1),
                 top=10, flags=(
                     _FILTER, f("format", STRING, "Pretty-print search using a Go template"),
                     f("limit", INT, "Max number of search results"),
                     f("no-trunc", BOOL, "Don't truncate output")))
VERSION = Command("version [OPTIONS]", "Show the Docker version information", arity=NO_ARGS,
                  top=10, flags=(_INSPECT_FORMAT,))
SYSTEM = Command("system", "Manage Docker", arity=NO_ARGS, subcommands=(
    Command("df [OPTIONS]", "Show docker disk usage", arity=NO_ARGS, flags=(
        _FORMAT, f("verbose", BOOL, "Show detailed information on space usage", "v"))),
    replace(EVENTS, top=0),
    replace(INFO, top=0),
    Command("prune [OPTIONS]", "Remove unused data", arity=NO_ARGS, flags=(
        f("all", BOOL, "Remove all unused images not just dangling ones", "a"),
        f("filter", FILTER, 'Provide filter values (e.g. "label=<key>=<value>")'),
        _FORCE_PRUNE, f("volumes", BOOL, "Prune anonymous volumes"))),
))
BUILDER = Command("builder", "Manage builds", arity=NO_ARGS, subcommands=(
    replace(BUILD, top=0),
    Command("prune", "Remove build cache", arity=NO_ARGS, flags=(
        f("all", BOOL, "Remove all unused build cache, not just dangling ones", "a"),
        f("filter", FILTER, 'Provide filter values (e.g. "until=24h")'), _FORCE_PRUNE,
        f("keep-storage", BYTES, "Amount of disk space to keep for cache"))),
))
HELP = Command("help [command]", "Help about the command", hidden=True)


def _under(group: str, command: Command, use: str = "", aliases: tuple[str, ...] = ()) -> Command:
    """The management-group copy of a top-level command (`container run`)."""
    return replace(command, use=use or command.use, aliases=aliases, top=0,
                   canonical=(group, (use or command.use).split(" ", 1)[0]))


CONTAINER = Command("container", "Manage containers", arity=NO_ARGS, subcommands=tuple(
    _under("container", c) for c in (
        ATTACH, COMMIT, CP, CREATE, DIFF, EXEC, EXPORT, KILL, LOGS, PAUSE, PORT, RENAME,
        RESTART, RUN, START, STATS, STOP, TOP, UNPAUSE, UPDATE, WAIT)
) + (
    _under("container", PS, "ls [OPTIONS]", ("ps", "list")),
    _under("container", RM, aliases=("remove",)),
    CONTAINER_INSPECT, CONTAINER_PRUNE,
))

IMAGE = Command("image", "Manage images", arity=NO_ARGS, subcommands=tuple(
    _under("image", c) for c in (BUILD, HISTORY, IMPORT, LOAD, PULL, PUSH, SAVE, TAG)
) + (
    _under("image", IMAGES, "ls [OPTIONS] [REPOSITORY[:TAG]]", ("list",)),
    _under("image", RMI, "rm [OPTIONS] IMAGE [IMAGE...]", ("rmi", "remove")),
    IMAGE_INSPECT, IMAGE_PRUNE,
))

ROOT = Command(
    "docker [OPTIONS] COMMAND [ARG...]", "A self-sufficient runtime for containers",
    subcommands=(
        RUN, EXEC, PS, BUILD, PULL, PUSH, IMAGES, LOGIN, LOGOUT, SEARCH, VERSION, INFO,
        BUILDER, CONTAINER, IMAGE, NETWORK_GROUP, SYSTEM, VOLUME,
        ATTACH, COMMIT, CP, CREATE, DIFF, EVENTS, EXPORT, HISTORY, IMPORT, INSPECT, KILL,
        LOAD, LOGS, PAUSE, PORT, RENAME, RESTART, RM, RMI, SAVE, START, STATS, STOP, TAG,
        TOP, UNPAUSE, UPDATE, WAIT, HELP,
    ))

# Real docker commands dockerlab does not offer (swarm, plugins, contexts...):
# the lead may answer them with a "not supported by dockerlab" message.
DOCKER_ONLY_COMMANDS = frozenset({
    "checkpoint", "config", "context", "manifest", "node", "plugin", "secret", "service",
    "stack", "swarm", "trust", "buildx", "compose", "bake",
})
