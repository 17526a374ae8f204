"""Compiled seccomp programs, kept so a container start does not recompile one.

libseccomp turns Docker's profile (about 350 rules) into a ~1000-instruction
BPF program; doing that twice per start (build, then again inside
seccomp_load) cost ~15 ms. The program depends only on the resolved rules and
the machine, so it is exported once with seccomp_export_bpf, kept in memory
and in a cache directory (one file per key, written atomically), and loaded
with prctl(PR_SET_SECCOMP) — exactly the program libseccomp would have loaded.
"""
from __future__ import annotations

import ctypes
import os
from pathlib import Path

from ..digest import sha256

PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
_INSN = 8            # sizeof(struct sock_filter)
_MAX_INSNS = 4096    # BPF_MAXINSNS

_memory: dict[str, bytes] = {}
cache_dir: Path | None = None   # set by the shim from the state root


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def key_for(program) -> str:
    """A digest of everything the compiled program depends on."""
    text = f"{os.uname().machine}\n{program!r}"
    return sha256(text.encode()).hexdigest()


def compiled(program, build) -> bytes:
    """The BPF bytes for `program`; `build(program)` makes a libseccomp filter on a miss."""
    key = key_for(program)
    if key in _memory:
        return _memory[key]
    code = _read(key)
    if code is None:
        code = _export(build(program))
        _write(key, code)
    _memory[key] = code
    return code


def load(code: bytes) -> None:
    """Install the program on this thread (needs no_new_privs or CAP_SYS_ADMIN)."""
    buf = ctypes.create_string_buffer(code, len(code))
    prog = _SockFprog(len(code) // _INSN, ctypes.addressof(buf))
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"loading the seccomp filter: {os.strerror(err)}")


def _valid(code: bytes) -> bool:
    return 0 < len(code) <= _MAX_INSNS * _INSN and len(code) % _INSN == 0


def _export(filt) -> bytes:
    with os.fdopen(os.memfd_create("seccomp-bpf", os.MFD_CLOEXEC), "w+b") as f:  # no /tmp after pivot_root
        filt.export_bpf(f)
        f.seek(0)
        return f.read()


def _read(key: str) -> bytes | None:
    if cache_dir is None:
        return None
    try:
        code = (cache_dir / f"{key}.bpf").read_bytes()
    except OSError:
        return None
    return code if _valid(code) else None


def _write(key: str, code: bytes) -> None:
    if cache_dir is None or not _valid(code) or not cache_dir.parent.parent.is_dir():
        return          # no state root (any more): never make one again after a reset
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = cache_dir / f".{key}.{os.getpid()}"
        tmp.write_bytes(code)
        os.replace(tmp, cache_dir / f"{key}.bpf")
    except OSError:
        pass   # a cache that cannot be written only costs time
