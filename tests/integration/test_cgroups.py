"""Per-container cgroups on the real kernel: limits enforced, OOM seen, cleanup complete.

Every test runs against each layout this machine offers: the detected one
(v1 or v2) and, on a hybrid host, the cgroup2 hierarchy mounted at
/sys/fs/cgroup/unified. A test that needs a controller the layout lacks is
skipped with the reason. Processes are forked, added to the cgroup while
they wait on a pipe, and only then exec their program, so they never run
outside the limits.
"""
from __future__ import annotations

import errno
import os
import shutil
import signal
import stat
import sys
import tempfile
import time
from pathlib import Path

import pytest

from dockerlab.engine import cgroups
from dockerlab.engine.cgroups import ALLOW_ALL, Cgroup, Layout, Limits
from dockerlab.engine.cgroups.limits import cpu_weight
from dockerlab.engine.errors import Conflict, EngineError, InvalidArgument
from dockerlab.engine.settings import Settings

pytestmark = pytest.mark.root

MB = 1024 * 1024
PY = [sys.executable, "-I", "-S", "-c"]
BURN = PY + ["while True: pass"]
SLEEP = PY + ["import time; time.sleep(60)"]


def _layouts() -> list[Layout]:
    try:
        return Layout.everywhere()
    except EngineError:
        return []


LAYOUTS = _layouts()
IDS = [f"v{lay.version}:{next(iter(lay.roots.values())).parent if lay.version == 1 else lay.root}"
       for lay in LAYOUTS]


@pytest.fixture(params=LAYOUTS, ids=IDS)
def layout(request) -> Layout:
    return request.param


@pytest.fixture
def settings():
    """A private state root (own cgroup parent); every cgroup and process removed after."""
    tmp = Path(tempfile.mkdtemp(prefix="dlt-cg-"))
    s = Settings.load(tmp)
    try:
        yield s
    finally:
        try:
            cgroups.remove_all(s)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        leftovers = [root / s.cgroup_parent for lay in _layouts() for root in lay.roots.values()
                     if (root / s.cgroup_parent).exists()]
        assert not leftovers, f"cgroups left behind: {leftovers}"


