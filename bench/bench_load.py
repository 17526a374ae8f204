"""`docker load` of a large image archive against plain `tar -x` of the same bytes.

Builds, without the internet, a one-layer image archive in Docker's format
from ~190 MB of the host's own files under /usr (the size of a Debian-based
image), then times, on the same filesystem, in interleaved rounds:

  - `tar -xf` of its layer: the root file system unpacked by plain GNU tar,
    the same bytes `load` must unpack. This is the baseline of issue #4;
  - `tar -xf` of the archive: only one big file written (context, not a goal);
  - dockerlab's load, in process (`archive.load` into a fresh store),
  - dockerlab's load through the CLI (`dockerlab docker load -i`, interpreter
    start included).

Goal (issue #4): load <= 1.2x `tar -x` of the layer (Docker 20.10 measured
1.19x). Figures on a shared machine are noisy: the cpu and written columns
are steadier than wall time. Run as root:
    sudo /tmp/venv2/bin/python bench/bench_load.py [--mb 190] [--runs 3] [--dir /dev/shm]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def pick_files(limit: int) -> list[str]:
    """Regular files under /usr (relative to /), in walk order, up to `limit` bytes.

    Files over 4 MB are left out so the tree looks like a distribution's (many
    small files), not a handful of big binaries.
    """
    chosen, total = [], 0
    for top, dirs, files in os.walk("/usr"):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(top, name)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            size = os.path.getsize(path)
            if size > 4 << 20:
                continue
            if total + size > limit:
                return chosen
            chosen.append(path.lstrip("/"))
            total += size
    return chosen


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return "sha256:" + h.hexdigest()


def build_archive(work: Path, mb: int) -> tuple[Path, Path, int]:
    files = pick_files(mb << 20)
    listing = work / "files.txt"
    listing.write_text("\n".join(files) + "\n")
    layer = work / "layer.tar"
    subprocess.run(["tar", "-C", "/", "--numeric-owner", "-cf", str(layer), "-T", str(listing)],
                   check=True)
    diff_id = sha256_file(layer)
    config = json.dumps({"architecture": "amd64", "os": "linux", "created": "2024-01-01T00:00:00Z",
                         "config": {"Cmd": ["/bin/sh"]},
                         "rootfs": {"type": "layers", "diff_ids": [diff_id]},
                         "history": [{"created": "2024-01-01T00:00:00Z", "created_by": "bench"}]}).encode()
    config_id = "sha256:" + hashlib.sha256(config).hexdigest()
    tree = work / "tree"
    (tree / "blobs" / "sha256").mkdir(parents=True)
    os.link(layer, tree / "blobs" / "sha256" / diff_id[7:])
    (tree / "blobs" / "sha256" / config_id[7:]).write_bytes(config)
    (tree / "manifest.json").write_text(json.dumps([{
        "Config": f"blobs/sha256/{config_id[7:]}", "RepoTags": ["bench/big:latest"],
        "Layers": [f"blobs/sha256/{diff_id[7:]}"]}]))
    (tree / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    archive = work / "big.tar"
    subprocess.run(["tar", "-C", str(tree), "-cf", str(archive), "."], check=True)
    shutil.rmtree(tree)
    return archive, layer, len(files)


class Run:
    """What one timed call cost: wall seconds, CPU seconds, MB it wrote."""

    def __init__(self, wall: float, cpu: float, written: float):
        self.wall, self.cpu, self.written = wall, cpu, written


def _usage() -> tuple[float, int]:
    """CPU seconds and 512-byte blocks written, by this process and its children."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
    return cpu, me.ru_oublock + kids.ru_oublock


def timed(fn) -> Run:
    """Time fn() after a sync, so no earlier run's writeback lands in it."""
    os.sync()
    (cpu, blocks), start = _usage(), time.perf_counter()
    fn()
    wall = time.perf_counter() - start
    cpu2, blocks2 = _usage()
    return Run(wall, cpu2 - cpu, (blocks2 - blocks) * 512 / 1e6)


# Every case writes into a fresh directory that is removed only at the end:
# on ext4 without a journal (this machine's disk), creating files is slow for
# 1 to 5 minutes after many deletions (the kernel's `recently_deleted` check),
# which would make each case pay for the one before it.

def tar_x(src: Path, work: Path) -> Run:
    dest = Path(tempfile.mkdtemp(dir=work))
    return timed(lambda: subprocess.run(["tar", "-xf", str(src), "-C", str(dest)], check=True))


def load_in_process(archive: Path, work: Path) -> Run:
    from dockerlab.engine.images.archive import load
    from dockerlab.engine.images.store import ImageStore
    from dockerlab.engine.settings import Settings
    store = ImageStore(Settings.load(Path(tempfile.mkdtemp(dir=work))))
    with open(archive, "rb") as f:
        return timed(lambda: load(store, f))


