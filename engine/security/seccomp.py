"""Load the container's seccomp filter: the last step before execve.

`prepare_seccomp` may build the filter early (e.g. before pivot_root, when a
profile given as a host path is still reachable); `apply_seccomp` builds it
if needed, loads it, then gives up the CAP_SYS_ADMIN that drop_privileges
kept for the load. Every syscall the runtime makes afterwards (write to the
exec-error pipe, close, execve, exit_group) is allowed by Docker's profile.
"""
from __future__ import annotations

from . import seccomp_bpf
from .capabilities import capability_names
from .options import SecurityOptions
from .privileges import release_seccomp_hold
from .seccomp_profile import is_confined, program_for

_prepared: tuple[SecurityOptions, bytes | None] | None = None


def build_filter(opts: SecurityOptions):
    """The libseccomp filter `opts` asks for, resolved against its capabilities; None = none."""
    program = program_for(opts, capability_names(opts))
    return None if program is None else _build(program)


def _build(program):
    """libseccomp is only loaded when a program is not in the cache (pyseccomp's
    import runs ldconfig twice: ~15 ms of every CLI call otherwise)."""
    from . import seccomp_filter
    return seccomp_filter.build(program)


def compiled_filter(opts: SecurityOptions) -> bytes | None:
    """The BPF program `opts` asks for (from the cache when it was built before)."""
    program = program_for(opts, capability_names(opts))
    return None if program is None else seccomp_bpf.compiled(program, _build)


def prepare_seccomp(opts: SecurityOptions) -> None:
    """Compile the filter now and keep it for apply_seccomp(opts) in this process."""
    global _prepared
    _prepared = (opts, compiled_filter(opts))


def apply_seccomp(opts: SecurityOptions) -> None:
    """Confine this process with the container's profile (none when unconfined)."""
    if not is_confined(opts):
        return
    if _prepared is not None and _prepared[0] is opts:
        code = _prepared[1]
    else:
        code = compiled_filter(opts)
    if code is not None:
        seccomp_bpf.load(code)
    release_seccomp_hold(opts)
