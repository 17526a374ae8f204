"""The compiled-seccomp cache: same program as libseccomp's, loaded for real, robust to junk."""
from __future__ import annotations

import ctypes
import os

import pytest

from dockerlab.engine.security import seccomp_bpf, seccomp_filter
from dockerlab.engine.security.capabilities import capability_names
from dockerlab.engine.security.options import SecurityOptions
from dockerlab.engine.security.seccomp_profile import program_for

pytestmark = pytest.mark.root


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setattr(seccomp_bpf, "cache_dir", tmp_path)
    monkeypatch.setattr(seccomp_bpf, "_memory", {})
    return tmp_path


def default_program():
    opts = SecurityOptions()
    return program_for(opts, capability_names(opts))


def test_cached_program_is_what_libseccomp_exports(cache):
    program = default_program()
    code = seccomp_bpf.compiled(program, seccomp_filter.build)
    files = list(cache.glob("*.bpf"))
    assert len(files) == 1 and files[0].read_bytes() == code
    assert code == seccomp_bpf._export(seccomp_filter.build(program))
    seccomp_bpf._memory.clear()
    calls = []
    again = seccomp_bpf.compiled(program, lambda p: calls.append(p))
    assert again == code and calls == []       # read back from the file, not rebuilt


def test_a_damaged_cache_file_is_rebuilt(cache):
    program = default_program()
    (cache / f"{seccomp_bpf.key_for(program)}.bpf").write_bytes(b"junk")
    code = seccomp_bpf.compiled(program, seccomp_filter.build)
    assert len(code) % 8 == 0 and len(code) > 8


def test_loaded_program_blocks_what_dockers_profile_blocks(cache):
    code = seccomp_bpf.compiled(default_program(), seccomp_filter.build)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - forked
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        before = libc.acct(None)                 # root may switch accounting off
        seccomp_bpf.load(code)
        after = libc.acct(None)                  # acct is not in Docker's allow-list
        os.write(w, f"{before} {after} {ctypes.get_errno()}".encode())
        os._exit(0)
    os.close(w)
    out = os.read(r, 100).decode().split()
    os.waitpid(pid, 0)
    assert out == ["0", "-1", str(__import__("errno").EPERM)]
