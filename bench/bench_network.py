"""Requests/second and MB/s through the userland proxy, against a direct connection;
or, with `start`, what plugging a container into the default bridge adds to a start.

Run as root: `python bench/bench_network.py [requests] [megabytes]`,
`python bench/bench_network.py engine [seconds]` (the same comparison through a
real container and its shim's proxy, with concurrent clients)
or `python bench/bench_network.py start [runs]`.
Builds a throw-away state root, one "container" (busybox httpd in a new
network namespace) on the default bridge, publishes its port 80 on
127.0.0.1 and measures a bounded number of HTTP requests and one large
download both ways: host -> container IP directly, and host -> 127.0.0.1 ->
proxy -> container. Traffic stays on loopback and the lab bridge; everything
is removed at the end, also on failure. The proxy runs in a child process,
as it does in a shim, so it does not share the client's GIL.
"""
from __future__ import annotations

import http.client
import ipaddress
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dockerlab.engine.network import NetworkManager, ports, teardown
from dockerlab.engine.network.ipam import host_networks
from dockerlab.engine.settings import Settings

ROUNDS = 3


def free_subnet() -> str:
    taken = host_networks()
    for _ in range(1000):
        net = ipaddress.ip_network(f"10.{random.randint(200, 250)}.{random.randint(0, 255)}.0/24")
        if not any(net.overlaps(t) for t in taken):
            return str(net)
    raise SystemExit("no free /24 in 10.200.0.0-10.250.255.0: the host routes them all")


def wait_unshared(pid: int) -> None:
    """Until `unshare -n` has left our namespace (plumbing refuses our own)."""
    mine = os.stat("/proc/self/ns/net").st_ino
    deadline = time.monotonic() + 5
    while os.stat(f"/proc/{pid}/ns/net").st_ino == mine and time.monotonic() < deadline:
        time.sleep(0.001)


def proxy_process(listeners: list, ip: str) -> int:
    """Run the proxy in a child process, as in a shim (no GIL shared with the client)."""
    pid = os.fork()
    if pid == 0:
        try:
            ports.serve(listeners, ip)
        finally:
            os._exit(0)
    return pid


def requests_per_second(host: str, port: int, count: int) -> float:
    start = time.perf_counter()
    for _ in range(count):
        conn = http.client.HTTPConnection(host, port, timeout=10)
        conn.request("GET", "/index.html")
        body = conn.getresponse().read()
        conn.close()
        assert body.startswith(b"hello"), body[:40]
    return count / (time.perf_counter() - start)


def megabytes_per_second(host: str, port: int, size: int) -> float:
    start = time.perf_counter()
    conn = http.client.HTTPConnection(host, port, timeout=30)
    conn.request("GET", "/big.bin")
    resp, got = conn.getresponse(), 0
    while chunk := resp.read(1 << 20):
        got += len(chunk)
    conn.close()
    assert got == size, (got, size)
    return size / (1 << 20) / (time.perf_counter() - start)


def measure(ip: str, port: int, count: int, megabytes: int) -> None:
    requests_per_second(ip, 80, 20)                       # warm up (ARP, caches)
    size = (1 << 20) * megabytes
    rounds = [(requests_per_second(ip, 80, count),
               requests_per_second("127.0.0.1", port, count),
               megabytes_per_second(ip, 80, size),
               megabytes_per_second("127.0.0.1", port, size)) for _ in range(ROUNDS)]
    direct, proxied, d_mb, p_mb = (statistics.median(col) for col in zip(*rounds))
    print(f"median of {ROUNDS} rounds ({count} requests, {megabytes} MB each)")
    print(f"requests/s  direct {direct:8.0f}   proxy {proxied:8.0f}   ratio {proxied / direct:5.0%}")
    print(f"MB/s        direct {d_mb:8.0f}   proxy {p_mb:8.0f}   ratio {p_mb / d_mb:5.0%}")


