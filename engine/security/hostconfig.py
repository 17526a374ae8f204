"""From `docker run` flags and a create body's HostConfig to SecurityOptions.

Two halves, as in Docker: the client (`client_security_opts`) reads a
`seccomp=FILE` profile and turns `systempaths=unconfined` into empty
MaskedPaths/ReadonlyPaths; the daemon (`check_host_config`, at create) parses
SecurityOpt, refuses unknown keys and capabilities with its own messages, and
stores the profile's text in the record so a later start never needs the file.
`options_of` rebuilds the options from a stored HostConfig for the runtime.
"""
from __future__ import annotations

import json

from .options import SECCOMP_DEFAULT, SECCOMP_UNCONFINED, SecurityOptions
from .seccomp_profile import read_profile_file
from .validation import validate
from ..errors import InvalidArgument

BUILTIN = "builtin"
_BOOLS = {"1": True, "t": True, "T": True, "TRUE": True, "true": True, "True": True,
          "0": False, "f": False, "F": False, "FALSE": False, "false": False, "False": False}


def client_security_opts(opts: list[str]) -> tuple[list[str], list[str] | None, list[str] | None]:
    """The docker CLI's parseSecurityOpts + parseSystemPaths.

    Returns (SecurityOpt to send, MaskedPaths, ReadonlyPaths); the paths are
    None unless `systempaths=unconfined` asked for none.
    """
    out: list[str] = []
    masked = readonly = None
    for opt in opts:
        if opt == "systempaths=unconfined":
            masked, readonly = [], []
            continue
        key, sep, value = opt.partition("=")
        if not sep and key != "no-new-privileges":
            key, sep, value = opt.partition(":")
        if (not sep or not value) and key != "no-new-privileges":
            raise InvalidArgument(f"invalid --security-opt: {json.dumps(opt)}")
        if key == "seccomp" and value not in (BUILTIN, SECCOMP_UNCONFINED):
            opt = "seccomp=" + _compact(value, read_profile_file(value))
        out.append(opt)
    return out, masked, readonly


def _compact(path: str, text: str) -> str:
    try:
        return json.dumps(json.loads(text), separators=(",", ":"))
    except ValueError as err:
        raise InvalidArgument(
            f"compacting json for seccomp profile ({path}) failed: {err}") from None


def parse_security_opt(items: list[str], opts: SecurityOptions) -> None:
    """The daemon's parseSecurityOpt: fill `opts` or raise its error."""
    for item in items:
        if item == "no-new-privileges":
            opts.no_new_privileges = True
            continue
        if item == "disable":
            continue
        sep = "=" if "=" in item else ":" if ":" in item else None
        if sep is None:
            raise InvalidArgument(f"invalid --security-opt 1: {json.dumps(item)}")
        key, _, value = item.partition(sep)
        if key in ("label", "apparmor"):
            continue                       # no SELinux/AppArmor here: accepted, no effect
        if key == "seccomp":
            opts.seccomp = SECCOMP_DEFAULT if value in ("", BUILTIN) else value
        elif key in ("no-new-privileges", "writable-cgroups") and value in _BOOLS:
            if key == "no-new-privileges":
                opts.no_new_privileges = _BOOLS[value]
        else:
            raise InvalidArgument(f"invalid --security-opt 2: {json.dumps(item)}")


def options_of(hc: dict) -> SecurityOptions:
    """The SecurityOptions a stored HostConfig asks for (raises on bad SecurityOpt)."""
    opts = SecurityOptions(privileged=bool(hc.get("Privileged")),
                           cap_add=list(hc.get("CapAdd") or []),
                           cap_drop=list(hc.get("CapDrop") or []),
                           read_only_rootfs=bool(hc.get("ReadonlyRootfs")),
                           masked_paths=hc.get("MaskedPaths"),
                           readonly_paths=hc.get("ReadonlyPaths"))
    parse_security_opt(list(hc.get("SecurityOpt") or []), opts)
    return opts


def check_host_config(hc: dict) -> None:
    """Create-time check; a profile given as a host path is replaced by its text.

    Docker's client does the replacement; an API caller sending a path still
    gets a record that no longer depends on that file.
    """
    items = list(hc.get("SecurityOpt") or [])
    for i, item in enumerate(items):
        key, sep, value = item.partition("=")
        if sep and key == "seccomp" and value not in ("", BUILTIN, SECCOMP_UNCONFINED) \
                and not value.lstrip().startswith("{"):
            items[i] = "seccomp=" + _compact(value, read_profile_file(value))
    if items:
        hc["SecurityOpt"] = items
    validate(options_of(hc))
