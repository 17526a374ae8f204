"""A command-line flag parser with Docker's semantics and messages.

The docker client parses its command lines with spf13/pflag (driven by
spf13/cobra) and docker/cli's option types. Students learn from the exact
error texts ("unknown shorthand flag: 'z' in -z"), so this module follows
pflag's rules step by step: `--name=x`, `--name x`, `-d`, combined `-ti`,
`-p8080:80`, `-p=8080:80`, `-it=true`, repeated list flags, `--` ending the
flags, and interspersed or not (`docker run IMAGE ls -l` stops at IMAGE).

Flag values are converted as Docker converts them (bytes with go-units,
durations with Go's time package, mounts and networks with docker/cli's CSV
syntax...), and a bad value yields pflag's `invalid argument "32x" for
"-m, --memory" flag: invalid suffix: 'x'`.

The help listing ("Options:" in `docker run --help`) is pflag's
FlagUsagesWrapped, so generated help lines up with Docker's column by column.
"""
from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

from dockerlab.cli import units

__all__ = [
    "UsageError", "FlagError", "OptionValueError", "go_quote", "ValueKind", "Flag",
    "FlagSet", "ParseResult",
    "BOOL", "STRING", "INT", "UINT16", "UINT", "DURATION", "STRINGS", "BYTES",
    "MEMSWAP", "DECIMAL", "FILTER", "MOUNT", "NETWORK", "ULIMIT", "GPUS",
    "LIST", "MAP", "list_of", "map_of", "THROTTLE_BPS", "THROTTLE_IOPS",
    "WEIGHT_DEVICE", "read_csv_record", "parse_mount", "parse_network",
    "parse_ulimit", "validate_env", "validate_extra_host", "validate_ip",
    "validate_dns_search", "validate_label", "validate_link",
    "validate_attach", "validate_device_cgroup_rule", "validate_sysctl",
]


class UsageError(Exception):
    """A command line Docker refuses. `str()` is the complete text to print.

    `exit_code` is what the docker client exits with: 125 for flag errors,
    1 for argument-count errors and unknown commands.
    """

    def __init__(self, message: str, exit_code: int = 125):
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message


class FlagError(UsageError):
    """pflag's own error line ("unknown flag: --foo"), before cobra adds the
    "Usage:" block; spec.py wraps it into the full Docker message."""


class OptionValueError(ValueError):
    """A flag value was refused; `str()` is docker/cli's error text."""


# ---------------------------------------------------------------------------
# Value kinds: how one flag converts, accumulates and shows its value.
# ---------------------------------------------------------------------------

_GO_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r",
               "\t": "\\t", "\v": "\\v", '"': '\\"', "\\": "\\\\"}


def go_quote(text: str) -> str:
    """Go's strconv.Quote (the %q of pflag's messages and help defaults)."""
    out = []
    for char in text:
        if char in _GO_ESCAPES:
            out.append(_GO_ESCAPES[char])
        elif char.isprintable():
            out.append(char)
        elif ord(char) < 0x80:
            out.append(f"\\x{ord(char):02x}")
        elif ord(char) < 0x10000:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    return '"' + "".join(out) + '"'


def _replace(old: object, new: object) -> object:
    return new


def _append(old: object, new: object) -> object:
    return [*(old or []), new]


@dataclass(frozen=True)
class ValueKind:
    """One pflag Value type.

    `type_name` is what help prints after the flag ("string", "list",
    "bytes"); `convert` turns the text into a Python value (raising
    ValueError with Docker's text); `accumulate(old, new)` merges repeated
    uses; `zero` is the value when the table gives no default; `shown`
    renders a default for "(default ...)" or returns None when pflag hides it.
    """

    type_name: str
    convert: Callable[[str], object]
    accumulate: Callable[[object, object], object] = _replace
    zero: Callable[[], object] = lambda: None
    shown: Callable[[object], str | None] = lambda value: None
    no_opt_default: str = ""


def _show_nonzero(value: object) -> str | None:
    return None if not value else str(value)


BOOL = ValueKind("bool", units.parse_go_bool, zero=lambda: False,
                 shown=lambda v: "true" if v else None, no_opt_default="true")
STRING = ValueKind("string", str, zero=lambda: "",
                   shown=lambda v: go_quote(str(v)) if v else None)
