"""Start-to-exit time of `true` in a container, through the shim, beside the floor.

Prints medians over N runs: dockerlab's runtime (in process, with cgroup,
default caps and seccomp), `unshare` and `bwrap` (when installed) doing the
same namespaces. Run as root: python bench/bench_runtime.py [N]
"""
from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dockerlab.engine import cgroups
from dockerlab.engine.reset import reset
from dockerlab.engine.runtime import streams
from dockerlab.engine.runtime.shim import ShimRequest, launch
from dockerlab.engine.runtime.spec import ContainerSpec
from dockerlab.engine.settings import Settings


def busybox_root(base: Path) -> Path:
    root = base / "lower"
    (root / "bin").mkdir(parents=True)
    shutil.copy("/bin/busybox", root / "bin" / "busybox")
    (root / "bin" / "true").symlink_to("busybox")
    return root


def one_run(settings: Settings, lower: Path) -> float:
    cid = os.urandom(32).hex()
    cdir = settings.containers_dir / cid
    for sub in ("upper", "work", "merged"):
        (cdir / sub).mkdir(parents=True)
    spec = ContainerSpec(id=cid, name="b", container_dir=cdir, lower_dirs=[lower], args=["true"], env=[])
    t = time.perf_counter()
    mine, theirs = socket.socketpair()
    launch(ShimRequest(spec=spec, settings=settings, limits=cgroups.Limits()), attach=theirs)
    theirs.close()
    while (frame := streams.read_frame(mine)) is not None and frame[0] != streams.EXIT:
        pass
    mine.close()
    return (time.perf_counter() - t) * 1000


def timed(cmd: list[str], n: int) -> float:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        subprocess.run(cmd, check=True)
        out.append((time.perf_counter() - t) * 1000)
    return statistics.median(out)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    base = Path(tempfile.mkdtemp(prefix="dlabbench-"))
    settings = Settings.load(base / "root")
    try:
        lower = busybox_root(base)
        runs = [one_run(settings, lower) for _ in range(n)]
        print(f"dockerlab runtime, in process : median {statistics.median(runs):6.1f} ms (n={n})")
        print(f"unshare -mupin --fork true    : median {timed(['unshare', '-mupin', '--fork', 'true'], n):6.1f} ms")
        if shutil.which("bwrap"):
            cmd = ["bwrap", "--unshare-all", "--ro-bind", str(lower), "/", "/bin/true"]
            print(f"bwrap --unshare-all           : median {timed(cmd, n):6.1f} ms")
    finally:
        reset(settings)
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
