"""`docker top`: the processes of a container's cgroup, as `ps -ef` shows them.

dockerd runs the host's `ps` and keeps the lines whose PID belongs to the
container; the default columns are read here from /proc instead (no procps
needed), with procps' formats for STIME, TTY, TIME and CMD. Other `ps`
options run the host's `ps`, filtered the same way.
"""
from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import time

from .errors import EngineError, NotRunning

PS_EF = ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]


def container_pids(engine, cid: str) -> list[int]:
    """Host pids in the container's cgroup; refuses a stopped container as dockerd does."""
    from . import cgroups
    from .lifecycle import current_state
    state = current_state(engine, cid)
    if not state["Running"]:
        raise NotRunning(f"container {cid} is not running")
    return sorted(cgroups.Cgroup(engine.settings, cid).procs())


def top(engine, cid: str, ps_args: list[str] | None = None) -> dict:
    """Docker's ContainerTopOKBody: {"Titles": [...], "Processes": [[...], ...]}."""
    pids = container_pids(engine, cid)
    if not ps_args or ps_args == ["-ef"]:
        rows = [r for r in (_ps_ef_row(pid) for pid in pids) if r is not None]
        return {"Titles": list(PS_EF), "Processes": rows}
    return _host_ps(ps_args, pids)


# -- ps -ef from /proc ----------------------------------------------------------

def _boot_time() -> float:
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("btime "):
                return float(line.split()[1])
    return 0.0


def _stat_fields(pid: int) -> list[str] | None:
    try:
        raw = open(f"/proc/{pid}/stat").read()
    except OSError:
        return None
    # comm may hold spaces and parentheses: split after the last ')'
    return raw[raw.rindex(")") + 2:].split()


def _user(uid: int) -> str:
    try:
        name = pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)
    return name if len(name) <= 8 else str(uid)   # procps prints the uid for long names


def _tty(nr: int) -> str:
    if nr == 0:
        return "?"
    major, minor = (nr >> 8) & 0xFFF, (nr & 0xFF) | ((nr >> 12) & 0xFFF00)
    if 136 <= major <= 143:
        return f"pts/{minor + (major - 136) * 256}"
    if major == 4:
        return f"tty{minor}" if minor < 64 else f"ttyS{minor - 64}"
    return "?"


def _stime(start: float, now: float) -> str:
    """procps' STIME: HH:MM within a day, MonDD within a year, else the year."""
    t = time.localtime(start)
    if now - start < 24 * 3600:
        return time.strftime("%H:%M", t)
    if now - start < 365 * 24 * 3600:
        return time.strftime("%b%d", t)
    return time.strftime("%Y", t)


def _cputime(seconds: int) -> str:
    days, rest = divmod(seconds, 86400)
    text = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"
    return f"{days}-{text}" if days else text


def _cmd(pid: int, comm: str) -> str:
    try:
        raw = open(f"/proc/{pid}/cmdline", "rb").read()
    except OSError:
        raw = b""
    args = [a.decode(errors="replace") for a in raw.split(b"\0") if a]
    return " ".join(args) if args else f"[{comm}]"


def _ps_ef_row(pid: int) -> list[str] | None:
    fields = _stat_fields(pid)
    if fields is None:
        return None
    try:
        uid = os.stat(f"/proc/{pid}").st_uid
        comm = open(f"/proc/{pid}/comm").read().rstrip("\n")
    except OSError:
        return None
    hz = os.sysconf("SC_CLK_TCK")
    ppid, tty_nr = int(fields[1]), int(fields[4])
    cpu_ticks = int(fields[11]) + int(fields[12])
    start = _boot_time() + int(fields[19]) / hz
    now = time.time()
    elapsed = max(now - start, 1e-9)
    c = int(cpu_ticks / hz * 100 / elapsed)
    return [_user(uid), str(pid), str(ppid), str(min(c, 99)), _stime(start, now), _tty(tty_nr),
            _cputime(cpu_ticks // hz), _cmd(pid, comm)]


# -- other ps options: the host's ps, filtered by PID ------------------------------

def _host_ps(args: list[str], pids: list[int]) -> dict:
    if shutil.which("ps") is None:
        raise EngineError("ps options other than -ef need the host's `ps` (procps)")
    proc = subprocess.run(["ps", *args], capture_output=True, text=True)
    if proc.returncode != 0:
        raise EngineError(f"Error running ps: exit status {proc.returncode}: {proc.stderr.strip()}")
    lines = proc.stdout.splitlines()
    if not lines:
        raise EngineError("Error running ps: no output")
    titles = lines[0].split()
    if "PID" not in titles:
        raise EngineError("Couldn't find PID field in ps output")
    col = titles.index("PID")
    wanted = {str(p) for p in pids}
    rows = []
    for line in lines[1:]:
        fields = line.split(None, len(titles) - 1)
        if len(fields) > col and fields[col] in wanted:
            rows.append(fields)
    return {"Titles": titles, "Processes": rows}
