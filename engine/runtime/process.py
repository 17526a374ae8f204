"""The container's program: its user, environment and executable.

Runs inside the child after pivot_root, so /etc/passwd and PATH are the
container's. Failures carry Docker's wording and exit codes (126/127) so
`docker run` says exactly what Docker says.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class ExecError(Exception):
    """The program cannot be started; `code` is the exit code Docker uses."""

    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.code = code


@dataclass
class User:
    uid: int
    gid: int
    groups: list[int]
    home: str


def _read_db(path: str) -> list[list[str]]:
    try:
        with open(path) as f:
            return [line.rstrip("\n").split(":") for line in f if line.strip() and not line.startswith("#")]
    except OSError:
        return []


def _find_group(name: str, groups: list[list[str]]) -> int:
    if name.isdigit():
        return int(name)
    for g in groups:
        if len(g) >= 3 and g[0] == name:
            return int(g[2])
    raise ExecError(f"unable to find group {name}: no matching entries in group file", 125)


def resolve_user(spec_user: str, extra_groups: list[str] = ()) -> User:
    """Docker's `--user` forms: name, uid, name:group, uid:gid (looked up in the container)."""
    passwd, group = _read_db("/etc/passwd"), _read_db("/etc/group")
    name, _, grp = (spec_user or "0").partition(":")
    entry = next((p for p in passwd if len(p) >= 6 and (p[0] == name or p[2] == name)), None)
    if entry is None and not name.isdigit():
        raise ExecError(f"unable to find user {name}: no matching entries in passwd file", 125)
    uid = int(entry[2]) if entry else int(name)
    gid = int(entry[3]) if entry else 0
    home = entry[5] if entry else "/"
    if grp:
        gid = _find_group(grp, group)
    sup = []
    if entry and not grp:
        sup = [int(g[2]) for g in group if len(g) >= 4 and entry[0] in g[3].split(",")]
    sup += [_find_group(g, group) for g in extra_groups]
    return User(uid, gid, sorted(set(sup)), home)


def build_env(env: list[str], user: User, hostname: str, tty: bool) -> dict[str, str]:
    out: dict[str, str] = {"PATH": DEFAULT_PATH}
    if hostname:
        out["HOSTNAME"] = hostname
    if tty:
        out["TERM"] = "xterm"
    for item in env:
        key, sep, value = item.partition("=")
        if sep:
            out[key] = value
    out.setdefault("HOME", user.home or "/")
    return out


def find_executable(name: str, path: str) -> str:
    """Look `name` up like Go's exec.LookPath, with Docker's messages."""
    if "/" in name:
        try:
            st = os.stat(name)
        except FileNotFoundError:
            raise ExecError(f'exec: "{name}": stat {name}: no such file or directory', 127)
        except NotADirectoryError:
            raise ExecError(f'exec: "{name}": stat {name}: not a directory', 127)
        if os.path.isdir(name) or not st.st_mode & 0o111:
            raise ExecError(f'exec: "{name}": permission denied', 126)
        return name
    for d in path.split(":"):
        candidate = os.path.join(d or ".", name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    raise ExecError(f'exec: "{name}": executable file not found in $PATH', 127)


def prepare_cwd(cwd: str) -> None:
    """Docker creates a missing WorkingDir; a file in its place is an error."""
    cwd = cwd or "/"
    try:
        os.makedirs(cwd, exist_ok=True)
        os.chdir(cwd)
    except (FileExistsError, NotADirectoryError):
        raise ExecError(f"chdir to cwd (\"{cwd}\") set in config.json failed: not a directory", 125)