INT = ValueKind("int", units.parse_go_int, zero=lambda: 0, shown=_show_nonzero)
UINT16 = ValueKind("uint16", lambda s: units.parse_go_uint(s, 16), zero=lambda: 0,
                   shown=_show_nonzero)
UINT = ValueKind("uint", units.parse_go_uint, zero=lambda: 0, shown=_show_nonzero)
DURATION = ValueKind(
    "duration", units.parse_duration, zero=lambda: 0,
    shown=lambda v: units.format_duration(v) if v else None)
BYTES = ValueKind("bytes", units.ram_in_bytes, zero=lambda: 0)
MEMSWAP = ValueKind("bytes", lambda s: -1 if s == "-1" else units.ram_in_bytes(s),
                    zero=lambda: 0)
DECIMAL = ValueKind("decimal", units.parse_nano_cpus, zero=lambda: 0)


def read_csv_record(text: str) -> list[str]:
    """One record of Go's encoding/csv (the syntax of --mount and --network).

    Python's csv module accepts what Go rejects, and Docker shows Go's error
    ("parse error on line 1, column 4: bare \\" in non-quoted-field").
    """
    if text == "" or text == "\n":
        raise OptionValueError("EOF")
    line = text[:-1] if text.endswith("\n") else text
    fields: list[str] = []
    pos = 0
    while True:
        if line.startswith('"', pos):
            value, pos = _csv_quoted(line, pos)
        else:
            end = line.find(",", pos)
            end = len(line) if end == -1 else end
            value = line[pos:end]
            if '"' in value:
                column = pos + value.index('"') + 1
                raise OptionValueError(f'parse error on line 1, column {column}: '
                                  'bare " in non-quoted-field')
            pos = end
        fields.append(value)
        if pos >= len(line):
            return fields
        pos += 1  # the comma


def _csv_quoted(line: str, pos: int) -> tuple[str, int]:
    """A quoted field starting at line[pos] == '"'; returns (value, next pos)."""
    value, index = [], pos + 1
    while True:
        end = line.find('"', index)
        if end == -1:
            raise OptionValueError(f'parse error on line 1, column {len(line) + 1}: '
                              'extraneous or missing " in quoted-field')
        value.append(line[index:end])
        if line.startswith('"', end + 1):
            value.append('"')
            index = end + 2
            continue
        if end + 1 < len(line) and line[end + 1] != ",":
            raise OptionValueError(f'parse error on line 1, column {end + 2}: '
                              'extraneous or missing " in quoted-field')
        return "".join(value), end + 1


def _strings_accumulate(old: object, new: object) -> object:
    return [*(old or []), *new]


# pflag's stringSlice: each use is CSV; the first use replaces the default.
STRINGS = ValueKind("strings", lambda s: [] if s == "" else read_csv_record(s),
                    accumulate=_strings_accumulate, zero=list)


def list_of(validator: Callable[[str], str] | None = None,
            shown: str | None = None) -> ValueKind:
    """docker/cli's ListOpts: repeated flag, each value checked by `validator`."""
    return ValueKind("list", validator or str, accumulate=_append, zero=list,
                     shown=lambda v: shown)


LIST = list_of()


def _map_accumulate(old: object, new: object) -> object:
    key, _, value = str(new).partition("=")
    return {**(old or {}), key: value}


def _show_map(value: Any) -> str:
    """Go's %v of a map[string]string: `map[a:1 b:2]` (help defaults)."""
    return "map[" + " ".join(f"{k}:{v}" for k, v in sorted(value.items())) + "]"


def map_of(validator: Callable[[str], str] | None = None) -> ValueKind:
    """docker/cli's MapOpts: repeated `key=value`, kept as a dict."""
    return ValueKind("map", validator or str, accumulate=_map_accumulate, zero=dict,
                     shown=_show_map)


MAP = map_of()


def _filter_convert(text: str) -> tuple[str, str] | None:
    if text == "":
        return None
    if "=" not in text:
        raise OptionValueError("bad format of filter (expected name=value)")
    name, _, value = text.partition("=")
    return name.strip().lower(), value.strip()


def _filter_accumulate(old: object, new: object) -> object:
    filters = {k: list(v) for k, v in (old or {}).items()}
    if new is not None:
        name, value = new
        values = filters.setdefault(name, [])
        if value not in values:
            values.append(value)
    return filters


