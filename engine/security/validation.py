"""Check a container's security options when it is created, not when it starts.

A bad capability or a broken seccomp profile must fail `docker create`/`run`
with Docker's message before any namespace or mount exists, instead of
surfacing as a failed child process later.
"""
from __future__ import annotations

from .capabilities import capability_names, require_available
from .options import SecurityOptions
from .seccomp_profile import Platform, is_confined, parse, profile_text, resolve


def validate(opts: SecurityOptions) -> None:
    """Raise InvalidArgument (Docker's wording) for anything start would refuse."""
    require_available(opts.cap_add, "CapAdd")
    require_available(opts.cap_drop, "CapDrop")
    if is_confined(opts):
        resolve(parse(profile_text(opts.seccomp)), capability_names(opts), Platform.host())