class Children:
    """Processes a test forks; all killed and reaped at teardown."""

    def __init__(self):
        self.pids: list[int] = []

    def spawn(self, cg: Cgroup, argv: list[str], stdout: int | None = None) -> int:
        """Fork, put the child into `cg` while it waits, then let it exec `argv`."""
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:                                     # child
            try:
                os.close(w)
                os.read(r, 1)
                if stdout is not None:
                    os.dup2(stdout, 1)
                os.execv(argv[0], argv)
            finally:
                os._exit(127)
        self.pids.append(pid)
        os.close(r)
        try:
            cg.add(pid)
        finally:
            os.write(w, b"x")
            os.close(w)
        return pid

    def wait(self, pid: int, timeout: float = 20.0) -> int:
        """The raw wait status of `pid`, failing the test if it does not end in time."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                self.pids.remove(pid)
                return status
            time.sleep(0.02)
        raise AssertionError(f"process {pid} did not exit within {timeout}s")

    def cleanup(self) -> None:
        for pid in self.pids:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass


@pytest.fixture
def children():
    kids = Children()
    try:
        yield kids
    finally:
        kids.cleanup()


def need(layout: Layout, *features: str) -> None:
    missing = set(features) - layout.features()
    if missing:
        pytest.skip(f"this cgroup v{layout.version} hierarchy lacks {sorted(missing)}")


def cpu_ns(cg: Cgroup) -> int:
    return cg.stats()["cpu_stats"]["cpu_usage"]["total_usage"]


def read_output(fd: int) -> str:
    chunks = []
    while chunk := os.read(fd, 4096):
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks).decode()


# -- creation and limits read back --------------------------------------------

def test_create_writes_limits(settings, layout):
    need(layout, "memory", "swap", "cpu", "cpuset", "pids")
    cg = Cgroup(settings, "limits1", layout)
    cg.create(Limits(memory=64 * MB, memory_swap=128 * MB, nano_cpus=500_000_000,
                     cpu_shares=512, cpuset_cpus="0", pids_limit=50))
    assert cg.warnings == []
    if layout.version == 1:
        d = {name: root / settings.cgroup_parent / "limits1" for name, root in layout.roots.items()}
        read = lambda c, f: (d[c] / f).read_text().strip()  # noqa: E731
        assert read("memory", "memory.limit_in_bytes") == str(64 * MB)
        assert read("memory", "memory.memsw.limit_in_bytes") == str(128 * MB)
        assert read("cpu", "cpu.cfs_quota_us") == "50000"
        assert read("cpu", "cpu.cfs_period_us") == "100000"
        assert read("cpu", "cpu.shares") == "512"
        assert read("cpuset", "cpuset.cpus") == "0"
        assert read("cpuset", "cpuset.mems") != ""
        assert read("pids", "pids.max") == "50"
    else:
        d = layout.root / settings.cgroup_parent / "limits1"
        read = lambda f: (d / f).read_text().strip()  # noqa: E731
        assert read("memory.max") == str(64 * MB)
        assert read("memory.swap.max") == str(64 * MB)
        assert read("cpu.max") == "50000 100000"
        assert read("cpu.weight") == str(cpu_weight(512))
        assert read("cpuset.cpus") == "0"
        assert read("pids.max") == "50"
    for directory in cg.directories():
        assert directory.is_dir()


def test_v1_device_list_is_dockers(settings, layout):
    if layout.version != 1 or "devices" not in layout.roots:
        pytest.skip("v1 devices controller only")
    cg = Cgroup(settings, "devlist", layout)
    cg.create(Limits())
    listed = set((layout.roots["devices"] / settings.cgroup_parent / "devlist" / "devices.list")
                 .read_text().split("\n")) - {""}
    assert listed == {"c 1:5 rwm", "c 1:3 rwm", "c 1:9 rwm", "c 1:8 rwm", "c 5:0 rwm",
                      "c 5:1 rwm", "c *:* m", "b *:* m", "c 1:7 rwm", "c 136:* rwm",
                      "c 5:2 rwm", "c 10:200 rwm"}


# -- limits enforced ----------------------------------------------------------

def test_memory_hog_is_oom_killed(settings, layout, children):
    need(layout, "memory")
    cg = Cgroup(settings, "oom", layout)
    cg.create(Limits(memory=32 * MB, memory_swap=32 * MB))
    assert not cg.oom_killed()
    hog = "chunks = []\nfor _ in range(256): chunks.append(b'x' * (1 << 20))"
    status = children.wait(children.spawn(cg, PY + [hog]))
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    assert cg.oom_killed() and cg.oom_kills() == 1


def test_process_within_limit_is_not_oom_killed(settings, layout, children):
    need(layout, "memory")
    cg = Cgroup(settings, "nooom", layout)
    cg.create(Limits(memory=64 * MB, memory_swap=64 * MB))
    status = children.wait(children.spawn(cg, PY + ["b = b'x' * (8 << 20)"]))
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    assert not cg.oom_killed()


def test_half_a_cpu(settings, layout, children):
    need(layout, "cpu")
    cg = Cgroup(settings, "cpu", layout)
    cg.create(Limits(nano_cpus=500_000_000))
    for _ in range(2):                      # two burners could use both cores unlimited
        children.spawn(cg, BURN)
    time.sleep(0.3)
    used0, t0 = cpu_ns(cg), time.monotonic()
    time.sleep(1.2)
    cores = (cpu_ns(cg) - used0) / ((time.monotonic() - t0) * 1e9)
    assert 0.2 < cores < 0.7, f"{cores:.2f} cores used under --cpus 0.5"
    assert cg.stats()["cpu_stats"]["throttling_data"]["throttled_periods"] > 0


def test_pids_limit_stops_a_fork_loop(settings, layout, children):
    need(layout, "pids")
    cg = Cgroup(settings, "pids", layout)
    cg.create(Limits(pids_limit=8))
    script = ("import os, signal\n"
              "kids = []\n"
              "while len(kids) < 100:\n"
              "    try: pid = os.fork()\n"
              "    except OSError as e: print(len(kids), e.errno); break\n"
              "    if pid == 0: signal.pause(); os._exit(0)\n"
              "    kids.append(pid)\n"
              "else: print(len(kids), 0)\n"
              "for k in kids: os.kill(k, 9); os.waitpid(k, 0)\n")
    r, w = os.pipe()
    pid = children.spawn(cg, PY + [script], stdout=w)
    os.close(w)
    status = children.wait(pid)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    forked, err = map(int, read_output(r).split())
    assert err == errno.EAGAIN
    assert forked == 7                      # the script itself is the 8th task


def test_cpuset_pins_processes(settings, layout, children):
    need(layout, "cpuset")
    cg = Cgroup(settings, "pin", layout)
    cg.create(Limits(cpuset_cpus="0"))
    pid = children.spawn(cg, SLEEP)
    assert os.sched_getaffinity(pid) == {0}


def test_devices_are_filtered(settings, layout, children, tmp_path):
    """Docker's device rules: /dev/null opens, a kmsg node does not, mknod is allowed."""
    need(layout, "devices")
    node = tmp_path / "kmsg"
    os.mknod(node, 0o600 | stat.S_IFCHR, os.makedev(1, 11))
    os.close(os.open(node, os.O_RDONLY))        # the host itself may open it
    cg = Cgroup(settings, "dev", layout)
    cg.create(Limits())
    script = ("import os, stat, sys\n"
              "def try_open(p):\n"
              "    try: os.close(os.open(p, os.O_RDONLY)); return 0\n"
              "    except OSError as e: return e.errno\n"
              "made = sys.argv[2]\n"
              "os.mknod(made, 0o600 | stat.S_IFCHR, os.makedev(1, 11))\n"
              "print(try_open('/dev/null'), try_open(sys.argv[1]), try_open(made))\n")
    r, w = os.pipe()
    pid = children.spawn(cg, PY + [script, str(node), str(tmp_path / "made")], stdout=w)
    os.close(w)
    status = children.wait(pid)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, "mknod was refused"
    assert read_output(r).split() == ["0", str(errno.EPERM), str(errno.EPERM)]


