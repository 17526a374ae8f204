"""What the engine can leave on a machine, listed so that a test run can prove it left none:
links, routing rules and firewall rules of ours, mounts and cgroups of test roots, shims,
network namespaces and test state roots."""
from __future__ import annotations

import glob
import os
import subprocess


def _links() -> set[str]:
    out = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True).stdout
    names = {line.split(":")[1].strip().split("@")[0] for line in out.splitlines() if ":" in line}
    return {f"link {n}" for n in names if n.startswith(("dlab", "dlb-", "dlv"))}


def _rules() -> set[str]:
    out = subprocess.run(["ip", "-4", "rule", "show"], capture_output=True, text=True).stdout
    return {f"rule {line.strip()}" for line in out.splitlines() if " iif dl" in line}


def _firewall() -> set[str]:
    try:
        out = subprocess.run(["iptables", "-w", "-S"], capture_output=True, text=True).stdout
    except FileNotFoundError:
        return set()
    return {f"iptables {line}" for line in out.splitlines() if "DOCKERLAB" in line}


def _mounts() -> set[str]:
    with open("/proc/self/mounts") as f:
        return {f"mount {line.split()[1]}" for line in f if "/dlabtest-" in line.split()[1]}


def _cgroups() -> set[str]:
    return {f"cgroup {p}" for p in glob.glob("/sys/fs/cgroup/*/dockerlab-*") + glob.glob("/sys/fs/cgroup/dockerlab-*")}


def _processes() -> set[str]:
    found = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = open(f"/proc/{pid}/cmdline", "rb").read()
        except OSError:
            continue
        if b"shimboot.py" in cmd or b"/dlabtest-" in cmd:
            text = cmd.replace(b"\0", b" ").decode(errors="replace")
            found.add(f"process {pid} {text[:120]}")
    return found


def _roots() -> set[str]:
    return {f"state root {p}" for p in glob.glob("/tmp/dlabtest-*")}


def leftovers() -> set[str]:
    return _links() | _rules() | _firewall() | _mounts() | _cgroups() | _processes() | _roots()