# opts.FilterOpt: `-f status=exited -f name=web` -> {"status": [...], ...}
FILTER = ValueKind("filter", _filter_convert, accumulate=_filter_accumulate, zero=dict)


# ---------------------------------------------------------------------------
# docker/cli validators (opts package); messages are Docker's.
# ---------------------------------------------------------------------------

def validate_env(value: str) -> str:
    """opts.ValidateEnv: `-e NAME` takes NAME's value from the client's env."""
    name, sep, _ = value.partition("=")
    if name == "":
        raise OptionValueError("invalid environment variable: " + value)
    if sep:
        return value
    if name in os.environ:
        return f"{name}={os.environ[name]}"
    return value


def _go_parse_ip(text: str) -> str | None:
    """net.ParseIP(text).String(), or None when Go would refuse it."""
    if "%" in text:
        return None
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return str(address.ipv4_mapped)
    return str(address)


def validate_ip(value: str) -> str:
    """opts.ValidateIPAddress (`--dns`): normalised address."""
    parsed = _go_parse_ip(value.strip())
    if parsed is None:
        raise OptionValueError(f"IP address is not correctly formatted: {value}")
    return parsed


def validate_extra_host(value: str) -> str:
    """opts.ValidateExtraHost (`--add-host name:ip` or `name=ip`)."""
    name, sep, address = value.partition("=")
    if not sep:
        name, sep, address = value.partition(":")
    if not sep or name == "" or ":" in name:
        raise OptionValueError(f'bad format for add-host: "{value}"')
    if address != "host-gateway":
        if len(address) > 2 and address[0] == "[" and address[-1] == "]":
            address = address[1:-1]
        if _go_parse_ip(address.strip()) is None:
            raise OptionValueError(f'invalid IP address in add-host: "{address}"')
    return f"{name}:{address}"


_DOMAIN = re.compile(
    r"^(:?(:?[a-zA-Z0-9]|(:?[a-zA-Z0-9][a-zA-Z0-9\-]*[a-zA-Z0-9]))"
    r"(:?\.(:?[a-zA-Z0-9]|(:?[a-zA-Z0-9][a-zA-Z0-9\-]*[a-zA-Z0-9])))*)\.?\s*$")


def validate_dns_search(value: str) -> str:
    """opts.ValidateDNSSearch (`--dns-search`)."""
    value = value.strip(" ")
    if value == ".":
        return value
    match = _DOMAIN.match(value) if re.search("[a-zA-Z]", value) else None
    if match is None or len(match.group(1)) >= 255:
        raise OptionValueError(f"{value} is not a valid domain")
    return match.group(1)


def validate_label(value: str) -> str:
    """opts.ValidateLabel (`-l key=value`)."""
    key = value.partition("=")[0].lstrip(" \t")
    if key == "":
        raise OptionValueError(f"invalid label '{value}': empty name")
    if " " in key or "\t" in key:
        raise OptionValueError(f"label '{key}' contains whitespaces")
    return value


def validate_link(value: str) -> str:
    """opts.ValidateLink (`--link name:alias`)."""
    if value == "":
        raise OptionValueError("empty string specified for links")
    if len(value.split(":", 2)) > 2:
        raise OptionValueError("bad format for links: " + value)
    return value


def validate_attach(value: str) -> str:
    """`-a stdin|stdout|stderr` (case-insensitive, stored lower-case)."""
    lowered = value.lower()
    if lowered in ("stdin", "stdout", "stderr"):
        return lowered
    raise OptionValueError("valid streams are STDIN, STDOUT and STDERR")


_CGROUP_RULE = re.compile(r"^([acb]) ([0-9]+|\*):([0-9]+|\*) ([rwm]{1,3})$")


def validate_device_cgroup_rule(value: str) -> str:
    """`--device-cgroup-rule 'c 1:3 mr'`."""
    if _CGROUP_RULE.match(value):
        return value
    raise OptionValueError(f"invalid device cgroup format '{value}'")


_SYSCTLS = {"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
            "kernel.shmall", "kernel.shmmax", "kernel.shmmni",
            "kernel.shm_rmid_forced"}


def validate_sysctl(value: str) -> str:
    """opts.ValidateSysctl: only namespaced sysctls may be set."""
    key, sep, _ = value.partition("=")
    if sep and key and (key in _SYSCTLS or key.startswith(("net.", "fs.mqueue."))):
        return value
    raise OptionValueError(f"sysctl '{value}' is not allowed")