def test_privileged_devices_allow_all(settings, layout, children, tmp_path):
    need(layout, "devices")
    node = tmp_path / "kmsg"
    os.mknod(node, 0o600 | stat.S_IFCHR, os.makedev(1, 11))
    cg = Cgroup(settings, "priv", layout)
    cg.create(Limits(), devices=ALLOW_ALL)
    pid = children.spawn(cg, PY + [f"import os; os.close(os.open({str(node)!r}, os.O_RDONLY))"])
    status = children.wait(pid)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


# -- freeze, kill, update, stats ------------------------------------------------

def test_freeze_and_thaw(settings, layout, children):
    need(layout, "freezer")
    cg = Cgroup(settings, "freeze", layout)
    cg.create(Limits())
    children.spawn(cg, BURN)
    time.sleep(0.2)
    cg.freeze()
    assert cg.is_frozen()
    used = cpu_ns(cg)
    time.sleep(0.5)
    assert cpu_ns(cg) - used < 20_000_000, "a frozen process kept running"
    cg.thaw()
    assert not cg.is_frozen()
    used = cpu_ns(cg)
    time.sleep(0.5)
    assert cpu_ns(cg) - used > 100_000_000, "the thawed process did not run again"


def test_kill_all_reaches_every_process(settings, layout, children):
    cg = Cgroup(settings, "killall", layout)
    cg.create(Limits())
    pids = [children.spawn(cg, SLEEP) for _ in range(3)]
    assert sorted(cg.procs()) == sorted(pids)
    cg.kill_all()
    for pid in pids:
        status = children.wait(pid, timeout=5)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    assert cg.procs() == []


def test_kill_all_with_another_signal(settings, layout, children):
    cg = Cgroup(settings, "term", layout)
    cg.create(Limits())
    pid = children.spawn(cg, SLEEP)
    cg.kill_all(signal.SIGTERM)
    status = children.wait(pid, timeout=5)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGTERM


def test_kill_all_of_a_paused_container(settings, layout, children):
    need(layout, "freezer")
    cg = Cgroup(settings, "pausedkill", layout)
    cg.create(Limits())
    pid = children.spawn(cg, SLEEP)
    cg.freeze()
    cg.destroy()
    status = children.wait(pid, timeout=5)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    assert not any(d.exists() for d in cg.directories())


def test_update_limits(settings, layout):
    need(layout, "memory", "swap", "pids")
    cg = Cgroup(settings, "upd", layout)
    cg.create(Limits(memory=32 * MB, memory_swap=64 * MB, pids_limit=10))
    cg.update(Limits(memory=128 * MB, memory_swap=256 * MB))    # raising both: order matters
    cg.update(Limits(pids_limit=20))
    stats = cg.stats()
    assert stats["memory_stats"]["limit"] == 128 * MB
    assert stats["pids_stats"]["limit"] == 20
    with pytest.raises(Conflict, match="^Memory limit should be smaller than already set "
                                       "memoryswap limit, update the memoryswap at the same time$"):
        cg.update(Limits(memory=512 * MB))
    with pytest.raises(InvalidArgument, match="^Minimum memory limit allowed is 6MB$"):
        cg.update(Limits(memory=MB))


def test_stats_report_usage(settings, layout, children):
    need(layout, "memory", "pids")
    cg = Cgroup(settings, "stats", layout)
    cg.create(Limits(memory=256 * MB, pids_limit=30))
    r, w = os.pipe()
    script = ("import time\nb = b'x' * (40 << 20)\nprint('ready', flush=True)\n"
              "time.sleep(60)")
    children.spawn(cg, PY + [script], stdout=w)
    os.close(w)
    assert os.read(r, 6) == b"ready\n"
    os.close(r)
    stats = cg.stats()
    assert stats["memory_stats"]["usage"] >= 40 * MB
    assert stats["memory_stats"]["limit"] == 256 * MB
    assert stats["pids_stats"] == {"current": 1, "limit": 30}
    assert stats["cpu_stats"]["cpu_usage"]["total_usage"] > 0
    assert stats["cpu_stats"]["system_cpu_usage"] > 0


