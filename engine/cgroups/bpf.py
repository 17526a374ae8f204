"""The bpf(2) calls the v2 device filter needs: load a program, attach it to a cgroup.

Python has no binding for bpf(2) and a full eBPF library would be a large
dependency for two calls, so the attribute structs are packed by hand
(layouts from include/uapi/linux/bpf.h, stable kernel ABI).
"""
from __future__ import annotations

import ctypes

import errno
import os
import resource
import struct

_libc = ctypes.CDLL("libc.so.6", use_errno=True)  # find_library would run ldconfig
_libc.syscall.restype = ctypes.c_long
_SYS_BPF = {"x86_64": 321, "aarch64": 280}.get(os.uname().machine, 321)

BPF_PROG_LOAD = 5
BPF_PROG_ATTACH = 8
BPF_PROG_TYPE_CGROUP_DEVICE = 15
BPF_CGROUP_DEVICE = 6
BPF_F_ALLOW_MULTI = 2


def _bpf(cmd: int, attr: bytes) -> int:
    buf = ctypes.create_string_buffer(attr, len(attr))
    ret = _libc.syscall(ctypes.c_long(_SYS_BPF), ctypes.c_int(cmd), buf,
                        ctypes.c_uint(len(attr)))
    if ret < 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return int(ret)


def _load_attr(prog_type: int, insns: ctypes.Array, license_: ctypes.Array,
               log: ctypes.Array | None, name: bytes) -> bytes:
    # prog_type, insn_cnt, insns, license, log_level, log_size, log_buf,
    # kern_version, prog_flags, prog_name[16]
    return struct.pack("<IIQQIIQII16s", prog_type, len(insns) // 8, ctypes.addressof(insns),
                       ctypes.addressof(license_), 1 if log is not None else 0,
                       len(log) if log is not None else 0,
                       ctypes.addressof(log) if log is not None else 0, 0, 0, name[:15])


def prog_load(prog_type: int, program: bytes, name: bytes = b"") -> int:
    """Load `program` (packed struct bpf_insn) and return its fd (close-on-exec)."""
    insns = ctypes.create_string_buffer(program, len(program))
    license_ = ctypes.create_string_buffer(b"Apache-2.0")
    attr = _load_attr(prog_type, insns, license_, None, name)
    try:
        return _bpf(BPF_PROG_LOAD, attr)
    except OSError as err:
        if err.errno == errno.EPERM:
            # kernels before 5.11 charge BPF memory to RLIMIT_MEMLOCK
            resource.setrlimit(resource.RLIMIT_MEMLOCK,
                               (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
            return _bpf(BPF_PROG_LOAD, attr)
        if err.errno != errno.EACCES and err.errno != errno.EINVAL:
            raise
    log = ctypes.create_string_buffer(65536)    # reload only to get the verifier's reason
    try:
        return _bpf(BPF_PROG_LOAD, _load_attr(prog_type, insns, license_, log, name))
    except OSError as err:
        text = log.value.decode(errors="replace").strip()
        raise OSError(err.errno, f"{err.strerror}: {text}") from None


def prog_attach(target_fd: int, prog_fd: int, attach_type: int, flags: int) -> None:
    """Attach a loaded program to the cgroup open at `target_fd`."""
    _bpf(BPF_PROG_ATTACH, struct.pack("<IIIII", target_fd, prog_fd, attach_type, flags, 0))
