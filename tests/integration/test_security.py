"""Containment on the real kernel: capabilities, no_new_privs, seccomp, masked paths.

Each test forks a child that makes its own namespaces, applies the security
functions the way the runtime does, probes the kernel and reports through a
pipe; everything it made (mount namespace, mounts, netns, uts) dies with it.
Probes are chosen so that a broken filter cannot harm the host: reboot with a
bad magic number, clock calls with invalid values, modules from NULL/-1...
"""
from __future__ import annotations

import ctypes
import errno
import json
import os
import select
import signal
import stat
import subprocess
import time
import traceback
from pathlib import Path

import pyseccomp
import pytest

import dockerlab.engine.security.seccomp_filter  # noqa: F401 - loaded before any chroot, as the shim's preload does
from dockerlab.engine.runtime import libc
from dockerlab.engine.security import (DEFAULT_CAPS, SecurityOptions, apply_seccomp,
                                       drop_privileges, prepare_seccomp, protect_paths)
from dockerlab.engine.security import kernelcaps
from dockerlab.engine.security.capabilities import available, mask_of, names_of
from dockerlab.engine.security.paths import default_masked_paths

pytestmark = pytest.mark.root

_libc = ctypes.CDLL(None, use_errno=True)
DOCKER_DEFAULT_MASK = 0xA80425FB   # `docker run alpine grep CapBnd /proc/self/status`


# --- running code in a child ------------------------------------------------

def in_child(body, timeout: float = 30):
    """Run `body()` in a forked child and return its JSON-able result.

    The child never returns into pytest: it reports (result or traceback)
    through a pipe and leaves with os._exit.
    """
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(rfd)
        try:
            report = {"value": body()}
        except BaseException:  # noqa: BLE001 - everything goes back to the parent
            report = {"error": traceback.format_exc()}
        try:
            data = json.dumps(report).encode()
            while data:
                data = data[os.write(wfd, data):]
        finally:
            os._exit(0)
    os.close(wfd)
    raw = _read_all(rfd, pid, timeout)
    report = json.loads(raw) if raw else {"error": "child died without a report"}
    if "error" in report:
        pytest.fail(f"child failed:\n{report['error']}")
    return report["value"]


def exec_in_child(setup, argv: list[str], timeout: float = 30) -> tuple[int, str]:
    """Fork, run `setup()`, execve `argv` with stdout to a pipe; (exit status, output)."""
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(rfd)
            setup()
            os.dup2(wfd, 1)
            os.execv(argv[0], argv)
        except BaseException:  # noqa: BLE001
            os.write(wfd, traceback.format_exc().encode())
        os._exit(99)
    os.close(wfd)
    out = _read_all(rfd, pid, timeout, keep_status=True)
    return out


