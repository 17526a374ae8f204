"""Flags that dockerlab parses as Docker does but does not carry out.

Typing one used to change nothing, silently. Now a flag with no effect here
is named in a notice (stderr, in the user's language) and the command goes
on; a flag whose absence would make the command do *more* than asked (a
prune's --filter: everything would go) refuses the command before anything
is touched. Flags that change nothing under Docker either (Windows-only,
swarm, --disable-content-trust, deprecated) are not named.
"""
from __future__ import annotations

_RUN = ("annotation", "attach", "blkio-weight", "blkio-weight-device", "cgroup-parent", "cgroupns",
        "cpu-period", "cpu-quota", "cpu-rt-period", "cpu-rt-runtime", "cpuset-mems",
        "device-read-bps", "device-read-iops", "device-write-bps", "device-write-iops", "gpus",
        "ip6", "ipc", "link-local-ip", "log-driver", "log-opt", "mac-address",
        "memory-reservation", "memory-swappiness", "oom-kill-disable", "oom-score-adj",
        "platform", "pull", "quiet", "runtime", "storage-opt", "sysctl",
        "userns", "uts", "volume-driver", "volumes-from", "use-api-socket", "detach-keys")

NO_EFFECT: dict[tuple[str, ...], tuple[str, ...]] = {
    ("container", "run"): _RUN + ("sig-proxy",),
    ("container", "create"): _RUN,
    ("container", "start"): ("detach-keys",),
    ("container", "attach"): ("detach-keys", "sig-proxy"),
    ("container", "exec"): ("detach-keys", "env-file", "privileged"),
    ("container", "commit"): ("pause",),
    ("container", "inspect"): ("size",),
    ("inspect",): ("size",),
    ("container", "logs"): ("details",),
    ("container", "rm"): ("link",),
    ("container", "update"): ("blkio-weight", "cpu-period", "cpu-quota", "cpu-rt-period", "cpu-rt-runtime",
                              "cpuset-mems", "memory-reservation"),
    ("image", "build"): ("add-host", "cache-from", "cgroup-parent", "compress", "cpu-period", "cpu-quota",
                         "cpu-shares", "cpuset-cpus", "cpuset-mems", "memory", "memory-swap", "network",
                         "platform", "pull", "security-opt", "shm-size", "squash", "ulimit"),
    ("image", "ls"): ("all",),
    ("image", "rm"): ("no-prune", "platform"),
    ("image", "pull"): ("platform",),
    ("image", "push"): ("platform",),
    ("image", "save"): ("platform",),
    ("image", "load"): ("platform",),
    ("image", "import"): ("platform",),
    ("image", "history"): ("platform",),
    ("image", "inspect"): ("platform",),
    ("system", "info"): ("format",),
    ("version",): ("format",),
    ("volume", "create"): ("opt", "type"),
    ("network", "create"): ("attachable", "aux-address", "ipam-driver", "ipam-opt", "ipv4", "ipv6", "scope"),
    ("network", "connect"): ("driver-opt", "gw-priority", "ip6", "link", "link-local-ip"),
}

REFUSED: dict[tuple[str, ...], tuple[str, ...]] = {
    ("container", "prune"): ("filter",), ("image", "prune"): ("filter",),
    ("network", "prune"): ("filter",), ("volume", "prune"): ("filter",), ("system", "prune"): ("filter",),
}


def check(ctx, path: tuple[str, ...], given) -> None:
    """Refuse (CliExit) or name the typed flags dockerlab does not carry out for `path`."""
    from dockerlab.tutor.i18n import _
    typed = set(given)
    for name in REFUSED.get(path, ()):
        if name in typed:
            from .context import CliExit
            raise CliExit(_("dockerlab: --{flag} is not supported by '{command}': nothing was "
                            "done").format(flag=name, command="docker " + " ".join(path)), 1)
    for name in NO_EFFECT.get(path, ()):
        if name in typed:
            ctx.warn(_("dockerlab: --{flag} is accepted but has no effect here").format(flag=name))
