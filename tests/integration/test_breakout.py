"""Breakout attempts from inside a container, on the real kernel.

Every probe runs inside a container started by the Engine (busybox image,
default options): a small static C program, bind-mounted read-only at
/probe, makes one system call and prints the errno name. Each attempt must
fail with the errno Docker gives; the same probes in a `--privileged`
container reach the kernel, which shows the probe itself can succeed.
Probes are harmless even when they succeed: invalid clock values, a bad
reboot magic number, a NULL module, read-only opens.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.root

PROBE_C = r"""#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static const char *name(int e) {
    static char buf[16];
    switch (e) {
    case 0: return "OK"; case EPERM: return "EPERM"; case EACCES: return "EACCES";
    case EROFS: return "EROFS"; case ENOENT: return "ENOENT"; case ESRCH: return "ESRCH";
    case EFAULT: return "EFAULT"; case EINVAL: return "EINVAL"; case EBADF: return "EBADF";
    case ENOSYS: return "ENOSYS"; case EBUSY: return "EBUSY"; case ENODEV: return "ENODEV";
    case ENXIO: return "ENXIO"; case EEXIST: return "EEXIST"; case ENOTDIR: return "ENOTDIR";
    case ECONNREFUSED: return "ECONNREFUSED"; case ETIMEDOUT: return "ETIMEDOUT";
    case EINPROGRESS: return "ETIMEDOUT"; case EHOSTUNREACH: return "EHOSTUNREACH";
    case ENETUNREACH: return "ENETUNREACH";
    }
    snprintf(buf, sizeof buf, "E%d", e);
    return buf;
}

static int r(long rc) { return rc < 0 ? errno : 0; }

