"""Which modules a fresh `dockerlab` process imports, read from `python -X importtime`.

The interpreter reports every module it loads on stderr, in the process and
in children it forks (the shim); the tests of the CLI's start-up cost use
this instead of timings, which a shared machine makes noisy.
"""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass

# Libraries a `dockerlab docker` call loads only when it needs them: netlink for
# networked containers, the shell's UI, Go templates for --format, lab files,
# the registry client and ADD's downloader.
HEAVY = frozenset({
    "pyroute2", "rich", "prompt_toolkit", "jinja2", "gotpl", "pydantic", "yaml",
    "requests", "urllib3", "ssl", "http.client", "urllib.request", "email", "asyncio",
})


@dataclass
class Report:
    code: int
    out: str
    err: str                 # stderr without the importtime lines
    modules: set[str]

    def heavy(self) -> set[str]:
        """HEAVY modules and their submodules that were imported."""
        return {m for m in self.modules if m in HEAVY or m.split(".")[0] in HEAVY}


def run(argv: list[str], env: dict[str, str] | None = None, code: str | None = None) -> Report:
    """`python -X importtime -m dockerlab.main ARGV` (or `-c CODE`) in a fresh interpreter."""
    cmd = [sys.executable, "-X", "importtime"] + (["-c", code] if code else ["-m", "dockerlab.main", *argv])
    proc = subprocess.run(cmd, env=dict(os.environ if env is None else env), capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=120)
    modules, rest = set(), []
    for line in proc.stderr.splitlines():
        if line.startswith("import time:"):
            name = line.rsplit("|", 1)[1].strip()
            if name != "imported package":          # the header line
                modules.add(name)
        else:
            rest.append(line)
    return Report(proc.returncode, proc.stdout, "\n".join(rest), modules)
