"""Real Docker as a reference for the benchmarks: a private, throw-away dockerd.

The benches compare dockerlab with Docker "where it is installed" (Debian's
docker.io). The machine's own Docker setup must not be touched, and Docker
must not route or NAT anything, so `private_docker()` starts a daemon of its
own for the duration of a `with` block:

- every path it writes is under one temp dir (data root, exec root, socket,
  pid file, trust key, daemon.json, the client's config), but for empty dirs
  in /run (plugins, shim sockets) removed at the end if they were not there;
- no network of Docker's: --bridge=none --iptables=false --ip-masq=false
  --ip-forward=false --userland-proxy=false (no docker0, no rule, no NAT);
- containers' cgroups go under a parent named after this process, removed
  at the end;
- busybox comes from dockerlab's own store (`dockerlab docker save busybox |
  docker load`): no registry, no internet.

On exit it stops dockerd (which stops its own containerd), kills by pid any
containerd or shim still running from the temp dir, unmounts what is left
under it and deletes it. The product never needs Docker: only bench/ uses this.

    with private_docker() as ref:       # None when dockerd is not installed
        if ref:
            ref.import_busybox(settings.root)
            ref.run("run", "--rm", "--network", "none", "busybox", "true")
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

DOCKERD_PATHS = ("/usr/bin/dockerd", "/usr/sbin/dockerd")
CLIENT_PATHS = ("/usr/bin/docker",)          # the client shipped with that dockerd
# dirs dockerd (plugin discovery) and containerd's shims (sockets) make outside our roots
RUN_DIRS = ("/run/docker/plugins", "/run/docker", "/run/containerd/s", "/run/containerd")
NETWORK_FLAGS = ["--bridge=none", "--iptables=false", "--ip-masq=false", "--ip-forward=false",
                 "--userland-proxy=false"]


class DockerRefError(RuntimeError):
    """The private dockerd could not be started or did not answer."""


def dockerd_path() -> str | None:
    """Where Debian's dockerd is, if installed (docker.io puts it in /usr/sbin)."""
    return next((p for p in DOCKERD_PATHS if os.access(p, os.X_OK)), None)


def client_path() -> str | None:
    """The docker client of the same package, else any on PATH (API is negotiated)."""
    return next((p for p in CLIENT_PATHS if os.access(p, os.X_OK)), None) or shutil.which("docker")