def _read_all(rfd: int, pid: int, timeout: float, keep_status: bool = False):
    chunks, deadline = [], time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([rfd], [], [], left)[0]:
                os.kill(pid, signal.SIGKILL)
                raise AssertionError("child timed out")
            chunk = os.read(rfd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(rfd)
        _, status = os.waitpid(pid, 0)
    text = b"".join(chunks).decode()
    return (os.waitstatus_to_exitcode(status), text) if keep_status else text


# --- what the children do ---------------------------------------------------

def private_mounts() -> None:
    """Own mount/uts/ipc/net namespaces, nothing propagating back to the host."""
    libc.unshare(libc.CLONE_NEWNS | libc.CLONE_NEWUTS | libc.CLONE_NEWIPC | libc.CLONE_NEWNET)
    libc.mount(None, "/", None, libc.MS_REC | libc.MS_PRIVATE)


def contain(opts: SecurityOptions, uid: int = 0, gid: int = 0) -> None:
    """The runtime's last steps: privileges, then seccomp."""
    drop_privileges(opts, uid, gid, [gid])
    apply_seccomp(opts)


def sysno(name: str) -> int:
    return pyseccomp.resolve_syscall(pyseccomp.Arch.NATIVE, name)


def syscall_errno(name: str, *args) -> int:
    """Call a syscall directly; 0 on success, else the errno (names, not numbers, in asserts)."""
    cargs = [ctypes.c_long(a) if isinstance(a, int) else a for a in args]
    if _libc.syscall(ctypes.c_long(sysno(name)), *cargs) < 0:
        return ctypes.get_errno()
    return 0


class Timezone(ctypes.Structure):
    _fields_ = [("minuteswest", ctypes.c_int), ("dsttime", ctypes.c_int)]


class Timespec(ctypes.Structure):
    _fields_ = [("sec", ctypes.c_long), ("nsec", ctypes.c_long)]


def ename(code: int) -> str:
    return errno.errorcode.get(code, "OK") if code else "OK"


def probe_dangerous_calls(scratch: str) -> dict[str, str]:
    """Calls Docker's default set must refuse; each is harmless if it got through."""
    os.makedirs(scratch, exist_ok=True)
    results = {}

    def attempt(key, fn):
        try:
            fn()
            results[key] = "OK"
        except OSError as err:
            results[key] = ename(err.errno)

    attempt("mount", lambda: libc.mount("tmpfs", scratch, "tmpfs"))
    results["reboot"] = ename(syscall_errno("reboot", 0, 0, 0, None))   # bad magic
    results["init_module"] = ename(syscall_errno("init_module", None, 0, ctypes.c_char_p(b"")))
    results["finit_module"] = ename(syscall_errno("finit_module", -1, ctypes.c_char_p(b""), 0))
    results["settimeofday"] = ename(
        syscall_errno("settimeofday", None, ctypes.byref(Timezone(100000, 0))))
    results["clock_settime"] = ename(
        syscall_errno("clock_settime", 0, ctypes.byref(Timespec(0, -1))))
    results["keyctl"] = ename(syscall_errno("keyctl", 0, -3, 0))   # GET_KEYRING_ID, session
    results["open_by_handle_at"] = ename(syscall_errno("open_by_handle_at", -1, None, 0))
    results["bpf"] = ename(syscall_errno("bpf", 0, None, 0))
    results["personality_set"] = ename(syscall_errno("personality", 0x0040000))
    results["clone_newnet"] = ename(_clone_and_reap(libc.CLONE_NEWNET))
    attempt("unshare_mnt", lambda: libc.unshare(libc.CLONE_NEWNS))
    attempt("unshare_user", lambda: libc.unshare(libc.CLONE_NEWUSER))   # last: it changes us
    return results


def _clone_and_reap(flags: int) -> int:
    """Raw clone(flags|SIGCHLD); a child that gets created leaves at once."""
    nr = _libc.syscall(ctypes.c_long(sysno("clone")), ctypes.c_long(flags | signal.SIGCHLD),
                       None, None, None, None)
    if nr < 0:
        return ctypes.get_errno()
    if nr == 0:
        os._exit(0)
    os.waitpid(nr, 0)
    return 0


def status_caps() -> dict[str, str]:
    masks = kernelcaps.status_masks()
    with open("/proc/self/status") as f:
        extra = {k: v.strip() for k, v in (line.split(":", 1) for line in f)
                 if k in ("NoNewPrivs", "Seccomp")}
    return {**{k: hex(v) for k, v in masks.items()}, **extra}


# --- capabilities -------------------------------------------------------------

def test_root_gets_exactly_dockers_default_set_after_exec():
    code, out = exec_in_child(lambda: (private_mounts(), contain(SecurityOptions())),
                              ["/bin/busybox", "grep", "-E", "^(Cap|NoNewPrivs|Seccomp:)",
                               "/proc/self/status"])
    assert code == 0, out
    fields = dict(line.split(":\t") for line in out.splitlines())
    assert mask_of(DEFAULT_CAPS) == DOCKER_DEFAULT_MASK
    for key in ("CapPrm", "CapEff", "CapBnd"):
        assert int(fields[key], 16) == DOCKER_DEFAULT_MASK, (key, out)
    assert int(fields["CapInh"], 16) == 0 and int(fields["CapAmb"], 16) == 0
    assert fields["Seccomp"] == "2" and fields["NoNewPrivs"] == "0"


def test_sys_admin_is_held_only_until_the_filter_is_loaded():
    def body():
        private_mounts()
        opts = SecurityOptions()
        drop_privileges(opts, 0, 0, [0])
        before = status_caps()
        apply_seccomp(opts)
        return before, status_caps()

    before, after = in_child(body)
    admin = mask_of(["CAP_SYS_ADMIN"])
    assert int(before["CapEff"], 16) == DOCKER_DEFAULT_MASK | admin
    assert int(before["CapBnd"], 16) == DOCKER_DEFAULT_MASK
    assert int(after["CapEff"], 16) == DOCKER_DEFAULT_MASK
    assert int(after["CapPrm"], 16) == DOCKER_DEFAULT_MASK


def test_non_root_user_has_no_effective_caps_and_cannot_become_root():
    def body():
        private_mounts()
        contain(SecurityOptions(), uid=65534, gid=65534)
        caps = status_caps()
        try:
            os.setuid(0)
            caps["setuid0"] = "OK"
        except OSError as err:
            caps["setuid0"] = ename(err.errno)
        caps["ids"] = [os.getresuid(), os.getresgid(), os.getgroups()]
        return caps

    caps = in_child(body)
    assert int(caps["CapEff"], 16) == 0 and int(caps["CapPrm"], 16) == 0
    assert int(caps["CapInh"], 16) == 0 and int(caps["CapAmb"], 16) == 0
    assert int(caps["CapBnd"], 16) == DOCKER_DEFAULT_MASK
    assert caps["setuid0"] == "EPERM"
    assert caps["ids"] == [[65534] * 3, [65534] * 3, [65534]]


def test_non_root_user_keeps_empty_sets_after_exec():
    code, out = exec_in_child(lambda: (private_mounts(), contain(SecurityOptions(), 1000, 1000)),
                              ["/bin/busybox", "grep", "^Cap", "/proc/self/status"])
    assert code == 0, out
    fields = dict(line.split(":\t") for line in out.splitlines())
    assert int(fields["CapEff"], 16) == 0 and int(fields["CapPrm"], 16) == 0
    assert int(fields["CapBnd"], 16) == DOCKER_DEFAULT_MASK


def test_cap_drop_and_cap_add_change_the_kernel_sets():
    opts = SecurityOptions(cap_drop=["net_raw", "CAP_CHOWN"], cap_add=["NET_ADMIN"])

    def body():
        private_mounts()
        contain(opts)
        return names_of(int(status_caps()["CapEff"], 16))

    effective = in_child(body)
    assert "CAP_NET_ADMIN" in effective
    assert "CAP_NET_RAW" not in effective and "CAP_CHOWN" not in effective
    assert set(effective) == (set(DEFAULT_CAPS) - {"CAP_NET_RAW", "CAP_CHOWN"}) | {"CAP_NET_ADMIN"}


def test_no_new_privileges_is_set_only_when_asked():
    def body(opts):
        private_mounts()
        contain(opts)
        return status_caps()["NoNewPrivs"]

    assert in_child(lambda: body(SecurityOptions(no_new_privileges=True))) == "1"
    assert in_child(lambda: body(SecurityOptions())) == "0"


def test_privileged_keeps_every_available_cap_and_has_no_filter():
    def body():
        private_mounts()
        contain(SecurityOptions(privileged=True))
        return status_caps()

    caps = in_child(body)
    assert int(caps["CapEff"], 16) == mask_of(available())
    assert int(caps["CapBnd"], 16) == mask_of(available())
    assert caps["Seccomp"] == "0"


# --- seccomp and capability checks on dangerous calls ------------------------

@pytest.fixture
def scratch(tmp_path):
    path = tmp_path / "dlt-scratch"
    yield str(path)


def test_default_profile_refuses_the_dangerous_calls(scratch):
    def body():
        private_mounts()
        contain(SecurityOptions())
        return probe_dangerous_calls(scratch)

    results = in_child(body)
    denied = {k: "EPERM" for k in results}
    assert results == denied


def test_privileged_lets_the_same_calls_reach_the_kernel(scratch):
    """Control for the test above: without containment the kernel answers itself."""
    def body():
        private_mounts()
        contain(SecurityOptions(privileged=True))
        return probe_dangerous_calls(scratch)

    results = in_child(body)
    assert results["mount"] == "OK"            # inside the child's own mount namespace
    assert results["reboot"] == "EINVAL"       # passed the CAP_SYS_BOOT check, bad magic
    assert results["settimeofday"] == "EINVAL" and results["clock_settime"] == "EINVAL"
    assert results["unshare_user"] == "OK" and results["clone_newnet"] == "OK"
    assert results["personality_set"] == "OK" and results["open_by_handle_at"] != "EPERM"
    if not _modules_disabled():       # ENOSYS without module support, ENOEXEC/EBADF with
        assert results["init_module"] != "EPERM" and results["finit_module"] != "EPERM"


def _modules_disabled() -> bool:
    try:
        return Path("/proc/sys/kernel/modules_disabled").read_text().strip() == "1"
    except OSError:
        return False


def test_cap_add_sys_time_passes_the_permission_check():
    def body(opts):
        private_mounts()
        contain(opts)
        return [ename(syscall_errno("settimeofday", None, ctypes.byref(Timezone(100000, 0)))),
                ename(syscall_errno("clock_settime", 0, ctypes.byref(Timespec(0, -1))))]

    # The values are invalid: the clock is never changed, only the checks run.
    assert in_child(lambda: body(SecurityOptions(cap_add=["SYS_TIME"]))) == ["EINVAL", "EINVAL"]
    assert in_child(lambda: body(SecurityOptions())) == ["EPERM", "EPERM"]


def test_cap_add_sys_admin_allows_mount_like_docker(scratch):
    def body():
        private_mounts()
        contain(SecurityOptions(cap_add=["SYS_ADMIN"]))
        os.makedirs(scratch, exist_ok=True)
        libc.mount("tmpfs", scratch, "tmpfs")
        return os.path.ismount(scratch)

    assert in_child(body) is True


def test_clone3_says_enosys_and_plain_fork_still_works():
    def body():
        private_mounts()
        contain(SecurityOptions())
        pid = os.fork()
        if pid == 0:
            os._exit(7)
        _, status = os.waitpid(pid, 0)
        return [os.waitstatus_to_exitcode(status), ename(syscall_errno("clone3", None, 0))]

    assert in_child(body) == [7, "ENOSYS"]


def test_ptrace_of_a_more_privileged_process_is_refused():
    sleeper = subprocess.Popen(["/bin/busybox", "sleep", "60"])
    PTRACE_SEIZE = 0x4206   # attaches without stopping the tracee

    def body(opts):
        private_mounts()
        contain(opts)
        return ename(syscall_errno("ptrace", PTRACE_SEIZE, sleeper.pid, 0, 0))

    try:
        assert in_child(lambda: body(SecurityOptions())) == "EPERM"
        assert in_child(lambda: body(SecurityOptions(cap_add=["SYS_PTRACE"]))) == "OK"
    finally:
        sleeper.kill()
        sleeper.wait()


def test_mknod_follows_cap_mknod(tmp_path):
    """Docker keeps CAP_MKNOD: creating a block node works, dropping the cap stops it.

    Opening such a node is what the devices cgroup forbids (not tested here).
    """
    where = str(tmp_path / "dlt-dev")

    def body(opts):
        private_mounts()
        os.makedirs(where, exist_ok=True)
        libc.mount("tmpfs", where, "tmpfs")        # node lives and dies in our namespace
        contain(opts)
        try:
            os.mknod(f"{where}/blk", stat.S_IFBLK | 0o600, os.makedev(7, 250))
            return "OK"
        except OSError as err:
            return ename(err.errno)

    assert in_child(lambda: body(SecurityOptions())) == "OK"
    assert in_child(lambda: body(SecurityOptions(cap_drop=["MKNOD"]))) == "EPERM"


def test_execve_and_the_error_pipe_work_under_the_filter():
    def body():
        private_mounts()
        contain(SecurityOptions(), uid=1000, gid=1000)
        try:
            os.execv("/nonexistent/dlt-prog", ["x"])
        except OSError as err:
            return ename(err.errno)

    assert in_child(body) == "ENOENT"
    code, out = exec_in_child(lambda: (private_mounts(), contain(SecurityOptions())),
                              ["/bin/busybox", "echo", "still alive"])
    assert (code, out) == (0, "still alive\n")


def test_container_cannot_reach_the_host_binary_before_exec():
    """CVE-2019-5736 shape: until execve the child still runs the host's Python."""
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(ready_r)
            os.close(go_w)
            private_mounts()
            contain(SecurityOptions())
            os.write(ready_w, b"1")
            os.read(go_r, 1)           # wait, contained but not yet exec'd
        finally:
            os._exit(0)
    os.close(ready_w)
    os.close(go_r)

    def container_process():
        private_mounts()
        contain(SecurityOptions())
        out = {}
        for key, call in (("open", lambda: os.close(os.open(f"/proc/{pid}/exe", os.O_RDONLY))),
                          ("readlink", lambda: os.readlink(f"/proc/{pid}/exe"))):
            try:
                call()
                out[key] = "OK"
            except OSError as err:
                out[key] = ename(err.errno)
        return out

    try:
        assert select.select([ready_r], [], [], 30)[0] and os.read(ready_r, 1) == b"1"
        result = in_child(container_process)
    finally:
        os.close(go_w)
        os.close(ready_r)
        os.waitpid(pid, 0)
    assert result == {"open": "EACCES", "readlink": "EACCES"}


# --- custom and unconfined profiles -------------------------------------------

DENY_GETCWD = json.dumps({
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["getcwd"], "action": "SCMP_ACT_ERRNO", "errnoRet": errno.EACCES}],
})