def main(count: int = 300, megabytes: int = 200) -> None:
    if os.geteuid() != 0:
        sys.exit("run as root: the bench builds a bridge and a network namespace")
    root = Path(tempfile.mkdtemp(prefix="dlabbench-"))
    www = Path(tempfile.mkdtemp(prefix="dlabbench-www-"))
    (www / "index.html").write_text("hello from the lab\n")
    (www / "big.bin").write_bytes(os.urandom(1 << 20) * megabytes)
    settings = Settings.load(root)
    settings.subnet = free_subnet()
    settings.save()
    httpd, listeners, server = None, [], None
    try:
        httpd = subprocess.Popen(["unshare", "-n", "busybox", "httpd", "-f", "-p", "80",
                                  "-h", str(www)])
        wait_unshared(httpd.pid)
        ep = NetworkManager(settings).connect("b" * 64, "bench", "bridge", httpd.pid)
        listeners = ports.publish(settings, "b" * 64, ports.parse_publish("127.0.0.1:0:80"))
        server = proxy_process(listeners, ep["IPAddress"])
        measure(ep["IPAddress"], listeners[0].host_port, count, megabytes)
    finally:
        for l in listeners:
            l.close()
        if server is not None:
            os.kill(server, signal.SIGKILL)
            os.waitpid(server, 0)
        if httpd is not None:
            httpd.kill()
            httpd.wait()
        teardown(settings)
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(www, ignore_errors=True)


def _raw_get_loop(host: str, port: int, seconds: float, out_w: int) -> None:
    """A client process: HTTP/1.0 GETs on fresh connections, as fast as it can; writes its count."""
    request, count = b"GET /index.html HTTP/1.0\r\n\r\n", 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        with socket.create_connection((host, port), timeout=10) as conn:
            conn.sendall(request)
            reply = b""
            while chunk := conn.recv(65536):
                reply += chunk
        if b"hello" not in reply:
            raise SystemExit(f"bad reply: {reply[:80]!r}")
        count += 1
    os.write(out_w, str(count).encode())


def concurrent_rps(host: str, port: int, clients: int, seconds: float) -> float:
    """Requests/s of `clients` client processes together (no GIL shared with the proxy)."""
    pipes, pids = [], []
    for _ in range(clients):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            try:
                _raw_get_loop(host, port, seconds, w)
            finally:
                os._exit(0)
        os.close(w)
        pipes.append(r)
        pids.append(pid)
    total = 0
    for r, pid in zip(pipes, pids):
        total += int(os.read(r, 64) or b"0")
        os.close(r)
        os.waitpid(pid, 0)
    return total / seconds


def engine_proxy(seconds: float = 3.0) -> None:
    """Through the engine as a student runs it: `docker run -d -p 127.0.0.1::80 busybox httpd`,
    whose proxy is a thread of the container's shim (sharing its GIL with the log pump), with
    1 and 4 concurrent raw-socket clients; direct = the container's own address."""
    import io
    from dockerlab.cli.context import Context
    from dockerlab.cli.main import docker_main
    from dockerlab.engine.reset import reset
    if os.geteuid() != 0:
        sys.exit("run as root: the bench starts a container")
    root, www = Path(tempfile.mkdtemp(prefix="dlabbench-")), Path(tempfile.mkdtemp(prefix="dlabbench-www-"))
    (www / "index.html").write_text("hello from the lab\n")
    os.environ["DOCKERLAB_ROOT"] = str(root)
    settings = Settings.load(root)
    settings.subnet = free_subnet()
    settings.save()

    def docker(*argv: str) -> str:
        ctx = Context(out=io.StringIO(), err=io.StringIO())
        if docker_main(list(argv), ctx):
            raise SystemExit(f"docker {' '.join(argv)}: {ctx.err.getvalue()}")
        return ctx.out.getvalue().strip()
    try:
        docker("run", "-d", "--name", "web", "-p", "127.0.0.1::80", "-v", f"{www}:/www:ro",
               "busybox", "httpd", "-f", "-p", "80", "-h", "/www")
        ip = docker("inspect", "-f", "{{.NetworkSettings.IPAddress}}", "web")
        port = int(docker("port", "web", "80/tcp").rsplit(":", 1)[1])
        concurrent_rps(ip, 80, 1, 0.3)                  # warm up
        for clients in (1, 4):
            runs = [(concurrent_rps(ip, 80, clients, seconds),
                     concurrent_rps("127.0.0.1", port, clients, seconds)) for _ in range(ROUNDS)]
            direct, proxied = (statistics.median(col) for col in zip(*runs))
            print(f"engine, {clients} client(s), {ROUNDS} x {seconds:.0f} s: requests/s direct {direct:7.0f}"
                  f"   proxy {proxied:7.0f}   ratio {proxied / direct:5.0%}  (goal >= 50%)")
    finally:
        reset(settings)
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(www, ignore_errors=True)


