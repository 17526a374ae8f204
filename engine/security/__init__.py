"""Containment inside the container's process: capabilities, seccomp, masked paths.

The runtime's child calls, after pivot_root (cwd "/") and in this order:
`protect_paths(opts)`, `drop_privileges(opts, uid, gid, groups)`,
`apply_seccomp(opts)`, then execve. The engine calls `validate(opts)` at
create time and `capability_names(opts)` for `inspect`.

Import this package before forking the child: libseccomp and Docker's
default profile are loaded at import, and nothing of our package is
reachable from inside the container's root.
"""
from __future__ import annotations

from .capabilities import DEFAULT_CAPS, capability_names
from .hostconfig import check_host_config, client_security_opts, options_of, parse_security_opt
from .options import SecurityOptions
from .paths import protect_paths
from .privileges import drop_privileges
from .seccomp import apply_seccomp, prepare_seccomp
from .seccomp_profile import read_profile_file
from .validation import validate

__all__ = [
    "DEFAULT_CAPS", "SecurityOptions", "apply_seccomp", "capability_names", "check_host_config",
    "client_security_opts", "options_of", "parse_security_opt",
    "drop_privileges", "prepare_seccomp", "protect_paths", "read_profile_file", "validate",
]
