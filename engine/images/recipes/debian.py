"""Debian-based images built from Debian's packages: debian, an ubuntu stand-in, and images on top.

`debian` is mmdebstrap's minbase of bookworm (one layer). The others add
one layer on that very base layer (so they share it on disk, as real images
share theirs): Debian's packages installed with apt, plus a few files that
make them behave like the official images (nginx serves
/usr/share/nginx/html, the registry listens on :5000 and keeps its data in a
volume...). Every one carries labels saying it is dockerlab's stand-in.
"""
from __future__ import annotations

import json
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from ...pkgcache.config import config_for
from ...pkgcache.store import PackageStore
from .. import debootstrap
from ..layerstore import Layer
from ..oci import rfc3339
from ..recipe import Progress
from ..standins import DESCRIPTION_LABEL, PATH_ENV, STANDIN_LABEL
from ..store import Image, ImageStore
from ..treetar import TreeTar
from . import files


@dataclass(frozen=True)
class ImageSpec:
    """What makes one derived image: packages, shell commands after them, files, OCI config."""

    name: str
    summary: dict[str, str]
    description: str
    packages: tuple[str, ...] = ()
    after: str = ""                       # sh run in the chroot after apt-get install
    files: dict[str, tuple[str, int]] = field(default_factory=dict)
    config: dict = field(default_factory=dict)   # Cmd, Entrypoint, ExposedPorts, Volumes...


@contextmanager
def staged(tree: dict[str, tuple[str, int]], where: Path) -> Iterator[Path | None]:
    """`tree` written as real files under a new directory (for sync-in / cp -a)."""
    if not tree:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix=".stage-", dir=where) as tmp:
        root = Path(tmp)
        root.chmod(0o755)
        for rel, (content, mode) in tree.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            for parent in [p for p in path.parents if root in p.parents]:
                parent.chmod(0o755)
            path.write_text(content)
            path.chmod(mode)
        yield root


def _history(epoch: int, steps: list[tuple[str, bool]]) -> list[dict]:
    created = rfc3339(epoch)
    return [{"created": created, "created_by": text, **({"empty_layer": True} if empty else {})}
            for text, empty in steps]


def _config_steps(config: dict) -> list[tuple[str, bool]]:
    steps = [(f"ENV {e}", True) for e in config.get("Env", [])]
    for key, word in (("ExposedPorts", "EXPOSE"), ("Volumes", "VOLUME")):
        if config.get(key):
            steps.append((f"{word} " + " ".join(config[key]), True))
    if config.get("WorkingDir"):
        steps.append((f"WORKDIR {config['WorkingDir']}", True))
    if config.get("StopSignal"):
        steps.append((f"STOPSIGNAL {config['StopSignal']}", True))
    for key in ("Entrypoint", "Cmd"):
        if config.get(key) is not None:
            steps.append((f"{key.upper()} {json.dumps(config[key])}", True))
    return steps


def _create(store: ImageStore, name: str, epoch: int, layers: list[Layer],
            layer_steps: list[str], config: dict, description: str) -> Image:
    config = {"Env": [PATH_ENV], **config}
    config["Labels"] = {STANDIN_LABEL: "true", DESCRIPTION_LABEL: description,
                        **config.get("Labels", {})}
    history = _history(epoch, [(s, False) for s in layer_steps]
                       + [(f"LABEL {STANDIN_LABEL}=true", True)] + _config_steps(config))
    return store.create_image({"created": rfc3339(epoch), "history": history, "config": config},
                              layers, tags=[f"{name}:latest"])


def _epoch_of(store: ImageStore, base: Image) -> int:
    from ..oci import parse_time
    return int(parse_time(base.created))


# -- debian -------------------------------------------------------------------

DEBIAN_DESCRIPTION = ("dockerlab stand-in for the debian image: Debian 12 (bookworm), minbase, "
                      "built with mmdebstrap from Debian's packages; apt goes through the lab's "
                      "package cache")


def build_debian(store: ImageStore, progress: Progress) -> Image:
    debootstrap.require_tools()
    cfg = config_for(store.settings.extra)
    with debootstrap.build_cache(cfg) as cache:
        epoch = debootstrap.archive_epoch(PackageStore(cfg), cfg.suite)
        progress(f"debian: mmdebstrap --variant=minbase {cfg.suite} (mirror {cfg.upstream}, "
                 "through the package cache)")
        with staged(files.BASE_FILES, store.root) as extra:
            layer = debootstrap.base_layer(store, cache, cfg.suite, epoch, extra, progress)
    step = (f"ADD rootfs.tar / # dockerlab: mmdebstrap --variant=minbase {cfg.suite} "
            "from Debian's packages")
    return _create(store, "debian", epoch, [layer], [step], {"Cmd": ["bash"]},
                   DEBIAN_DESCRIPTION)


def _base(store: ImageStore, progress: Progress) -> Image:
    from .. import catalog
    return catalog.prepare(store, "debian", progress)


# -- ubuntu stand-in -------------------------------------------------------------

UBUNTU_DESCRIPTION = ("dockerlab stand-in for ubuntu: this is Debian 12 (bookworm) with an "
                      "os-release saying so; apt installs Debian's packages")


def build_ubuntu(store: ImageStore, progress: Progress) -> Image:
    base = _base(store, progress)
    epoch = _epoch_of(store, base)
    progress("ubuntu: layer 2/2 /etc/os-release and /etc/lsb-release of the stand-in")
    tree = TreeTar(epoch)
    tree.file("etc/os-release", files.UBUNTU_OS_RELEASE)
    tree.file("etc/lsb-release", files.UBUNTU_LSB_RELEASE)
    with tempfile.TemporaryFile(dir=store.root) as tmp:
        tree.write(tmp)
        tmp.seek(0)
        below = store.layers_of(base)
        top = store.add_layer(tmp, below[-1])
    steps = [h["created_by"] for h in base.config.get("history", []) if not h.get("empty_layer")]
    return _create(store, "ubuntu", epoch, [*below, top],
                   [*steps, "ADD os-release lsb-release /etc/ # dockerlab stand-in"],
                   {"Cmd": ["/bin/bash"]}, UBUNTU_DESCRIPTION)


# -- images with packages on top of debian ----------------------------------------

def _has_lab_wiring(layers: list[Layer]) -> bool:
    """True when the base image already sends apt to the lab's cache (our own debian)."""
    return any((l.diff_dir / name).exists() for l in layers for name in files.BASE_FILES)


def build_spec(spec: ImageSpec, store: ImageStore, progress: Progress) -> Image:
    debootstrap.require_tools()
    base = _base(store, progress)
    epoch = _epoch_of(store, base)
    below = store.layers_of(base)
    pkgs = " ".join(spec.packages)
    commands = (f"apt-get update\napt-get install -y --no-install-recommends {pkgs}\n"
                f"{spec.after}\napt-get clean")
    cfg = config_for(store.settings.extra)
    progress(f"{spec.name}: apt-get install {pkgs} (through the package cache)")
    wiring = {} if _has_lab_wiring(below) else files.BASE_FILES   # a real debian was loaded
    with debootstrap.build_cache(cfg) as cache, \
            staged({**wiring, **spec.files}, store.root) as extra:
        top = debootstrap.chroot_layer(store, below, cache, commands, extra, spec.name,
                                       progress)
    steps = [h["created_by"] for h in base.config.get("history", []) if not h.get("empty_layer")]
    run = (f"RUN /bin/sh -c apt-get update && apt-get install -y --no-install-recommends {pkgs}"
           " # dockerlab")
    return _create(store, spec.name, epoch, [*below, top], [*steps, run], spec.config,
                   spec.description)