def _getcwd_errno(opts: SecurityOptions) -> str:
    def body():
        private_mounts()
        contain(opts)
        try:
            os.getcwd()
            return [status_caps()["Seccomp"], "OK"]
        except OSError as err:
            return [status_caps()["Seccomp"], ename(err.errno)]
    return in_child(body)


def test_custom_profile_as_text_and_as_file(tmp_path):
    path = tmp_path / "dlt-profile.json"
    path.write_text(DENY_GETCWD)
    assert _getcwd_errno(SecurityOptions(seccomp=DENY_GETCWD)) == ["2", "EACCES"]
    assert _getcwd_errno(SecurityOptions(seccomp=str(path))) == ["2", "EACCES"]
    # Docker applies an explicit profile even to a privileged container.
    assert _getcwd_errno(SecurityOptions(privileged=True, seccomp=DENY_GETCWD)) == ["2", "EACCES"]
    assert _getcwd_errno(SecurityOptions(seccomp="unconfined")) == ["0", "OK"]


def test_prepared_filter_is_used_after_the_profile_file_is_gone(tmp_path):
    path = tmp_path / "dlt-profile.json"
    path.write_text(DENY_GETCWD)
    opts = SecurityOptions(seccomp=str(path))

    def body():
        private_mounts()
        prepare_seccomp(opts)
        path.unlink()
        contain(opts)
        try:
            os.getcwd()
            return "OK"
        except OSError as err:
            return ename(err.errno)

    assert in_child(body) == "EACCES"


