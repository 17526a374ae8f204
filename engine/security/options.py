"""The security settings of one container, as `docker run` flags express them.

One plain dataclass so the spec, `inspect` and the child process all speak
about the same thing: `--privileged`, `--cap-add/--cap-drop`,
`--security-opt no-new-privileges`, `--security-opt seccomp=...`,
`--read-only` and the masked / read-only system paths.
"""
from __future__ import annotations

from dataclasses import dataclass, field

SECCOMP_DEFAULT = "default"
SECCOMP_UNCONFINED = "unconfined"


@dataclass
class SecurityOptions:
    """What limits the container's process; defaults are Docker's defaults.

    `seccomp` is "default", "unconfined", a profile's JSON text (what the
    Docker CLI sends the daemon) or a path to a JSON profile (read when the
    filter is built, so give the text when that happens after pivot_root).
    `masked_paths` / `readonly_paths`: None means Docker's defaults, [] means
    none (`--security-opt systempaths=unconfined`).
    """

    privileged: bool = False
    cap_add: list[str] = field(default_factory=list)
    cap_drop: list[str] = field(default_factory=list)
    no_new_privileges: bool = False
    seccomp: str = SECCOMP_DEFAULT
    read_only_rootfs: bool = False
    masked_paths: list[str] | None = None
    readonly_paths: list[str] | None = None
