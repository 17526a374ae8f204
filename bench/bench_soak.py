"""Soak: run/rm cycles and many detached containers must leave the machine as they found it.

Prints, before and after each phase, the engine process's open file
descriptors, the host's mounts, network links, the root's cgroup
directories and the state root's disk use; and the time each phase took.
Run as root: python bench/bench_soak.py [CYCLES] [CONCURRENT]   (default 1000 50)
"""
from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from pathlib import Path

from dockerlab.engine.engine import Engine
from dockerlab.engine.images import catalog
from dockerlab.engine.reset import reset
from dockerlab.engine.settings import Settings


def new_engine() -> Engine:
    root = Path(tempfile.mkdtemp(prefix="dlabsoak-"))
    os.environ["DOCKERLAB_ROOT"] = str(root)
    settings = Settings.load(root)
    settings.subnet = f"10.{random.randint(200, 250)}.{random.randint(0, 255)}.0/24"
    settings.save()
    engine = Engine(settings)
    catalog.prepare(engine.images, "busybox")
    return engine


def _cgroup_dirs(settings: Settings) -> int:
    from dockerlab.engine.cgroups.cgroup import parent_path
    from dockerlab.engine.cgroups.layout import Layout
    count = 0
    for layout in Layout.everywhere():
        for root in set(layout.roots.values()):
            parent = root / parent_path(settings)
            if parent.is_dir():
                count += sum(1 for d in parent.iterdir() if d.is_dir())
    return count


def _disk_use(path: Path) -> int:
    """Bytes of the containers, names and run dirs (image layers are shared and kept).

    run/events.jsonl, the `docker events` journal, is reported on its own;
    run/pkgcache/ holds the package cache's log, one line per bridge it serves.
    """
    total = 0
    for sub in ("containers", "names", "run"):
        for dirpath, dirnames, filenames in os.walk(path / sub):
            if sub == "run" and "pkgcache" in dirnames:
                dirnames.remove("pkgcache")
            for n in filenames:
                if n == "events.jsonl":
                    continue
                try:
                    total += os.lstat(os.path.join(dirpath, n)).st_size
                except FileNotFoundError:
                    pass
    return total


def measure(engine: Engine) -> dict[str, int]:
    """What must come back to where it was after containers come and go.

    Mounts and links are counted for this state root only (its paths, its
    tagged links), so other work on the machine does not blur the figures.
    """
    from dockerlab.engine.reset import mounts_under
    events = engine.settings.root / "run" / "events.jsonl"
    return {
        "fds": len(os.listdir("/proc/self/fd")),
        "mounts": len(mounts_under(engine.settings.root)),
        "links": settled_links(engine.networks.tag),
        "cgroups": _cgroup_dirs(engine.settings),
        "container_dirs": sum(1 for _ in engine.settings.containers_dir.iterdir()),
        "disk_bytes": _disk_use(engine.settings.root),
        "events_bytes": events.stat().st_size if events.exists() else 0,
    }


def settled_links(tag: str, patience: float = 5.0) -> int:
    """How many links carry `tag`, once the kernel is done with those it is deleting.

    The veth of a container whose namespace has died goes with the namespace,
    in the kernel's cleanup work: a little after the remove returned (tens of
    ms, more on a loaded machine). Such a link is waited for, up to
    `patience` seconds; a link whose namespace lives on is counted at once.
    """
    from dockerlab.engine.network import rtnl
    deadline = time.monotonic() + patience
    with rtnl.Rtnl() as r:
        while True:
            ours = [link for link in r.links() if link.alias == tag]
            dying = [link for link in ours
                     if link.netnsid is not None and not r.netns_alive(link.netnsid)]
            if not dying or time.monotonic() > deadline:
                return len(ours)
            time.sleep(0.02)


def run_rm_cycles(engine: Engine, cycles: int) -> None:
    """`docker run --rm busybox true`, as the engine does it, `cycles` times."""
    for _ in range(cycles):
        cid = engine.create({"Image": "busybox", "Cmd": ["true"], "HostConfig": {}})["Id"]
        engine.start(cid)
        engine.wait(cid)
        engine.remove(cid, force=True)


def _private_kb(engine: Engine, cid: str) -> int:
    """Private memory of a container's shim and process: what one more container costs."""
    state = engine.state(cid)
    total = 0
    for pid in (state["ShimPid"], state["Pid"]):
        for line in open(f"/proc/{pid}/smaps_rollup"):
            if line.startswith(("Private_Clean:", "Private_Dirty:")):
                total += int(line.split()[1])
    return total


def concurrent_detached(engine: Engine, count: int) -> dict[str, int]:
    """Start `count` detached `sleep` containers, measure, then remove them all."""
    ids = []
    for _ in range(count):
        cid = engine.create({"Image": "busybox", "Cmd": ["sleep", "300"], "HostConfig": {}})["Id"]
        engine.start(cid)
        ids.append(cid)
    during = measure(engine)
    time.sleep(2)           # the shims slim down a second after their start (runtime/monitor.py)
    during["private_kb_per_container"] = sum(_private_kb(engine, cid) for cid in ids) // count
    for cid in ids:
        engine.remove(cid, force=True)
    return during


def main(argv: list[str]) -> int:
    cycles = int(argv[0]) if argv else 1000
    count = int(argv[1]) if len(argv) > 1 else 50
    engine = new_engine()
    try:
        engine.networks.ensure_default()
        run_rm_cycles(engine, 1)       # the process's zygote (one socket) comes up here
        start = measure(engine)
        print(f"before         {start}")
        t0 = time.monotonic()
        run_rm_cycles(engine, cycles)
        t1 = time.monotonic()
        after_cycles = measure(engine)
        print(f"after {cycles} run/rm {after_cycles}  ({(t1 - t0) / cycles * 1000:.1f} ms/cycle)")
        during = concurrent_detached(engine, count)
        t2 = time.monotonic()
        after = measure(engine)
        print(f"with {count} running {during}")
        print(f"after rm -f all  {after}  ({t2 - t1:.1f} s for {count} start+rm)")
        drift = {k: after[k] - start[k] for k in start
                 if after[k] != start[k] and k != "events_bytes"}
        print("drift:", drift or "none")
        return 1 if drift else 0
    finally:
        reset(engine.settings)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