# --- masked and read-only paths inside a pivot_root'ed container -------------

def enter_mini_rootfs(root: Path) -> None:
    """What the runtime does before our code: new root with /proc, /sys, /dev/null."""
    private_mounts()
    libc.mount("tmpfs", str(root), "tmpfs")
    for sub in ("proc", "sys", "dev", "tmp", "oldroot"):
        os.mkdir(root / sub)
    (root / "dlt-marker").write_text("container root")
    libc.mount("proc", str(root / "proc"), "proc", libc.MS_NOSUID | libc.MS_NODEV | libc.MS_NOEXEC)
    libc.mount("sysfs", str(root / "sys"), "sysfs",
               libc.MS_RDONLY | libc.MS_NOSUID | libc.MS_NODEV | libc.MS_NOEXEC)
    libc.mount("tmpfs", str(root / "dev"), "tmpfs", libc.MS_NOSUID)
    (root / "dev" / "null").touch()
    libc.mount("/dev/null", str(root / "dev" / "null"), None, libc.MS_BIND)
    libc.mount("tmpfs", str(root / "tmp"), "tmpfs")
    os.chdir(root)
    libc.pivot_root(".", "oldroot")
    os.chdir("/")
    libc.umount("/oldroot", libc.MNT_DETACH)
    os.rmdir("/oldroot")