def load_cli(archive: Path, work: Path) -> Run:
    env = {**os.environ, "DOCKERLAB_ROOT": tempfile.mkdtemp(dir=work)}
    cli = [sys.executable, "-c", "from dockerlab.cli.main import main; main()", "load", "-i", str(archive)]
    return timed(lambda: subprocess.run(cli, env=env, check=True, stdout=subprocess.DEVNULL))


GOAL = 1.2


def report(runs: dict[str, list[Run]]) -> None:
    med = {name: statistics.median(r.wall for r in rs) for name, rs in runs.items()}
    rootfs = med["tar -xf layer"]
    print(f"{'':20s} {'median':>8s} {'vs rootfs':>10s} {'best':>8s} {'cpu':>8s} {'written':>8s}")
    for name, rs in runs.items():
        print(f"{name:20s} {med[name] * 1000:5.0f} ms {med[name] / rootfs:9.2f}x"
              f" {min(r.wall for r in rs) * 1000:5.0f} ms"
              f" {statistics.median(r.cpu for r in rs) * 1000:5.0f} ms"
              f" {statistics.median(r.written for r in rs):5.0f} MB")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
          "(cpu = user+sys of the process and its children; written = block writes it caused)")
    print("  tar -xf layer      the image's root file system unpacked by plain GNU tar: the baseline")
    print("  tar -xf archive    the archive itself unpacked (one big layer file, little work): context")
    cpu = {name: statistics.median(r.cpu for r in rs) for name, rs in runs.items()}
    for name in ("load (in process)", "load (CLI)"):
        ratio = med[name] / rootfs
        print(f"issue #4 figure, {name}: {ratio:.2f}x tar -x of the same layer bytes "
              f"(goal <= {GOAL}x, Docker 20.10: 1.19x): {'met' if ratio <= GOAL else 'NOT met'}"
              f"; cpu {cpu[name] / cpu['tar -xf layer']:.2f}x")


DOCKER_ROW = "docker load (20.10)"


def add_private_docker(runs: dict[str, list[Run]], archive: Path, work: Path, rounds: int) -> str:
    """A row for `docker load -i` of the same archive on Docker 20.10 (bench/dockerref.py).

    Each round loads into a fresh private dockerd whose files stay under `work`
    until the end, like every case's. cpu and written are the client's plus
    dockerd's with the unpacking child it waits for. Returns the line naming it.
    """
    from dockerref import DockerRefError, private_docker
    label, done = "", []
    try:
        for round_ in range(rounds + 1):                   # round 0 warms, as above
            with private_docker(base_dir=work, keep_files=True) as ref:
                if ref is None:
                    return f"{DOCKER_ROW}: not installed (no dockerd)"
                label = f"{ref.label()}, storage driver {ref.driver} on the same filesystem"
                os.sync()
                (cpu, blocks), (dcpu, dbytes) = _usage(), ref.daemon_usage()
                start = time.perf_counter()
                ref.run("load", "-q", "-i", str(archive))
                wall = time.perf_counter() - start
                (cpu2, blocks2), (dcpu2, dbytes2) = _usage(), ref.daemon_usage()
            if round_:
                written = ((blocks2 - blocks) * 512 + dbytes2 - dbytes) / 1e6
                done.append(Run(wall, cpu2 - cpu + dcpu2 - dcpu, written))
    except DockerRefError as e:
        return f"{DOCKER_ROW}: failed: {e}"
    runs[DOCKER_ROW] = done
    return f"{DOCKER_ROW} = {label}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=int, default=190)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--dir", default="/var/tmp", help="where to work (same filesystem for all)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dlab-bench-load-", dir=args.dir))
    try:
        archive, layer, count = build_archive(work, args.mb)
        print(f"archive: {archive.stat().st_size / 1e6:.0f} MB, one layer of {count} files "
              f"(from /usr), in {work}")
        cases = {"tar -xf layer": lambda: tar_x(layer, work),
                 "tar -xf archive": lambda: tar_x(archive, work),
                 "load (in process)": lambda: load_in_process(archive, work),
                 "load (CLI)": lambda: load_cli(archive, work)}
        runs: dict[str, list[Run]] = {name: [] for name in cases}
        for round_ in range(args.runs + 1):     # round 0 warms the page cache and imports
            for name, fn in cases.items():      # interleaved: a slow minute hits every case
                run = fn()
                if round_:
                    runs[name].append(run)
        docker_note = add_private_docker(runs, archive, work, args.runs)
        report(runs)
        print(docker_note)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        os.sync()       # clean inode tables: the next run's file creations pay for 1 min, not 5


if __name__ == "__main__":
    main()
