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


def timed(cmd: list[str], n: int, env: dict[str, str] | None = None) -> float:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, env=env)
        out.append((time.perf_counter() - t) * 1000)
    return statistics.median(out)


def bytecode_env() -> dict[str, str]:
    """This environment, bytecode writes allowed: with PYTHONDONTWRITEBYTECODE set (as on
    the shared machines), every CLI call recompiled the modules edited since the install."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def engine_run(settings: Settings, n: int, network: str) -> float:
    """`docker run --rm --network X busybox true` through the CLI layer, in this process."""
    import io
    from dockerlab.cli.context import Context
    from dockerlab.cli.main import docker_main
    out = []
    for _ in range(n + 2):
        ctx = Context(out=io.StringIO(), err=io.StringIO())
        t = time.perf_counter()
        code = docker_main(["run", "--rm", "--network", network, "busybox", "true"], ctx)
        out.append((time.perf_counter() - t) * 1000)
        if code != 0:
            raise SystemExit(f"run failed ({code}): {ctx.err.getvalue()}")
        if len(out) == 2:
            wait_zygote()
    return statistics.median(out[2:])    # the first runs prepare the image and the bridge


def wait_zygote(seconds: float = 3.0) -> None:
    """The first start of a process starts its zygote (runtime/zygote.py), ready ~0.1 s
    later; in the guided shell that is long before the student's next command."""
    from dockerlab.engine.runtime import zygote
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if zygote._current is not None and zygote._current.poll_ready():
            return
        time.sleep(0.02)
    print("(no zygote: shims forked by this process)")


def cli_run(n: int, network: str) -> float:
    exe = str(Path(sys.executable).with_name("dockerlab"))   # the one of this venv
    cmd = [exe, "docker", "run", "--rm", "--network", network, "busybox", "true"]
    env = bytecode_env()
    subprocess.run(cmd, check=True, env=env)                 # writes that bytecode, untimed
    return timed(cmd, n, env)


def idle_memory(settings: Settings) -> str:
    """PSS and private memory (MB) of one idle detached container: its shim plus its process.

    Measured once the shim has slimmed down (runtime/monitor.py: a second after the start).
    PSS shares libpython's pages with the other Python processes alive (this one at least);
    private memory is what one more idle container adds.
    """
    import io
    from dockerlab.cli.context import Context
    from dockerlab.cli.main import docker_main
    ctx = Context(out=io.StringIO(), err=io.StringIO())
    docker_main(["run", "-d", "--name", "idle", "--network", "none", "busybox", "sleep", "600"], ctx)
    try:
        from dockerlab.engine.engine import Engine
        from dockerlab.engine.runtime.monitor import is_slim
        state = Engine(settings).state("idle")
        end = time.monotonic() + 5
        while time.monotonic() < end and not is_slim(state["ShimPid"]):
            time.sleep(0.1)
        settle(state["ShimPid"])         # the new interpreter is still importing just after its exec
        pss = private = 0
        for pid in (state["ShimPid"], state["Pid"]):
            fields = dict(line.split(":", 1) for line in open(f"/proc/{pid}/smaps_rollup") if ":" in line)
            kb = {k: int(v.split()[0]) for k, v in fields.items() if v.strip().endswith("kB")}
            pss += kb["Pss"]
            private += kb["Private_Clean"] + kb["Private_Dirty"]
        return f"PSS {pss / 1024:5.1f} MB, private {private / 1024:5.1f} MB"
    finally:
        docker_main(["rm", "-f", "idle"], Context(out=io.StringIO(), err=io.StringIO()))


def settle(pid: int, seconds: float = 5.0) -> None:
    """Wait until process `pid`'s resident size stops changing (0.3 s apart)."""
    def rss() -> str:
        return next(line for line in open(f"/proc/{pid}/smaps_rollup") if line.startswith("Rss:"))
    end, last = time.monotonic() + seconds, None
    while time.monotonic() < end and (now := rss()) != last:
        last = now
        time.sleep(0.3)


def docker_line(n: int) -> str | None:
    """Real Docker, when a daemon answers on this machine."""
    if not shutil.which("docker"):
        return None
    ok = subprocess.run(["docker", "info"], capture_output=True, timeout=10).returncode == 0
    if not ok:
        return "docker (client only, no daemon)  : not measured"
    ms = timed(["docker", "run", "--rm", "--network", "none", "busybox", "true"], n)
    return f"docker run --rm (network none)   : median {ms:6.1f} ms"


def private_docker_line(settings: Settings, n: int) -> str:
    """Docker 20.10 on a private daemon (bench/dockerref.py), busybox from our store."""
    from dockerref import DockerRefError, private_docker
    try:
        with private_docker() as ref:
            if ref is None:
                return "docker (private daemon)          : not installed"
            ref.import_busybox(settings.root)
            run = ("run", "--rm", "--network", "none", "busybox", "true")
            ref.timed(*run)                                # first run: layers, netns setup
            ms = statistics.median(ref.timed(*run) for _ in range(n))
            return f"{ref.label()}: docker run --rm (network none): median {ms:6.1f} ms (n={n})"
    except DockerRefError as e:
        return f"docker (private daemon)          : failed: {e}"


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    base = Path(tempfile.mkdtemp(prefix="dlabbench-"))
    os.environ["DOCKERLAB_ROOT"] = str(base / "root")
    settings = Settings.load(base / "root")
    settings.subnet = "10.254.77.0/24"
    settings.save()
    try:
        lower = busybox_root(base)
        runs = [one_run(settings, lower) for _ in range(n)]
        print(f"runtime only (shim, no image)    : median {statistics.median(runs):6.1f} ms (n={n})")
        print(f"run --rm, in process, net none   : median {engine_run(settings, n, 'none'):6.1f} ms  (goal <= 25)")
        print(f"run --rm, in process, bridge     : median {engine_run(settings, n, 'bridge'):6.1f} ms  (goal <= 40)")
        print(f"run --rm, CLI process, net none  : median {cli_run(n, 'none'):6.1f} ms  (goal <= 100)")
        print(f"idle detached container          : {idle_memory(settings)}  (goal <= 15)")
        print(f"unshare -mupin --fork true       : median {timed(['unshare', '-mupin', '--fork', 'true'], n):6.1f} ms")
        if shutil.which("bwrap"):
            cmd = ["bwrap", "--unshare-all", "--ro-bind", str(lower), "/", "/bin/true"]
            print(f"bwrap --unshare-all              : median {timed(cmd, n):6.1f} ms")
        for tool in ("podman",):
            if shutil.which(tool):
                ms = timed([tool, "run", "--rm", "--network", "none", "busybox", "true"], n)
                print(f"{tool} run --rm (network none)   : median {ms:6.1f} ms")
        line = docker_line(n)
        if line:
            print(line)
        print(private_docker_line(settings, n))
    finally:
        reset(settings)
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