@pytest.fixture
def rootdir(tmp_path):
    root = tmp_path / "dlt-root"
    root.mkdir()
    yield root
    assert not os.listdir(root), "the child's mounts leaked to the host"


def _describe(path: str) -> dict:
    st = os.stat(path)
    info = {"dir": stat.S_ISDIR(st.st_mode)}
    if info["dir"]:
        info["entries"] = os.listdir(path)
    else:
        info["chr_1_3"] = stat.S_ISCHR(st.st_mode) and st.st_rdev == os.makedev(1, 3)
        with open(path, "rb") as f:
            info["content"] = f.read(64).decode(errors="replace")
    info["readonly"] = bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    return info


def test_default_masks_and_readonly_paths(rootdir):
    def body():
        enter_mini_rootfs(rootdir)
        protect_paths(SecurityOptions())
        present = [p for p in default_masked_paths() if os.path.exists(p)]
        masks = {p: _describe(p) for p in present}
        ro = {p: bool(os.statvfs(p).f_flag & os.ST_RDONLY)
              for p in ("/proc/sys", "/proc/sysrq-trigger", "/proc/bus", "/proc/fs", "/proc/irq")
              if os.path.exists(p)}
        try:
            with open("/proc/sys/kernel/hostname", "w") as f:   # our own UTS namespace
                f.write("dlt-host")
            write = "OK"
        except OSError as err:
            write = ename(err.errno)
        return masks, ro, write, os.path.exists("/proc/self/status")

    masks, ro, write, proc_alive = in_child(body)
    assert any(not m["dir"] for m in masks.values()), "no masked file exists on this kernel"
    assert any(m["dir"] for m in masks.values()), "no masked directory exists on this kernel"
    for path, info in masks.items():
        if info["dir"]:
            assert info["entries"] == [] and info["readonly"], path
        else:
            assert info["chr_1_3"] and info["content"] == "", path
    if "/proc/kcore" in masks:
        assert masks["/proc/kcore"]["chr_1_3"]
    assert ro and all(ro.values()), ro
    assert write == "EROFS"
    assert proc_alive


