"""Where the engine keeps its state, and the per-root settings.

Everything lives under one state root (`DOCKERLAB_ROOT`, default
/var/lib/dockerlab). The bridge name, subnet and cgroup parent are settings of
that root, stored in `settings.json`, so a test run with its own root never
collides with another run or with a student's lab.
"""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .fsutil import atomic_write_json, locked, read_json

DEFAULT_ROOT = "/var/lib/dockerlab"


def _suffix(root: Path) -> str:
    from .digest import sha256     # not at the top: a slimmed shim loads this module (monitor.py)
    return sha256(str(root).encode()).hexdigest()[:6]


@dataclass
class Settings:
    root: Path
    bridge: str = "dlab0"
    subnet: str = ""          # chosen by the network layer on first use when empty
    cgroup_parent: str = "dockerlab"
    extra: dict = field(default_factory=dict)

    # -- locations -------------------------------------------------------
    @property
    def containers_dir(self) -> Path:
        return self.root / "containers"

    @property
    def images_dir(self) -> Path:
        return self.root / "image"

    @property
    def volumes_dir(self) -> Path:
        return self.root / "volumes"

    @property
    def networks_dir(self) -> Path:
        return self.root / "networks"

    @property
    def run_dir(self) -> Path:
        """Sockets and pid files; lost on reboot like /run."""
        return self.root / "run"

    def save(self) -> None:
        data = asdict(self)
        data["root"] = str(self.root)
        atomic_write_json(self.root / "settings.json", data)

    @classmethod
    def load(cls, root: str | Path | None = None) -> "Settings":
        """Load the settings of `root` (env DOCKERLAB_ROOT by default), creating them."""
        root = Path(root or os.environ.get("DOCKERLAB_ROOT") or DEFAULT_ROOT).absolute()
        root.mkdir(parents=True, exist_ok=True, mode=0o711)
        with locked(root / ".settings.lock"):
            data = read_json(root / "settings.json")
            if data is None:
                s = cls(root=root)
                if str(root) != DEFAULT_ROOT:
                    # a non-default root gets its own bridge and cgroup names
                    s.bridge = f"dlab{_suffix(root)}"
                    s.cgroup_parent = f"dockerlab-{_suffix(root)}"
                s.save()
                return s
            data["root"] = root
            known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
            return cls(**known)
