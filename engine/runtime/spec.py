"""ContainerSpec: everything one start of a container's process needs.

The engine builds it from the container's record and its image config; the
shim and the child only read it. Keeping it a plain dataclass makes the
runtime testable without the rest of the engine.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class MountSpec:
    """One mount inside the container: bind, volume (a bind of its _data) or tmpfs."""

    type: str                 # "bind" | "volume" | "tmpfs"
    source: str               # host path (for tmpfs: "tmpfs")
    destination: str          # absolute path inside the container
    readonly: bool = False
    options: str = ""         # tmpfs options, e.g. "size=64m"


@dataclass
class ContainerSpec:
    id: str
    name: str
    container_dir: Path
    lower_dirs: list[Path]          # image layers, lowest first
    args: list[str]                 # Entrypoint + Cmd, already combined
    env: list[str]
    cwd: str = "/"
    user: str = ""                  # "uid", "name", "uid:gid", "name:group"
    hostname: str = ""
    domainname: str = ""
    tty: bool = False
    console_size: tuple[int, int] = (0, 0)     # HostConfig.ConsoleSize: rows, columns (0: unset)
    stdin_open: bool = False
    mounts: list[MountSpec] = field(default_factory=list)
    network_mode: str = "none"      # "none" | "bridge" | "host" | "container:<id>" | a network name
    join_netns_pid: int | None = None   # for container:<id> mode
    privileged: bool = False
    cap_add: list[str] = field(default_factory=list)
    cap_drop: list[str] = field(default_factory=list)
    security_opt: list[str] = field(default_factory=list)
    read_only: bool = False
    masked_paths: list[str] | None = None       # None: Docker's defaults; []: systempaths=unconfined
    readonly_paths: list[str] | None = None
    devices: list[dict] = field(default_factory=list)   # extra nodes, see runtime/devices.py
    group_add: list[str] = field(default_factory=list)
    pid_mode: str = ""              # "" (its own pid namespace) or "host"
    ulimits: list[dict] = field(default_factory=list)   # HostConfig.Ulimits: {"Name", "Soft", "Hard"}
    shm_size: int = 64 * 1024 * 1024                    # bytes of /dev/shm

    @property
    def upper(self) -> Path:
        return self.container_dir / "upper"

    @property
    def work(self) -> Path:
        return self.container_dir / "work"

    @property
    def merged(self) -> Path:
        return self.container_dir / "merged"