def test_custom_masked_paths_and_read_only_rootfs(rootdir):
    def body():
        enter_mini_rootfs(rootdir)
        os.mkdir("/secretdir")
        Path("/secretdir/key").write_text("s3cret")
        Path("/secretfile").write_text("s3cret")
        protect_paths(SecurityOptions(masked_paths=["/secretdir", "/secretfile", "/missing"],
                                      readonly_paths=[], read_only_rootfs=True))
        out = {"dir": os.listdir("/secretdir"), "file": Path("/secretfile").read_text()}
        for key, path in (("root_write", "/newfile"), ("tmp_write", "/tmp/newfile")):
            try:
                Path(path).write_text("x")
                out[key] = "OK"
            except OSError as err:
                out[key] = ename(err.errno)
        out["proc_sys_ro"] = bool(os.statvfs("/proc/sys").f_flag & os.ST_RDONLY)
        out["keys"] = Path("/proc/keys").exists() and _describe("/proc/keys")["chr_1_3"]
        return out

    out = in_child(body)
    assert out["dir"] == [] and out["file"] == ""
    assert out["root_write"] == "EROFS"
    assert out["tmp_write"] == "OK"           # other mounts stay writable, as in Docker
    assert out["proc_sys_ro"] is False        # readonly_paths=[] replaced the defaults
    assert out["keys"] is False               # masked_paths replaced the defaults


def test_privileged_skips_masks(rootdir):
    def body():
        enter_mini_rootfs(rootdir)
        protect_paths(SecurityOptions(privileged=True))
        return {"proc_sys_ro": bool(os.statvfs("/proc/sys").f_flag & os.ST_RDONLY),
                "firmware": os.listdir("/sys/firmware") if os.path.isdir("/sys/firmware") else None}

    out = in_child(body)
    assert out["proc_sys_ro"] is False
    if out["firmware"] is not None:
        assert out["firmware"] != []


# --- chroot double escape ----------------------------------------------------

def _double_chroot_escape() -> dict:
    """The classic escape: chroot into a subdir, walk up past it, chroot there."""
    os.makedirs("/dlt-jail", exist_ok=True)
    os.chroot("/dlt-jail")
    for _ in range(64):
        os.chdir("..")
    os.chroot(".")
    return {"marker": os.path.exists("/dlt-marker"),
            "host_marker": os.path.exists("/dlt-host-marker")}


def test_double_chroot_cannot_leave_a_pivot_rooted_container(rootdir):
    def body(opts):
        enter_mini_rootfs(rootdir)
        protect_paths(opts)
        contain(opts)
        try:
            return _double_chroot_escape()
        except OSError as err:
            return ename(err.errno)

    assert in_child(lambda: body(SecurityOptions())) == {"marker": True, "host_marker": False}
    assert in_child(lambda: body(SecurityOptions(cap_drop=["SYS_CHROOT"]))) == "EPERM"


def test_double_chroot_escapes_a_plain_chroot(tmp_path):
    """Why the runtime must pivot_root: with chroot alone the same caps get out."""
    jail = tmp_path / "dlt-chroot"
    host_marker = tmp_path / "dlt-host-marker-src"
    jail.mkdir()
    host_marker.write_text("host")

    def body():
        private_mounts()
        (jail / "proc").mkdir()
        libc.mount("proc", str(jail / "proc"), "proc")
        os.chroot(str(jail))
        os.chdir("/")
        contain(SecurityOptions())
        _double_chroot_escape()
        return os.path.exists(str(host_marker))

    assert in_child(body) is True