def _device_rate(value: str, iops: bool) -> dict[str, object]:
    path, sep, rate = value.partition(":")
    if not sep or path == "":
        raise OptionValueError(f"bad format: {value}")
    if not path.startswith("/dev/"):
        raise OptionValueError(f"bad format for device path: {value}")
    try:
        number = int(rate) if iops and rate.isdigit() else (
            None if iops else units.ram_in_bytes(rate))
    except units.UnitError:
        number = None
    if number is None:
        if iops:
            raise OptionValueError(f"invalid rate for device: {value}. The correct format is "
                              "<device-path>:<number>. Number must be a positive integer")
        raise OptionValueError(f"invalid rate for device: {value}. The correct format is "
                          "<device-path>:<number>[<unit>]. Number must be a positive "
                          "integer. Unit is optional and can be kb, mb, or gb")
    return {"Path": path, "Rate": number}


def _weight_device(value: str) -> dict[str, object]:
    path, sep, weight = value.partition(":")
    if not sep or path == "":
        raise OptionValueError(f"bad format: {value}")
    if not path.startswith("/dev/"):
        raise OptionValueError(f"bad format for device path: {value}")
    number = int(weight) if weight.isdigit() and int(weight) < 65536 else None
    if number is None or (number > 0 and not 10 <= number <= 1000):
        raise OptionValueError(f"invalid weight for device: {value}")
    return {"Path": path, "Weight": number}


THROTTLE_BPS = ValueKind("list", lambda s: _device_rate(s, False), accumulate=_append,
                         zero=list, shown=lambda v: "[]")
THROTTLE_IOPS = ValueKind("list", lambda s: _device_rate(s, True), accumulate=_append,
                          zero=list, shown=lambda v: "[]")
WEIGHT_DEVICE = ValueKind("list", _weight_device, accumulate=_append, zero=list,
                          shown=lambda v: "[]")


# ---------------------------------------------------------------------------
# Structured options: --mount, --network, --ulimit (docker/cli opts).
# ---------------------------------------------------------------------------

def _mount_bool(key: str, value: str) -> bool:
    try:
        return units.parse_go_bool(value)
    except units.UnitError:
        raise OptionValueError(f"invalid value for {key}: {value}") from None


def _mount_field(mount: dict, key: str, value: str) -> None:  # noqa: C901
    """Apply one `key=value` of --mount to the API-shaped `mount` dict."""
    if key == "type":
        mount["Type"] = value.lower()
    elif key in ("source", "src"):
        mount["Source"] = os.path.abspath(value) if value.startswith(".") else value
    elif key in ("target", "dst", "destination"):
        mount["Target"] = value
    elif key in ("readonly", "ro"):
        mount["ReadOnly"] = _mount_bool(key, value)
    elif key == "consistency":
        mount["Consistency"] = value.lower()
    elif key == "bind-propagation":
        mount.setdefault("BindOptions", {})["Propagation"] = value.lower()
    elif key == "bind-nonrecursive":
        mount.setdefault("BindOptions", {})["NonRecursive"] = _mount_bool(key, value)
    elif key == "bind-recursive":
        _bind_recursive(mount, value)
    elif key.startswith("volume-"):
        _volume_field(mount, key, value)
    elif key == "image-subpath":
        mount.setdefault("ImageOptions", {})["Subpath"] = value
    elif key == "tmpfs-size":
        try:
            mount.setdefault("TmpfsOptions", {})["SizeBytes"] = units.ram_in_bytes(value)
        except units.UnitError:
            raise OptionValueError(f"invalid value for {key}: {value}") from None
    elif key == "tmpfs-mode":
        if not re.fullmatch(r"[0-7]+", value) or int(value, 8) >= 1 << 32:
            raise OptionValueError(f"invalid value for {key}: {value}")
        mount.setdefault("TmpfsOptions", {})["Mode"] = int(value, 8)
    else:
        raise KeyError(key)


def _bind_recursive(mount: dict, value: str) -> None:
    options = mount.setdefault("BindOptions", {})
    flags = {"enabled": None, "disabled": "NonRecursive",
             "writable": "ReadOnlyNonRecursive", "readonly": "ReadOnlyForceRecursive"}
    if value not in flags:
        raise OptionValueError(f'invalid value for bind-recursive: {value} (must be "enabled", '
                          '"disabled", "writable", or "readonly")')
    if flags[value]:
        options[flags[value]] = True