int main(int argc, char **argv) {
    const char *p = argc > 1 ? argv[1] : "";
    int e = -1;
    if (!strcmp(p, "init_module")) e = r(syscall(SYS_init_module, "", 0L, ""));
    else if (!strcmp(p, "finit_module")) e = r(syscall(SYS_finit_module, -1, "", 0));
    else if (!strcmp(p, "delete_module")) e = r(syscall(SYS_delete_module, "dlab_none", O_NONBLOCK));
    else if (!strcmp(p, "reboot")) e = r(syscall(SYS_reboot, 0xfee1dead, 0x12345678, 0, 0));
    else if (!strcmp(p, "clock_settime")) {       /* raw syscall: libc checks the value */
        struct timespec ts = {0, -1};             /* invalid: the kernel never sets it */
        e = r(syscall(SYS_clock_settime, CLOCK_REALTIME, &ts));
    } else if (!strcmp(p, "settimeofday")) {
        struct timeval tv = {0, -1};
        e = r(syscall(SYS_settimeofday, &tv, NULL));
    } else if (!strcmp(p, "connect") && argc > 3) {   /* IPV4 PORT */
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[3]))};
        inet_pton(AF_INET, argv[2], &a.sin_addr);
        int s = socket(AF_INET, SOCK_STREAM, 0);
        struct timeval tv = {3, 0};
        setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        e = r(connect(s, (struct sockaddr *)&a, sizeof a));
    } else if (!strcmp(p, "unshare_user")) e = r(unshare(CLONE_NEWUSER));
    else if (!strcmp(p, "unshare_mnt")) e = r(unshare(CLONE_NEWNS));
    else if (!strcmp(p, "keyctl")) e = r(syscall(SYS_keyctl, 0, -3, 0));
    else if (!strcmp(p, "add_key")) e = r(syscall(SYS_add_key, "user", "dlab", "x", 1, -3));
    else if (!strcmp(p, "bpf")) e = r(syscall(SYS_bpf, 0, NULL, 0));
    else if (!strcmp(p, "perf_event_open")) e = r(syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0));
    else if (!strcmp(p, "open_by_handle_at")) e = r(syscall(SYS_open_by_handle_at, -1, NULL, 0));
    else if (!strcmp(p, "kexec_load")) e = r(syscall(SYS_kexec_load, 0, 0, NULL, 0));
    else if (!strcmp(p, "iopl")) e = r(syscall(SYS_iopl, 0));
    else if (!strcmp(p, "swapon")) e = r(syscall(SYS_swapon, "/dlab-none", 0));
    else if (!strcmp(p, "acct")) e = r(syscall(SYS_acct, NULL));
    else if (!strcmp(p, "ptrace") && argc > 2) e = r(ptrace(PTRACE_ATTACH, atoi(argv[2]), 0, 0));
    else if (!strcmp(p, "kill0") && argc > 2) e = r(kill(atoi(argv[2]), 0));
    else if (!strcmp(p, "open") && argc > 2) {
        int fd = open(argv[2], argc > 3 && argv[3][0] == 'w' ? O_WRONLY : O_RDONLY);
        e = fd < 0 ? errno : 0;
    } else if (!strcmp(p, "write") && argc > 2) {
        int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
        e = fd < 0 ? errno : r(write(fd, "dlab\n", 5));
    } else if (!strcmp(p, "mknod_open") && argc > 5) {    /* PATH b|c MAJOR MINOR */
        mode_t kind = argv[3][0] == 'b' ? S_IFBLK : S_IFCHR;
        unlink(argv[2]);
        int m = r(mknod(argv[2], kind | 0600, makedev(atoi(argv[4]), atoi(argv[5]))));
        printf("mknod:%s ", name(m));
        int fd = open(argv[2], O_RDONLY);
        e = fd < 0 ? errno : 0;
    } else if (!strcmp(p, "mount") && argc > 4) {       /* SOURCE TARGET FSTYPE */
        mkdir(argv[3], 0755);
        e = r(mount(argv[2], argv[3], argv[4], MS_RDONLY, NULL));
    } else if (!strcmp(p, "remount_rw") && argc > 2) {
        e = r(mount(NULL, argv[2], NULL, MS_REMOUNT | MS_BIND, NULL));
    } else if (!strcmp(p, "chroot_escape") && argc > 2) {   /* HOST_ONLY_PATH */
        mkdir("/tmp/jail", 0755);
        int c = r(chroot("/tmp/jail"));
        for (int i = 0; i < 64; i++) chdir("..");
        int c2 = r(chroot("."));
        printf("chroot:%s chroot2:%s ", name(c), name(c2));
        e = r(access(argv[2], F_OK));
    }
    if (e < 0) { printf("usage\n"); return 2; }
    printf("%s\n", name(e));
    return 0;
}
"""


@pytest.fixture(scope="module")
def probe_dir(tmp_path_factory) -> Path:
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("gcc is needed to build the static probe")
    d = tmp_path_factory.mktemp("probe")
    (d / "probe.c").write_text(PROBE_C)
    res = subprocess.run([gcc, "-static", "-O", "-o", str(d / "probe"), str(d / "probe.c")],
                         capture_output=True, text=True)
    if res.returncode != 0:
        pytest.skip(f"cannot build a static binary here: {res.stderr[-300:]}")
    (d / "probe.c").unlink()
    return d


@pytest.fixture(scope="module")
def lab(probe_dir):
    """One state root, a default and a privileged container for the whole module."""
    from dockerlab.engine.engine import Engine
    from dockerlab.engine.images import catalog
    from dockerlab.engine.reset import reset
    from dockerlab.engine.settings import Settings
    import random

    tmp = Path(tempfile.mkdtemp(prefix="dlabtest-"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DOCKERLAB_ROOT", str(tmp))
        settings = Settings.load(tmp)
        settings.subnet = f"10.{random.randint(200, 250)}.{random.randint(0, 255)}.0/24"
        settings.save()
        try:
            engine = Engine(settings)
            catalog.prepare(engine.images, "busybox")
            shared = tmp / "shared"
            (shared / "ro").mkdir(parents=True)
            (shared / "rw").mkdir()
            binds = [f"{probe_dir}:/probe:ro", f"{shared / 'ro'}:/ro:ro", f"{shared / 'rw'}:/rw"]
            default = _start(engine, {"Binds": binds}, "default")
            privileged = _start(engine, {"Binds": [f"{probe_dir}:/probe:ro"], "Privileged": True},
                                "privileged")
            yield {"engine": engine, "settings": settings, "default": default,
                   "privileged": privileged, "shared": shared}
        finally:
            reset(settings)


def _start(engine, hc: dict, name: str) -> str:
    cid = engine.create({"Image": "busybox", "Cmd": ["sleep", "600"], "HostConfig": hc},
                        name=name)["Id"]
    engine.start(cid)
    return cid


def run_in(lab, which: str, *argv: str) -> str:
    code, out = lab["engine"].exec_run(lab[which], list(argv))
    return out.decode().strip()


def probe(lab, which: str, *args: str) -> str:
    return run_in(lab, which, "/probe/probe", *args)


def root_device() -> tuple[int, int]:
    return os.major(os.stat("/").st_dev), os.minor(os.stat("/").st_dev)


# --- system calls the default profile and capability set refuse --------------------------

SYSCALLS = ["init_module", "finit_module", "delete_module", "reboot", "clock_settime",
            "settimeofday", "unshare_user", "unshare_mnt", "keyctl", "add_key", "bpf",
            "perf_event_open", "open_by_handle_at", "kexec_load", "iopl", "swapon", "acct"]


@pytest.mark.parametrize("call", SYSCALLS)
def test_dangerous_syscall_is_refused(lab, call):
    assert probe(lab, "default", call) == "EPERM"


@pytest.mark.parametrize("call", ["reboot", "clock_settime", "unshare_user", "keyctl", "bpf",
                                  "perf_event_open", "open_by_handle_at", "init_module"])
def test_privileged_lets_the_same_syscall_reach_the_kernel(lab, call):
    assert probe(lab, "privileged", call) != "EPERM"


def test_busybox_reboot_date_insmod_fail(lab):
    out = run_in(lab, "default", "sh", "-c",
                 "reboot -f; echo rc=$?; date -s '2001-01-01 00:00' 2>&1; "
                 "echo garbage > /tmp/x.ko; insmod /tmp/x.ko 2>&1; echo rc=$?")
    assert "can't set date: Operation not permitted" in out
    assert "insmod: can't insert '/tmp/x.ko': Operation not permitted" in out
    assert time.gmtime().tm_year > 2020
    assert probe(lab, "default", "kill0", "1") == "OK"          # the container is still there


# --- disks, devices, mounts --------------------------------------------------------------

def test_host_disk_cannot_be_opened_or_mounted(lab):
    major, minor = root_device()
    assert probe(lab, "default", "mknod_open", "/tmp/disk", "b", str(major), str(minor)) \
        == "mknod:OK EPERM"
    assert probe(lab, "default", "mount", "/tmp/disk", "/mnt/host", "ext4") == "EPERM"


@pytest.mark.parametrize("node, major, minor", [("mem", 1, 1), ("kmem", 1, 2), ("port", 1, 4),
                                                ("kmsg", 1, 11)])
def test_raw_host_devices_cannot_be_opened(lab, node, major, minor):
    assert probe(lab, "default", "mknod_open", f"/tmp/{node}", "c", str(major), str(minor)) \
        == "mknod:OK EPERM"
    assert probe(lab, "default", "open", f"/dev/{node}") == "ENOENT"   # not in /dev either


def _openable_block_device() -> tuple[int, int] | None:
    for name in ("loop0", "zram0", "loop1"):
        try:
            fd = os.open(f"/dev/{name}", os.O_RDONLY)
        except OSError:
            continue
        rdev = os.fstat(fd).st_rdev
        os.close(fd)
        return os.major(rdev), os.minor(rdev)
    return None


def test_privileged_can_open_devices_the_default_cannot(lab):
    assert probe(lab, "privileged", "mknod_open", "/tmp/kmsg", "c", "1", "11") == "mknod:OK OK"
    dev = _openable_block_device()
    if dev is not None:
        args = ("/tmp/blk", "b", str(dev[0]), str(dev[1]))
        assert probe(lab, "default", "mknod_open", *args) == "mknod:OK EPERM"
        assert probe(lab, "privileged", "mknod_open", *args) == "mknod:OK OK"


def test_proc_cannot_be_mounted_again_nor_made_writable(lab):
    assert probe(lab, "default", "mount", "proc", "/tmp/p", "proc") == "EPERM"
    assert probe(lab, "default", "remount_rw", "/proc/sys") == "EPERM"
    assert probe(lab, "privileged", "mount", "proc", "/tmp/p", "proc") == "OK"


def test_proc_sys_and_sys_are_read_only(lab):
    assert probe(lab, "default", "open", "/proc/sys/kernel/domainname", "w") == "EROFS"
    assert probe(lab, "default", "open", "/sys/kernel/mm/transparent_hugepage/enabled", "w") \
        in ("EROFS", "ENOENT")
    out = run_in(lab, "default", "sh", "-c", "grep -E ' /sys | /proc/sys ' /proc/mounts")
    assert all(" ro," in line for line in out.splitlines()) and len(out.splitlines()) == 2
    # uts-namespaced knob: harmless to open for writing where it is allowed
    assert probe(lab, "privileged", "open", "/proc/sys/kernel/domainname", "w") == "OK"


def test_masked_proc_files_show_nothing(lab):
    out = run_in(lab, "default", "sh", "-c",
                 "cat /proc/keys /proc/timer_list /proc/sched_debug 2>/dev/null | wc -c; "
                 "ls /sys/firmware | wc -l")
    assert out.split() == ["0", "0"]


# --- escaping the root -------------------------------------------------------------------

def test_double_chroot_stays_in_the_container(lab):
    host_only = str(lab["settings"].root)        # exists on the host, not in the container
    assert os.path.exists(host_only)
    assert probe(lab, "default", "chroot_escape", host_only) == "chroot:OK chroot2:OK ENOENT"


def test_writes_stay_in_the_container_or_its_bind_mounts(lab):
    shared = lab["shared"]
    assert probe(lab, "default", "write", "/dlab-owned") == "OK"
    assert not Path("/dlab-owned").exists()
    assert probe(lab, "default", "write", "/ro/file") == "EROFS"
    assert not (shared / "ro" / "file").exists()
    assert probe(lab, "default", "write", "/rw/../dlab-escape") == "OK"
    assert not (shared / "dlab-escape").exists()
    assert probe(lab, "default", "write", "/rw/inside") == "OK"
    assert (shared / "rw" / "inside").read_text() == "dlab\n"
    run_in(lab, "default", "ln", "-s", "/", "/rw/rootlink")
    assert probe(lab, "default", "write", "/rw/rootlink/dlab-through-link") == "OK"
    assert not Path("/dlab-through-link").exists()


# --- processes ---------------------------------------------------------------------------

def test_ps_shows_only_the_container(lab):
    out = run_in(lab, "default", "ps", "-o", "pid,comm")
    rows = [line.split() for line in out.splitlines()[1:]]
    assert {comm for _, comm in rows} <= {"sleep", "ps"}
    assert all(int(pid) < 100 for pid, _ in rows)
    assert str(os.getpid()) not in {pid for pid, _ in rows}


def test_the_shim_cannot_be_signalled_or_traced(lab):
    shim = lab["engine"].containers.state(lab["default"]).read()["ShimPid"]
    assert shim and os.path.exists(f"/proc/{shim}")
    assert probe(lab, "default", "kill0", str(shim)) == "ESRCH"
    assert probe(lab, "default", "ptrace", str(shim)) in ("ESRCH", "EPERM")
    assert probe(lab, "default", "open", f"/proc/{shim}/environ") == "ENOENT"


# --- network -----------------------------------------------------------------------------

def _listener(host: str) -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, 0))
    s.listen(4)
    return s


def test_host_loopback_services_are_not_reachable(lab):
    gateway = lab["engine"].inspect_container(lab["default"])["NetworkSettings"]["Gateway"]
    assert gateway
    with _listener("127.0.0.1") as host_lo:
        port = str(host_lo.getsockname()[1])
        assert probe(lab, "default", "connect", "127.0.0.1", port) == "ECONNREFUSED"
        assert probe(lab, "default", "connect", gateway, port) == "ECONNREFUSED"
    # a service bound to the gateway itself is reachable, as with Docker's docker0:
    # this shows the probe does detect an open port
    with _listener(gateway) as on_bridge:
        port = str(on_bridge.getsockname()[1])
        assert probe(lab, "default", "connect", gateway, port) == "OK"


def test_unpublished_container_port_is_not_on_the_host(lab):
    with _listener("127.0.0.1") as free:
        port = free.getsockname()[1]
    engine = lab["engine"]
    ip = engine.inspect_container(lab["default"])["NetworkSettings"]["IPAddress"]
    engine.exec_run(lab["default"], ["sh", "-c", f"nc -ll -p {port} -e true </dev/null >/dev/null 2>&1 &"])
    deadline = time.monotonic() + 5
    reachable = False
    while not reachable and time.monotonic() < deadline:
        with socket.socket() as s:
            reachable = s.connect_ex((ip, port)) == 0       # the listener is up in the container
        time.sleep(0.05)
    assert reachable
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0       # but nothing forwards it on the host


# --- options that open the doors on purpose ---------------------------------------------

def _run_once(lab, hc: dict, argv: list[str]) -> str:
    engine = lab["engine"]
    cid = engine.create({"Image": "busybox", "Cmd": ["sleep", "600"],
                         "HostConfig": {"Binds": [f"{lab['probe']}:/probe:ro"], **hc}})["Id"]
    try:
        engine.start(cid)
        return engine.exec_run(cid, argv)[1].decode().strip()
    finally:
        engine.remove(cid, force=True)


@pytest.fixture(scope="module")
def lab_probe(lab, probe_dir):
    lab["probe"] = probe_dir
    return lab


def test_device_flag_gives_one_node_and_its_cgroup_rule(lab_probe):
    if not os.path.exists("/dev/loop-control"):
        pytest.skip("no /dev/loop-control on this host")
    assert probe(lab_probe, "default", "mknod_open", "/tmp/lc", "c", "10", "237") == "mknod:OK EPERM"
    out = _run_once(lab_probe, {"Devices": [{"PathOnHost": "/dev/loop-control",
                                             "PathInContainer": "/dev/lc",
                                             "CgroupPermissions": "rwm"}]},
                    ["/probe/probe", "open", "/dev/lc"])
    assert out == "OK"


def test_privileged_dev_has_the_host_nodes(lab):
    assert probe(lab, "privileged", "open", "/dev/kmsg") == "OK"
    assert probe(lab, "default", "open", "/dev/kmsg") == "ENOENT"


def test_read_only_rootfs_and_systempaths_unconfined(lab_probe):
    out = _run_once(lab_probe, {"ReadonlyRootfs": True}, ["/probe/probe", "write", "/x"])
    assert out == "EROFS"
    out = _run_once(lab_probe, {"MaskedPaths": [], "ReadonlyPaths": []},
                    ["/probe/probe", "open", "/proc/sys/kernel/domainname", "w"])
    assert out == "OK"                # uts-namespaced knob, no longer frozen


def test_fork_bomb_stops_at_the_default_pids_limit(lab):
    from dockerlab.engine import cgroups
    from dockerlab.engine.startplan import DEFAULT_PIDS_LIMIT
    engine = lab["engine"]
    cid = engine.create({"Image": "busybox", "Cmd": ["sleep", "600"], "HostConfig": {}})["Id"]
    try:
        engine.start(cid)
        engine.exec_run(cid, ["sh", "-c", "exec >/dev/null 2>&1 </dev/null; "
                              "for i in $(seq 1200); do sleep 60 & done"])
        count = len(cgroups.Cgroup(lab["settings"], cid).procs())
        assert DEFAULT_PIDS_LIMIT - 50 < count <= DEFAULT_PIDS_LIMIT
        assert probe(lab, "default", "kill0", "1") == "OK"    # other containers unaffected
    finally:
        engine.remove(cid, force=True)