def start_cost(runs: int = 20) -> None:
    """Median `run --rm busybox true` in process: --network none, then the default bridge.

    The two kinds alternate, so that the load of a shared machine weighs on
    both alike; lines as bench_runtime.py prints them, then the difference
    (plugging, the bridge check, releasing). CPU: this process and the shims
    (a private cpuacct cgroup, v1 only), not the containers' own.
    """
    import io
    from dockerlab.cli.context import Context
    from dockerlab.cli.main import docker_main
    from dockerlab.engine.reset import reset
    from dockerlab.engine.runtime import zygote
    root = Path(tempfile.mkdtemp(prefix="dlabbench-"))
    os.environ["DOCKERLAB_ROOT"] = str(root)
    settings = Settings.load(root)
    settings.subnet = free_subnet()
    settings.save()
    cpu = _CpuMeter()
    times: dict[str, list[tuple[float, float]]] = {"none": [], "bridge": []}
    try:
        for i in range(runs + 2):
            for network in times:
                ctx = Context(out=io.StringIO(), err=io.StringIO())
                c, t = cpu.read(), time.perf_counter()
                if docker_main(["run", "--rm", "--network", network, "busybox", "true"], ctx):
                    raise SystemExit(f"run failed: {ctx.err.getvalue()}")
                if i >= 2:       # the first runs prepare the image and the bridge
                    times[network].append(((time.perf_counter() - t) * 1000, (cpu.read() - c) / 1e6))
    finally:
        reset(settings)          # first: it stops the package cache, a process in the group
        zygote.shutdown()        # the zygote too is in the group, until this process exits
        cpu.close()
    med = {k: [statistics.median(col) for col in zip(*v)] for k, v in times.items()}
    for network, goal in (("none", 25), ("bridge", 40)):
        print(f"run --rm, in process, {network:<10} : median {med[network][0]:6.1f} ms  (goal <= {goal})"
              f"  cpu {med[network][1]:5.1f} ms")
    print(f"network share (bridge - none)       : {med['bridge'][0] - med['none'][0]:6.1f} ms"
          f"  cpu {med['bridge'][1] - med['none'][1]:5.1f} ms  (n={runs}, load {os.getloadavg()[0]:.2f})")


class _CpuMeter:
    """CPU time of this process and its descendants, through a cgroup v1 cpuacct group."""

    def __init__(self) -> None:
        self.dir = Path(f"/sys/fs/cgroup/cpuacct/dlabbench-{os.getpid()}")
        try:
            self.dir.mkdir()
            (self.dir / "cgroup.procs").write_text(str(os.getpid()))
        except OSError:
            self.dir = None

    def read(self) -> int:
        return int((self.dir / "cpuacct.usage").read_text()) if self.dir else 0

    def close(self) -> None:
        if self.dir is None:
            return
        (self.dir.parent / "cgroup.procs").write_text(str(os.getpid()))
        for _ in range(50):          # processes just killed leave the group a moment later
            try:
                self.dir.rmdir()
                return
            except OSError:
                time.sleep(0.1)
        print(f"cgroup {self.dir} left behind: {sorted((self.dir / 'cgroup.procs').read_text().split())}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["start"]:
        start_cost(*(int(a) for a in sys.argv[2:3]))
    elif sys.argv[1:2] == ["engine"]:
        engine_proxy(*(float(a) for a in sys.argv[2:3]))
    else:
        main(*(int(a) for a in sys.argv[1:3]))