def _volume_field(mount: dict, key: str, value: str) -> None:
    options = mount.setdefault("VolumeOptions", {"Labels": {}})
    driver = options.setdefault("DriverConfig", {})
    if key == "volume-subpath":
        options["Subpath"] = value
    elif key == "volume-nocopy":
        try:
            options["NoCopy"] = units.parse_go_bool(value)
        except units.UnitError:
            raise OptionValueError(f"invalid value for volume-nocopy: {value}") from None
    elif key in ("volume-label", "volume-opt"):
        name, _, item = value.partition("=")
        target = options["Labels"] if key == "volume-label" else driver.setdefault("Options", {})
        if name:
            target[name] = item
    elif key == "volume-driver":
        driver["Name"] = value
    else:
        raise KeyError(key)


def _mount_flag_only(mount: dict, key: str, field_text: str) -> None:
    if key in ("readonly", "ro"):
        mount["ReadOnly"] = True
    elif key == "volume-nocopy":
        mount.setdefault("VolumeOptions", {"Labels": {}}).setdefault("DriverConfig", {})
        mount["VolumeOptions"]["NoCopy"] = True
    elif key == "bind-nonrecursive":
        mount.setdefault("BindOptions", {})["NonRecursive"] = True
    else:
        raise OptionValueError(f"invalid field '{field_text}' must be a key=value pair")


def _check_mount(mount: dict) -> None:
    if not mount.get("Type"):
        raise OptionValueError("type is required")
    if not mount.get("Target"):
        raise OptionValueError("target is required")
    for option, kind in (("VolumeOptions", "volume"), ("ImageOptions", "image"),
                         ("BindOptions", "bind"), ("TmpfsOptions", "tmpfs")):
        if option in mount and mount["Type"] != kind:
            raise OptionValueError(f"cannot mix '{kind}-*' options with mount type "
                              f"'{mount['Type']}'")
    bind = mount.get("BindOptions", {})
    for option, word in (("ReadOnlyNonRecursive", "writable"),
                         ("ReadOnlyForceRecursive", "readonly")):
        if bind.get(option) and not mount.get("ReadOnly"):
            raise OptionValueError(f"option 'bind-recursive={word}' requires 'readonly' to be "
                              "specified in conjunction")
    if bind.get("ReadOnlyForceRecursive") and bind.get("Propagation") != "rprivate":
        raise OptionValueError("option 'bind-recursive=readonly' requires "
                          "'bind-propagation=rprivate' to be specified in conjunction")


def parse_mount(text: str) -> dict:
    """opts.MountOpt.Set: `type=bind,src=/a,dst=/b,ro` -> an API Mount dict
    ({"Type", "Source", "Target", "ReadOnly", "BindOptions"...})."""
    mount: dict = {"Type": "volume", "Source": "", "Target": ""}
    for field_text in read_csv_record(text):
        key, sep, value = field_text.partition("=")
        key = key.lower()
        if not sep:
            _mount_flag_only(mount, key, field_text)
            continue
        try:
            _mount_field(mount, key, value)
        except KeyError:
            raise OptionValueError(f"unexpected key '{key}' in '{field_text}'") from None
    _check_mount(mount)
    return mount


_NETWORK_KEYS = {"name": "Target", "ip": "IPv4Address", "ip6": "IPv6Address",
                 "mac-address": "MacAddress"}


def _network_field(option: dict, field_text: str) -> None:
    key, sep, value = field_text.lower().partition("=")
    if not sep or key == "":
        raise OptionValueError(f"invalid field {field_text}")
    key, value = key.strip(), value.strip()
    if key in _NETWORK_KEYS:
        option[_NETWORK_KEYS[key]] = value
    elif key == "alias":
        option["Aliases"].append(value)
    elif key == "link-local-ip":
        option["LinkLocalIPs"].append(value)
    elif key == "driver-opt":
        name, sep, item = value.partition("=")
        if not sep or name == "":
            raise OptionValueError("invalid key value pair format in driver options")
        option["DriverOpts"] = {**(option["DriverOpts"] or {}), name.strip(): item.strip()}
    elif key == "gw-priority":
        if not re.fullmatch(r"[+-]?\d+", value):
            raise OptionValueError(f"invalid gw-priority ({value}): invalid syntax")
        if not -(1 << 63) <= int(value) < 1 << 63:
            raise OptionValueError(f"invalid gw-priority ({value}): value out of range")
        option["GwPriority"] = int(value)
    else:
        raise OptionValueError("invalid field key " + key)