def _ping(sock: Path) -> bool:
    """GET /_ping on the daemon's socket: True once it answers OK."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(2)
            s.connect(str(sock))
            s.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
            reply = b""
            while chunk := s.recv(4096):
                reply += chunk
    except OSError:
        return False
    return reply.startswith(b"HTTP/1.") and b" 200 " in reply.split(b"\r\n", 1)[0]


class PrivateDocker:
    """One dockerd of our own, under `self.tmp`; use through `private_docker()`."""

    def __init__(self, dockerd: str, client: str, driver: str = "overlay2",
                 base_dir: Path | None = None, keep_files: bool = False):
        self.dockerd, self.client, self.driver = dockerd, client, driver
        self.tmp = Path(tempfile.mkdtemp(prefix="dlab-dockerref-", dir=base_dir or "/tmp"))
        self.keep_files = keep_files        # the caller deletes base_dir itself, later
        self.sock = self.tmp / "d.sock"
        self.cgroup_parent = f"dlab-dockerref-{os.getpid()}"
        self.proc: subprocess.Popen | None = None
        self.note = ""                      # said on the bench's line when not overlay2
        self.run_dirs_before = {d for d in RUN_DIRS if os.path.exists(d)}

    # -- start --------------------------------------------------------------
    def argv(self) -> list[str]:
        t = self.tmp
        # our own daemon.json: /etc/docker's is never read, the trust key stays in tmp
        (t / "daemon.json").write_text(json.dumps({"deprecated-key-path": str(t / "key.json")}))
        return [self.dockerd, "--config-file", str(t / "daemon.json"),
                "--data-root", str(t / "data"), "--exec-root", str(t / "exec"),
                "-H", f"unix://{self.sock}", "--pidfile", str(t / "dockerd.pid"),
                "--storage-driver", self.driver, "--cgroup-parent", self.cgroup_parent,
                "--log-level", "warn", *NETWORK_FLAGS]

    def start(self, timeout: float = 60) -> None:
        log = open(self.tmp / "dockerd.log", "ab")
        self.proc = subprocess.Popen(self.argv(), stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                     start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while not _ping(self.sock):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise DockerRefError(f"dockerd ({self.driver}) did not start:\n{self.log_tail()}")
            time.sleep(0.05)
        driver = self.run("info", "--format", "{{.Driver}}").stdout.strip()
        if driver != self.driver:
            raise DockerRefError(f"dockerd runs with {driver!r}, not {self.driver!r}")

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join((self.tmp / "dockerd.log").read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    # -- use ----------------------------------------------------------------
    def env(self) -> dict[str, str]:
        return {**os.environ, "DOCKER_HOST": f"unix://{self.sock}",
                "DOCKER_CONFIG": str(self.tmp / "client"), "DOCKER_BUILDKIT": "0"}

    def cmd(self, *args: str) -> list[str]:
        return [self.client, *args]

    def run(self, *args: str, check: bool = True, **kw) -> subprocess.CompletedProcess:
        """`docker ARGS` against this daemon; output captured unless told otherwise.

        A failure raises DockerRefError with Docker's own message (the benches
        print it on their Docker line instead of losing their other figures).
        """
        kw.setdefault("capture_output", True)
        kw.setdefault("text", True)
        done = subprocess.run(self.cmd(*args), env=self.env(), **kw)
        if check and done.returncode != 0:
            err = done.stderr if isinstance(done.stderr, str) else (done.stderr or b"").decode(errors="replace")
            raise DockerRefError(f"docker {' '.join(args[:2])}: exit {done.returncode}: {err.strip()[-300:]}")
        return done

    def timed(self, *args: str) -> float:
        """Wall time (ms) of one `docker ARGS`, output discarded; fails loudly."""
        start = time.perf_counter()
        self.run(*args, capture_output=False, stdout=subprocess.DEVNULL)
        return (time.perf_counter() - start) * 1000

    def daemon_usage(self) -> tuple[float, int]:
        """CPU seconds and bytes written of dockerd with the children it waited for.

        A load is unpacked by a re-executed dockerd child (chrootarchive): the
        kernel adds a reaped child's times and I/O to its parent's, so both count.
        """
        assert self.proc is not None
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        cpu = sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")
        with open(f"/proc/{self.proc.pid}/io") as f:
            io = dict(line.split(": ") for line in f.read().splitlines())
        return cpu, int(io["write_bytes"])

    def version(self) -> str:
        return self.run("version", "--format", "{{.Server.Version}}").stdout.strip()

    def label(self) -> str:
        """'docker 20.10 (private daemon)', the name the benches print."""
        major_minor = ".".join(self.version().split(".")[:2])
        extra = f", {self.note}" if self.note else ""
        return f"docker {major_minor} (private daemon{extra})"

    def import_busybox(self, dockerlab_root: Path | str) -> None:
        """`dockerlab docker save busybox | docker load`, from dockerlab's store at that root."""
        from dockerlab.engine.images import catalog
        from dockerlab.engine.images.store import ImageStore
        from dockerlab.engine.settings import Settings
        catalog.prepare(ImageStore(Settings.load(dockerlab_root)), "busybox")   # offline, once
        exe = str(Path(sys.executable).with_name("dockerlab"))
        exe = exe if os.path.exists(exe) else shutil.which("dockerlab") or exe
        env = {**os.environ, "DOCKERLAB_ROOT": str(dockerlab_root)}
        save = subprocess.Popen([exe, "docker", "save", "busybox"], env=env, stdout=subprocess.PIPE)
        try:
            load = subprocess.run(self.cmd("load"), env=self.env(), stdin=save.stdout,
                                  capture_output=True, text=True)
        finally:
            save.stdout.close()
            saved = save.wait()
        if saved != 0 or load.returncode != 0:
            raise DockerRefError(f"busybox import failed (save {saved}): {load.stderr.strip()}")

    # -- stop ---------------------------------------------------------------
    def close(self) -> None:
        """Stop everything this daemon started and delete its files, whatever happened."""
        try:
            self._stop_dockerd()
            self._kill_leftovers()
            self._unmount_all()
            self._remove_cgroups()
            self._remove_run_dirs()
        finally:
            if not self.keep_files:
                shutil.rmtree(self.tmp, ignore_errors=True)

    def _stop_dockerd(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)      # dockerd stops its containers and containerd
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def _kill_leftovers(self) -> None:
        """containerd / shims whose command line names our temp dir (ours only, by pid)."""
        mark = str(self.tmp).encode()
        for _ in range(50):
            pids = [pid for pid in _pids() if pid != os.getpid() and mark in _cmdline(pid)]
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.1)

    def _unmount_all(self) -> None:
        prefix = str(self.tmp) + "/"
        for _ in range(3):
            mounts = [m for m in _mount_points() if m.startswith(prefix)]
            if not mounts:
                return
            for m in sorted(mounts, key=len, reverse=True):
                subprocess.run(["umount", "-l", m], capture_output=True)

    def _remove_cgroups(self) -> None:
        for parent in Path("/sys/fs/cgroup").glob(f"*/{self.cgroup_parent}"):
            for top, dirs, _ in sorted(os.walk(parent), key=lambda w: -len(w[0])):
                try:
                    os.rmdir(top)
                except OSError:
                    pass
        plain = Path("/sys/fs/cgroup") / self.cgroup_parent      # cgroup v2
        if plain.is_dir():
            try:
                os.rmdir(plain)
            except OSError:
                pass

    def _remove_run_dirs(self) -> None:
        """The empty /run dirs that were not there before this daemon (rmdir only)."""
        for path in RUN_DIRS:
            if path not in self.run_dirs_before:
                try:
                    os.rmdir(path)
                except OSError:
                    pass


