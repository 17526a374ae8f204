"""Docker seccomp profiles: read one and resolve it for this host and container.

A Docker profile (moby's JSON format) is more than a list of rules: entries
carry `includes`/`excludes` conditions on the architecture, the kernel
version and the container's capabilities (e.g. `mount` is allowed only with
CAP_SYS_ADMIN). `resolve` applies them the way moby's `setupSeccomp` does and
returns a `Program` of plain rules that `seccomp_filter` turns into BPF.

`seccomp_default.json` is Docker's default profile, kept byte for byte as
data: github.com/moby/profiles/seccomp v0.2.3 `default.json` (Apache-2.0), as
vendored by moby/moby at commit b985e2313a8676e18072b442911fc8f64f17d440.
It is read once at import, so a child that has already pivot_root'ed into the
container (where our package files are out of reach) can still use it.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from .options import SECCOMP_DEFAULT, SECCOMP_UNCONFINED, SecurityOptions
from ..errors import InvalidArgument

DEFAULT_PROFILE_TEXT = Path(__file__).with_name("seccomp_default.json").read_text()

ACTIONS = ("SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
           "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG")
OPERATORS = ("SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE",
             "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ")

# os.uname().machine -> the arch names profiles use in includes/excludes (Go's).
_PROFILE_ARCH = {"x86_64": "amd64", "aarch64": "arm64", "i686": "x86", "i386": "x86",
                 "armv7l": "arm", "s390x": "s390x", "ppc64le": "ppc64le",
                 "riscv64": "riscv64", "loongarch64": "loongarch64", "mips64": "mips64"}
# os.uname().machine -> libseccomp's name of the native architecture.
_SCMP_ARCH = {"x86_64": "SCMP_ARCH_X86_64", "aarch64": "SCMP_ARCH_AARCH64",
              "i686": "SCMP_ARCH_X86", "i386": "SCMP_ARCH_X86", "armv7l": "SCMP_ARCH_ARM",
              "s390x": "SCMP_ARCH_S390X", "ppc64le": "SCMP_ARCH_PPC64LE",
              "riscv64": "SCMP_ARCH_RISCV64", "loongarch64": "SCMP_ARCH_LOONGARCH64",
              "mips64": "SCMP_ARCH_MIPS64"}


@dataclass(frozen=True)
class ArgCondition:
    """One comparison on a syscall argument (runtime-spec's LinuxSeccompArg)."""

    index: int
    op: str
    value: int
    value_two: int = 0


@dataclass(frozen=True)
class Rule:
    """An action for some syscalls, when all `args` conditions hold."""

    names: tuple[str, ...]
    action: str
    errno_ret: int | None = None
    args: tuple[ArgCondition, ...] = ()


@dataclass(frozen=True)
class Program:
    """A profile resolved for one host and one capability list."""

    default_action: str
    default_errno: int | None
    extra_arches: tuple[str, ...]   # libseccomp names besides the native one
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class Platform:
    """What includes/excludes are matched against, besides capabilities."""

    arch: str                 # "amd64", "arm64"... as profiles spell it
    scmp_arch: str            # "SCMP_ARCH_X86_64"...
    kernel: tuple[int, int]

    @classmethod
    def host(cls) -> "Platform":
        machine, release = os.uname().machine, os.uname().release
        return cls(_PROFILE_ARCH.get(machine, machine), _SCMP_ARCH.get(machine, ""),
                   parse_kernel(release))


def parse_kernel(release: str) -> tuple[int, int]:
    """"6.1.0-18-amd64" -> (6, 1); distro suffixes and patch levels are ignored."""
    parts = release.split("-", 1)[0].split(".")
    return int(parts[0]), int("".join(c for c in parts[1] if c.isdigit()) or 0)


def is_confined(opts: SecurityOptions) -> bool:
    """Whether a filter is loaded: not for "unconfined", nor for --privileged
    unless a profile was given explicitly (moby's WithSeccomp)."""
    if opts.seccomp == SECCOMP_UNCONFINED:
        return False
    return not (opts.privileged and opts.seccomp == SECCOMP_DEFAULT)


def read_profile_file(path: str) -> str:
    """A profile file's text, failing as `docker run --security-opt seccomp=FILE` does."""
    try:
        text = Path(path).read_text()
    except OSError as err:
        raise InvalidArgument(
            f"opening seccomp profile ({path}) failed: open {path}: "
            f"{os.strerror(err.errno or 0).lower()}") from None
    try:
        json.loads(text)
    except ValueError as err:
        raise InvalidArgument(
            f"compacting json for seccomp profile ({path}) failed: {err}") from None
    return text


def profile_text(seccomp: str) -> str:
    """The JSON text behind SecurityOptions.seccomp ("default", JSON text or path)."""
    if seccomp == SECCOMP_DEFAULT:
        return DEFAULT_PROFILE_TEXT
    if seccomp.lstrip().startswith("{"):
        return seccomp
    return read_profile_file(seccomp)


def parse(text: str) -> dict:
    """Decode a profile, with the daemon's message for broken JSON."""
    try:
        profile = json.loads(text)
    except ValueError as err:
        raise InvalidArgument(f"Decoding seccomp profile failed: {err}") from None
    if not isinstance(profile, dict):
        raise InvalidArgument("Decoding seccomp profile failed: not a JSON object")
    return profile


def program_for(opts: SecurityOptions, caps: list[str],
                platform: Platform | None = None) -> Program | None:
    """The resolved filter for a container, or None when it runs unconfined."""
    if not is_confined(opts):
        return None
    return resolve(parse(profile_text(opts.seccomp)), caps, platform or Platform.host())


def resolve(profile: dict, caps: list[str], platform: Platform) -> Program | None:
    """moby's setupSeccomp: keep the rules whose conditions match; None = no filter."""
    syscalls = profile.get("syscalls") or []
    if not profile.get("defaultAction") and not syscalls:
        return None
    if profile.get("architectures") and profile.get("archMap"):
        raise InvalidArgument("both 'architectures' and 'archMap' are specified in the "
                              "seccomp profile, use either 'architectures' or 'archMap'")
    rules = []
    for entry in syscalls:
        names = _names(entry)
        if _applies(entry, caps, platform):
            rules.append(Rule(tuple(names), _action(entry.get("action", "")),
                              entry.get("errnoRet"), _conditions(entry.get("args") or [])))
    return Program(_action(profile.get("defaultAction", "")), profile.get("defaultErrnoRet"),
                   _extra_arches(profile, platform), tuple(rules))


def _names(entry: dict) -> list[str]:
    if entry.get("name") and entry.get("names"):
        raise InvalidArgument("both 'name' and 'names' are specified in the seccomp "
                              "profile, use either 'name' or 'names'")
    return [entry["name"]] if entry.get("name") else list(entry.get("names") or [])


def _applies(entry: dict, caps: list[str], platform: Platform) -> bool:
    """Includes must all hold; any matching exclude drops the rule."""
    exc, inc = entry.get("excludes") or {}, entry.get("includes") or {}
    if platform.arch in (exc.get("arches") or []):
        return False
    if any(c in caps for c in exc.get("caps") or []):
        return False
    if exc.get("minKernel") and platform.kernel >= _min_kernel(exc["minKernel"]):
        return False
    if inc.get("arches") and platform.arch not in inc["arches"]:
        return False
    if not all(c in caps for c in inc.get("caps") or []):
        return False
    return not (inc.get("minKernel") and platform.kernel < _min_kernel(inc["minKernel"]))


def _min_kernel(text: str) -> tuple[int, int]:
    try:
        major, minor = text.split(".")
        return int(major), int(minor)
    except ValueError:
        raise InvalidArgument(f'invalid kernel version: "{text}", expected '
                              '"<kernel>.<major>"') from None


def _action(name: str) -> str:
    if name not in ACTIONS:
        raise InvalidArgument(f"string {name} is not a valid action for seccomp")
    return name


def _conditions(args: list[dict]) -> tuple[ArgCondition, ...]:
    conds = []
    for arg in args:
        if arg.get("op") not in OPERATORS:
            raise InvalidArgument(f"string {arg.get('op')} is not a valid operator for seccomp")
        conds.append(ArgCondition(int(arg.get("index", 0)), arg["op"],
                                  int(arg.get("value", 0)), int(arg.get("valueTwo", 0))))
    return tuple(conds)


def _extra_arches(profile: dict, platform: Platform) -> tuple[str, ...]:
    """Architectures filtered besides the native one (32-bit x86 on x86_64...)."""
    if profile.get("archMap"):
        for entry in profile["archMap"]:
            if entry.get("architecture") == platform.scmp_arch:
                return tuple(entry.get("subArchitectures") or ())
        return ()
    return tuple(a for a in profile.get("architectures") or () if a != platform.scmp_arch)