def parse_network(text: str) -> dict:
    """opts.NetworkOpt.Set: `mynet` or `name=mynet,alias=web,ip=10.0.0.5`."""
    option: dict = {"Target": "", "Aliases": [], "DriverOpts": None,
                    "IPv4Address": "", "IPv6Address": "", "LinkLocalIPs": [],
                    "MacAddress": "", "GwPriority": 0}
    if not re.search(r"\w+=\w+(,\w+=\w+)*", text):
        option["Target"] = text
        return option
    for field_text in read_csv_record(text):
        _network_field(option, field_text)
    if not option["Target"]:
        raise OptionValueError("network name/id is not specified")
    return option


_ULIMITS = {"core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice",
            "nofile", "nproc", "rss", "rtprio", "rttime", "sigpending", "stack"}


def _ulimit_number(text: str) -> int:
    if not re.fullmatch(r"[+-]?\d+", text):
        raise OptionValueError(f'strconv.ParseInt: parsing "{text}": invalid syntax')
    number = int(text)
    if not -(1 << 63) <= number < 1 << 63:
        raise OptionValueError(f'strconv.ParseInt: parsing "{text}": value out of range')
    return number


def parse_ulimit(text: str) -> dict:
    """units.ParseUlimit: `nofile=1024:2048` -> {"Name", "Hard", "Soft"}."""
    name, sep, limits = text.partition("=")
    if not sep:
        raise OptionValueError(f"invalid ulimit argument: {text}")
    if name not in _ULIMITS:
        raise OptionValueError(f"invalid ulimit type: {name}")
    values = limits.split(":")
    if len(values) > 2:
        raise OptionValueError(f"too many limit value arguments - {limits}, can only have "
                          "up to two, `soft[:hard]`")
    hard = _ulimit_number(values[1]) if len(values) == 2 else None
    soft = _ulimit_number(values[0])
    hard = soft if hard is None else hard
    if hard != -1:
        if soft == -1:
            raise OptionValueError("ulimit soft limit must be less than or equal to hard "
                              f"limit: soft: -1 (unlimited), hard: {hard}")
        if soft > hard:
            raise OptionValueError("ulimit soft limit must be less than or equal to hard "
                              f"limit: {soft} > {hard}")
    return {"Name": name, "Hard": hard, "Soft": soft}


def _ulimit_accumulate(old: object, new: object) -> object:
    kept = [u for u in (old or []) if u["Name"] != new["Name"]]
    return sorted([*kept, new], key=lambda u: u["Name"])


MOUNT = ValueKind("mount", parse_mount, accumulate=_append, zero=list)
NETWORK = ValueKind("network", parse_network, accumulate=_append, zero=list)
def _show_ulimits(value: Any) -> str:
    """UlimitOpt.String(): `[nofile=1024:2048]` (help defaults)."""
    return "[" + " ".join(f"{u['Name']}={u['Soft']}:{u['Hard']}" for u in value) + "]"


ULIMIT = ValueKind("ulimit", parse_ulimit, accumulate=_ulimit_accumulate, zero=list,
                   shown=_show_ulimits)
# --gpus: dockerlab has no GPUs; the request is kept as typed.
GPUS = ValueKind("gpu-request", str, accumulate=_append, zero=list)


# ---------------------------------------------------------------------------
# Flags and flag sets.
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Flag:
    """One flag of a command, as declared in docker/cli.

    `dest` names the flag whose value this one sets (`--net` sets
    `network`); `deprecated` is pflag's message ("use --timeout instead"),
    which also hides the flag; `help_default` overrides the "(default X)"
    text when Docker's Value type prints something unusual.
    """

    name: str
    kind: ValueKind
    usage: str = ""
    shorthand: str = ""
    default: object = None
    hidden: bool = False
    deprecated: str = ""
    shorthand_deprecated: str = ""
    dest: str = ""
    help_default: str | None = None

    @property
    def key(self) -> str:
        """The canonical name the value is stored under."""
        return self.dest or self.name

    def initial(self) -> object:
        """The value before any use on the command line."""
        if self.default is None:
            return self.kind.zero()
        if isinstance(self.default, (list, dict)):
            return type(self.default)(self.default)
        return self.default

    def display_name(self) -> str:
        """How pflag names the flag in "invalid argument" errors."""
        if self.shorthand and not self.shorthand_deprecated:
            return f"-{self.shorthand}, --{self.name}"
        return f"--{self.name}"


