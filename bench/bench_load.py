"""`docker load` of a large image archive against plain `tar -x` of the same bytes.

Builds, without the internet, a one-layer image archive in Docker's format
from ~190 MB of the host's own files under /usr (the size of a Debian-based
image), then times, on the same filesystem:

  - `tar -xf` of the archive (what the bytes cost to unpack once),
  - `tar -xf` of its layer (the root file system alone),
  - dockerlab's load, in process (`archive.load` into a fresh store),
  - dockerlab's load through the CLI (`dockerlab docker load -i`).

Goal: load <= 1.2x `tar -x` (Docker 20.10 measured 1.19x). Run as root:
    sudo /tmp/venv2/bin/python bench/bench_load.py [--mb 190] [--runs 3]
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


CPU = {"last": 0.0}     # CPU seconds (this process + children) of the last timed call


def _cpu() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def timed(fn) -> float:
    """Wall time of fn(); its CPU time goes to CPU["last"] (machines here are shared)."""
    cpu, start = _cpu(), time.perf_counter()
    fn()
    wall = time.perf_counter() - start
    CPU["last"] = _cpu() - cpu
    return wall


def tar_x(src: Path, work: Path) -> float:
    dest = Path(tempfile.mkdtemp(dir=work))
    try:
        return timed(lambda: subprocess.run(["tar", "-xf", str(src), "-C", str(dest)], check=True))
    finally:
        shutil.rmtree(dest)


def load_in_process(archive: Path, work: Path) -> float:
    from dockerlab.engine.images.archive import load
    from dockerlab.engine.images.store import ImageStore
    from dockerlab.engine.settings import Settings
    root = Path(tempfile.mkdtemp(dir=work))
    try:
        store = ImageStore(Settings.load(root))
        with open(archive, "rb") as f:
            return timed(lambda: load(store, f))
    finally:
        shutil.rmtree(root)


def load_cli(archive: Path, work: Path) -> float:
    root = Path(tempfile.mkdtemp(dir=work))
    env = {**os.environ, "DOCKERLAB_ROOT": str(root)}
    cli = [sys.executable, "-c", "from dockerlab.cli.main import main; main()", "load", "-i", str(archive)]
    try:
        return timed(lambda: subprocess.run(cli, env=env, check=True, stdout=subprocess.DEVNULL))
    finally:
        shutil.rmtree(root)


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
        cases = {"tar -xf archive": lambda: tar_x(archive, work),
                 "tar -xf layer": lambda: tar_x(layer, work),
                 "load (in process)": lambda: load_in_process(archive, work),
                 "load (CLI)": lambda: load_cli(archive, work)}
        results, best, cpu = {}, {}, {}
        for name, fn in cases.items():
            fn()                                   # warm the page cache once
            runs = []
            for _ in range(args.runs):
                runs.append((fn(), CPU["last"]))
            results[name] = statistics.median(w for w, _ in runs)
            best[name] = min(w for w, _ in runs)
            cpu[name] = statistics.median(c for _, c in runs)
        base, rootfs = results["tar -xf archive"], results["tar -xf layer"]
        print(f"{'':20s} {'median':>8s}     vs archive  vs layer {'best':>8s}  {'cpu':>8s}")
        for name, seconds in results.items():
            print(f"{name:20s} {seconds * 1000:8.0f} ms  {seconds / base:9.2f}x {seconds / rootfs:8.2f}x"
                  f" {best[name] * 1000:6.0f} ms {cpu[name] * 1000:6.0f} ms")
        print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
              "(cpu = user+sys of the process and its children)")
        print("goal: load <= 1.2x tar -x (Docker 20.10: 1.19x)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
