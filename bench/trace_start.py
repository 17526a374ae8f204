"""Where the time of one container start goes, phase by phase.

Runs `dockerlab docker run --rm busybox true` (or the command given) with
DOCKERLAB_TRACE set, a few times, and prints the median gap between the
marks that engine/runtime/trace.py wrote. Run as root:
    python bench/trace_start.py [N] [-- docker args...]
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict


def one(args: list[str], trace: str) -> list[tuple[str, int]]:
    open(trace, "w").close()
    env = dict(os.environ, DOCKERLAB_TRACE=trace)
    subprocess.run([sys.executable, "-m", "dockerlab.main", "docker", *args], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    marks = []
    for line in open(trace):
        _pid, label, ns = line.split()
        marks.append((label, int(ns)))
    return sorted(marks, key=lambda m: m[1])


def main() -> None:
    argv = sys.argv[1:]
    n = int(argv.pop(0)) if argv and argv[0].isdigit() else 10
    args = argv[argv.index("--") + 1:] if "--" in argv else ["run", "--rm", "busybox", "true"]
    trace = tempfile.mktemp(prefix="dlab-trace-")
    gaps: dict[str, list[float]] = defaultdict(list)
    order: list[str] = []
    for _ in range(n):
        marks = one(args, trace)
        for (a, ta), (b, tb) in zip(marks, marks[1:]):
            key = f"{a} -> {b}"
            if key not in order:
                order.append(key)
            gaps[key].append((tb - ta) / 1e6)
        gaps["total (first to last mark)"].append((marks[-1][1] - marks[0][1]) / 1e6)
    os.unlink(trace)
    for key in order + ["total (first to last mark)"]:
        print(f"{key:<48} {statistics.median(gaps[key]):8.2f} ms")


if __name__ == "__main__":
    main()