@dataclass
class ParseResult:
    """What FlagSet.parse found.

    `values` holds every flag's value by canonical name (defaults included);
    `given` lists the canonical names set on the command line, in order;
    `notices` are pflag's deprecation lines, printed on stdout by Docker.
    """

    values: dict[str, object]
    given: list[str]
    args: list[str]
    args_len_at_dash: int = -1
    notices: list[str] = field(default_factory=list)


class FlagSet:
    """pflag.FlagSet: the flags of one command and the parser over them."""

    def __init__(self, flags: Iterable[Flag], interspersed: bool = True):
        self.flags: list[Flag] = []
        self._by_name: dict[str, Flag] = {}
        self._by_short: dict[str, Flag] = {}
        self.interspersed = interspersed
        for flag in flags:
            self.add(flag)

    def add(self, flag: Flag) -> None:
        """Add a flag unless one of that name exists (pflag.AddFlagSet)."""
        if flag.name in self._by_name:
            return
        if flag.shorthand and flag.shorthand in self._by_short:
            raise ValueError(f'unable to redefine "{flag.shorthand}" shorthand: it\'s '
                             f'already used for "{self._by_short[flag.shorthand].name}" flag')
        self.flags.append(flag)
        self._by_name[flag.name] = flag
        if flag.shorthand:
            self._by_short[flag.shorthand] = flag

    def lookup(self, name: str) -> Flag | None:
        return self._by_name.get(name)

    def lookup_short(self, char: str) -> Flag | None:
        return self._by_short.get(char)

    def has_available_flags(self) -> bool:
        return any(not f.hidden for f in self.flags)

    # -- parsing ------------------------------------------------------------

    def parse(self, args: Sequence[str]) -> ParseResult:
        """Parse `args` (pflag.FlagSet.Parse); raises FlagError."""
        result = ParseResult(values={}, given=[], args=[])
        for flag in self.flags:
            result.values.setdefault(flag.key, flag.initial())
        pending = list(args)
        while pending:
            arg = pending.pop(0)
            if len(arg) < 2 or arg[0] != "-":
                result.args.append(arg)
                if not self.interspersed:
                    result.args.extend(pending)
                    break
                continue
            if arg == "--":
                result.args_len_at_dash = len(result.args)
                result.args.extend(pending)
                break
            if arg[1] == "-":
                pending = self._parse_long(arg, pending, result)
            else:
                pending = self._parse_shorts(arg, pending, result)
        return result

    def _parse_long(self, arg: str, rest: list[str], result: ParseResult) -> list[str]:
        name = arg[2:]
        if name[:1] in ("-", "="):
            raise FlagError(f"bad flag syntax: {arg}")
        name, has_value, value = name.partition("=")
        flag = self._by_name.get(name)
        if flag is None:
            raise FlagError(f"unknown flag: --{name}")
        if not has_value:
            if flag.kind.no_opt_default:
                value = flag.kind.no_opt_default
            elif rest:
                value, rest = rest[0], rest[1:]
            else:
                raise FlagError(f"flag needs an argument: {arg}")
        self._set(flag, value, result)
        return rest

    def _parse_shorts(self, arg: str, rest: list[str], result: ParseResult) -> list[str]:
        shorts = arg[1:]
        while shorts:
            char = shorts[0]
            flag = self._by_short.get(char)
            if flag is None:
                raise FlagError(f"unknown shorthand flag: {_go_quote_char(char)} in -{shorts}")
            if len(shorts) > 2 and shorts[1] == "=":
                value, shorts = shorts[2:], ""
            elif flag.kind.no_opt_default:
                value, shorts = flag.kind.no_opt_default, shorts[1:]
            elif len(shorts) > 1:
                value, shorts = shorts[1:], ""
            elif rest:
                value, rest, shorts = rest[0], rest[1:], ""
            else:
                raise FlagError(f"flag needs an argument: {_go_quote_char(char)} in -{shorts}")
            if flag.shorthand_deprecated:
                result.notices.append(f"Flag shorthand -{flag.shorthand} has been "
                                      f"deprecated, {flag.shorthand_deprecated}")
            self._set(flag, value, result)
        return rest

    def _set(self, flag: Flag, text: str, result: ParseResult) -> None:
        """pflag.FlagSet.Set: convert, accumulate, remember it was given."""
        try:
            converted = flag.kind.convert(text)
        except ValueError as err:  # UnitError and OptionValueError carry Go's text
            raise FlagError(f"invalid argument {go_quote(text)} for "
                            f"{go_quote(flag.display_name())} flag: {err}") from None
        first_use = flag.key not in result.given
        base = flag.kind.zero() if first_use and flag.kind.accumulate is _strings_accumulate \
            else result.values.get(flag.key)
        result.values[flag.key] = flag.kind.accumulate(base, converted)
        if first_use:
            result.given.append(flag.key)
        if flag.deprecated:
            result.notices.append(f"Flag --{flag.name} has been deprecated, {flag.deprecated}")

    # -- help ---------------------------------------------------------------

    def usages(self, width: int = 80) -> str:
        """pflag's FlagUsagesWrapped(width - 1), flags sorted by name.

        docker prints this under "Options:"; `width` is the terminal width
        (80 when output is not a terminal).
        """
        lines = []
        for flag in sorted(self.flags, key=lambda f: f.name):
            if flag.hidden or flag.deprecated:
                continue
            lines.append(_usage_line(flag))
        if not lines:
            return ""
        # pflag measures the left part with a trailing NUL, then prints
        # left, padding and text separated by single spaces (Fprintln).
        maxlen = max(len(left) for left, _ in lines) + 1
        out = []
        for left, text in lines:
            spacing = " " * (maxlen - len(left))
            out.append(f"{left} {spacing} {_wrap(maxlen + 2, width - 1, text)}")
        return "\n".join(out) + "\n"