def _pids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def _cmdline(pid: int) -> bytes:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read()
    except OSError:
        return b""


def _mount_points() -> list[str]:
    with open("/proc/self/mounts") as f:
        return [line.split()[1].replace("\\040", " ") for line in f]


def _start(dockerd: str, client: str, **where) -> PrivateDocker:
    """overlay2 first; vfs only if this kernel/filesystem refuses overlay2 (and say so)."""
    ref = PrivateDocker(dockerd, client, "overlay2", **where)
    try:
        ref.start()
        return ref
    except DockerRefError as e:
        reason = str(e)
        ref.close()
        if "overlay" not in reason.lower():
            raise
    ref = PrivateDocker(dockerd, client, "vfs", **where)
    ref.note = "vfs: overlay2 failed"
    print(f"dockerref: overlay2 failed, using vfs: {reason}", file=sys.stderr)
    try:
        ref.start()
    except BaseException:
        ref.close()
        raise
    return ref


@contextmanager
def private_docker(base_dir: Path | None = None,
                   keep_files: bool = False) -> Iterator[PrivateDocker | None]:
    """A running private dockerd, or None when Docker's daemon is not installed.

    Its files go in a new dir under `base_dir` (default /tmp: a bench puts them on
    the filesystem it measures). With `keep_files` the stopped daemon's files stay
    (nothing mounted) for the caller to delete with base_dir: deleting many files
    slows the next file creations on this ext4, which would bias the next timing.
    """
    dockerd, client = dockerd_path(), client_path()
    if dockerd is None or client is None or os.geteuid() != 0:
        yield None
        return
    ref = _start(dockerd, client, base_dir=base_dir, keep_files=keep_files)
    try:
        yield ref
    finally:
        ref.close()


if __name__ == "__main__":
    with private_docker() as ref:
        if ref is None:
            print("docker: not installed (no dockerd)")
        else:
            print(ref.label(), "storage driver", ref.run("info", "--format", "{{.Driver}}").stdout.strip())