def test_unlimited_memory_reports_machine_memory(settings, layout):
    need(layout, "memory")
    cg = Cgroup(settings, "unlim", layout)
    cg.create(Limits())
    with open("/proc/meminfo") as f:
        total = int(f.readline().split()[1]) * 1024
    assert cg.stats()["memory_stats"]["limit"] == total


# -- failures, destroy, remove_all ----------------------------------------------

def test_failed_create_leaves_nothing(settings, layout):
    need(layout, "cpu")
    cg = Cgroup(settings, "bad", layout)
    with pytest.raises(EngineError, match="cfs_quota_us|cpu.max"):
        cg.create(Limits(nano_cpus=1_000_000))  # 100 us quota: below the kernel's 1 ms
    assert not any(d.exists() for d in cg.directories())


def test_add_of_a_missing_process_fails_with_a_message(settings, layout):
    cg = Cgroup(settings, "nopid", layout)
    cg.create(Limits())
    with pytest.raises(EngineError, match='failed to write "999999999"'):
        cg.add(999_999_999)


def test_destroy_kills_and_removes_and_is_idempotent(settings, layout, children):
    cg = Cgroup(settings, "gone", layout)
    cg.create(Limits())
    forker = PY + ["import os, time\nwhile True:\n    if os.fork() == 0: time.sleep(60)\n"
                   "    time.sleep(0.01)"]
    pid = children.spawn(cg, forker)
    time.sleep(0.2)
    assert len(cg.procs()) > 1
    cg.destroy()
    status = children.wait(pid, timeout=5)
    assert os.WIFSIGNALED(status)
    assert not any(d.exists() for d in cg.directories())
    cg.destroy()
    assert not cg.oom_killed()


def test_create_replaces_a_stale_cgroup(settings, layout, children):
    cg = Cgroup(settings, "stale", layout)
    cg.create(Limits())
    old = children.spawn(cg, SLEEP)
    Cgroup(settings, "stale", layout).create(Limits())      # e.g. after a crashed shim
    status = children.wait(old, timeout=5)
    assert os.WIFSIGNALED(status)
    assert cg.procs() == []


def test_remove_all(settings, layout, children):
    pids = []
    for name in ("a1", "b2"):
        cg = Cgroup(settings, name, layout)
        cg.create(Limits())
        pids.append(children.spawn(cg, SLEEP))
    cgroups.remove_all(settings)
    for pid in pids:
        assert os.WIFSIGNALED(children.wait(pid, timeout=5))
    for root in layout.roots.values():
        assert not (root / settings.cgroup_parent).exists()


def _plain_dir(cg: Cgroup, layout: Layout) -> Path:
    """A hierarchy without cpuset (a new cpuset cgroup has no CPUs until configured)."""
    if layout.version == 2:
        return cg.directories()[0]
    return next(d for name, d in cg._impl.dirs.items() if name in ("pids", "memory", "freezer"))


def test_destroy_removes_nested_cgroups(settings, layout, children):
    cg = Cgroup(settings, "outer", layout)
    cg.create(Limits())
    inner = _plain_dir(cg, layout) / "inner"
    inner.mkdir()
    pid = children.spawn(cg, SLEEP)
    (inner / "cgroup.procs").write_text(str(pid))
    assert pid in cg.procs()
    cg.destroy()
    assert os.WIFSIGNALED(children.wait(pid, timeout=5))
    assert not inner.exists() and not any(d.exists() for d in cg.directories())


def test_remove_all_sweeps_unknown_directories(settings, layout, children):
    Cgroup(settings, "known", layout).create(Limits())
    odd = _plain_dir(Cgroup(settings, "known", layout), layout).parent / "not a container"
    odd.mkdir()
    pid = children.spawn(Cgroup(settings, "known", layout), SLEEP)
    (odd / "cgroup.procs").write_text(str(pid))
    cgroups.remove_all(settings)
    assert os.WIFSIGNALED(children.wait(pid, timeout=5))
    assert not odd.exists()


def test_bad_container_id_is_refused(settings, layout):
    for bad in ("../escape", "a/b", "", ".hidden"):
        with pytest.raises(InvalidArgument):
            Cgroup(settings, bad, layout)


def test_priming_the_attach_leaves_this_process_where_it_was():
    """prime.py's move is a no-op move: same cgroups, and it ends without an error."""
    import threading
    from dockerlab.engine.cgroups.prime import prime_attach
    before = open("/proc/self/cgroup").read()
    prime_attach()
    for thread in threading.enumerate():
        if thread.name == "cgroup-prime":
            thread.join(5)
            assert not thread.is_alive()
    assert open("/proc/self/cgroup").read() == before