def _go_quote_char(char: str) -> str:
    """Go's %q of a byte: 'z'."""
    if char == "'":
        return "'\\''"
    if char == "\\":
        return "'\\\\'"
    return f"'{char}'" if char.isprintable() else repr(char)


def _usage_line(flag: Flag) -> tuple[str, str]:
    """The left part ("  -m, --memory bytes") and the usage text of a flag."""
    if flag.shorthand and not flag.shorthand_deprecated:
        left = f"  -{flag.shorthand}, --{flag.name}"
    else:
        left = f"      --{flag.name}"
    usage, name = flag.usage, flag.kind.type_name
    quoted = re.search(r"`([^`]*)`", usage)
    if quoted:
        name = quoted.group(1)
        usage = usage[: quoted.start()] + name + usage[quoted.end():]
    if name and name != "bool":
        left += " " + name
    shown = flag.help_default if flag.help_default is not None else \
        flag.kind.shown(flag.initial())
    if shown is not None:
        usage += f" (default {shown})"
    return left, usage


def _wrap_n(limit: int, slop: int, text: str) -> tuple[str, str]:
    """pflag's wrapN: cut `text` at the last blank before `limit`."""
    if limit + slop > len(text):
        return text, ""
    head = text[:limit]
    blank = max(head.rfind(" "), head.rfind("\t"), head.rfind("\n"))
    if blank <= 0:
        return text, ""
    newline = head.rfind("\n")
    if 0 < newline < blank:
        return text[:newline], text[newline + 1:]
    return text[:blank], text[blank + 1:]


def _wrap(indent: int, width: int, text: str) -> str:
    """pflag's wrap: fold `text` to `width`, continuation lines indented."""
    pad = " " * indent
    if width == 0:
        return text.replace("\n", "\n" + pad)
    room, prefix = width - indent, ""
    if room < 24:
        indent, pad = 16, " " * 16
        room, prefix = width - indent, "\n" + pad
    if room < 24:
        return text.replace("\n", prefix)
    room -= 5
    first, text = _wrap_n(room, 5, text)
    out = prefix + first.replace("\n", "\n" + pad)
    while text:
        piece, text = _wrap_n(room, 5, text)
        out += "\n" + pad + piece.replace("\n", "\n" + pad)
    return out

