"""A container's changes (its overlay upper dir) as a new image layer: `docker commit`, RUN.

`layers.diff_to_tar` turns the upper dir into an OCI layer tar (0/0 character
devices -> `.wh.NAME`, opaque directories -> `.wh..wh..opq`). What the runtime
itself created in the upper dir to mount over (/dev, /proc, /sys and empty
/etc/hosts, /etc/hostname, /etc/resolv.conf when the image had none) is left
out, as Docker keeps those in an "init" layer that is never committed.
"""
from __future__ import annotations

import hashlib
import os
import stat
import tarfile
import tempfile
from pathlib import Path
from typing import Iterable

from .layers import diff_to_tar
from .layerstore import Layer
from .store import ImageStore
from .tarstream import TarWriter, empty_layer_tar
from .oci import digest_of

EMPTY_DIFF_ID = digest_of(empty_layer_tar())
_STUB_DIRS = ("dev", "proc", "sys")
_STUB_FILES = ("etc/hosts", "etc/hostname", "etc/resolv.conf", "sbin/docker-init")   # --init


def _in_lower(lower_dirs: Iterable[Path], rel: str) -> bool:
    for d in lower_dirs:
        try:
            os.lstat(Path(d) / rel)
            return True
        except OSError:
            continue
    return False


def runtime_stubs(upper: Path, lower_dirs: list[Path]) -> set[str]:
    """Paths in `upper` the runtime made as mount points and the image never had."""
    stubs: set[str] = set()
    for rel in _STUB_DIRS:
        p = upper / rel
        if p.is_dir() and not p.is_symlink() and not any(p.iterdir()) and not _in_lower(lower_dirs, rel):
            stubs.add(rel)
    for rel in _STUB_FILES:
        p = upper / rel
        try:
            st = os.lstat(p)
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode) and st.st_size == 0 and not _in_lower(lower_dirs, rel):
            stubs.add(rel)
    for parent in ("etc", "sbin"):
        d = upper / parent
        if d.is_dir() and not d.is_symlink() and all(f"{parent}/{n}" in stubs for n in os.listdir(d)):
            stubs.add(parent)     # made (or copied up) only to hold the stubs
    return stubs


def _filtered(src: Path, dst: Path, skip: set[str]) -> None:
    """Copy the layer tar `src` to `dst` without the entries named in `skip`."""
    with tarfile.open(src, "r|") as tin, open(dst, "wb") as out:
        writer = TarWriter(out)
        for member in tin:
            name = member.name.rstrip("/")
            if name in skip:
                continue
            data = tin.extractfile(member) if member.isreg() else None
            writer.add(member, data)
        writer.close()


def _file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return "sha256:" + h.hexdigest()


def layer_from_dir(store: ImageStore, folder: Path, parent: Layer | None,
                   skip: set[str] = frozenset(), allow_devices: bool = True) -> Layer | None:
    """Store `folder` (an upper dir or a staged tree) as a layer on `parent`; None when empty."""
    with tempfile.TemporaryDirectory(prefix=".commit-", dir=store.root) as tmp:
        raw = Path(tmp) / "layer.tar"
        with open(raw, "wb") as out:
            diff_id = diff_to_tar(folder, out)
        if skip:
            clean = Path(tmp) / "clean.tar"
            _filtered(raw, clean, skip)
            raw = clean
            diff_id = _file_digest(raw)
        if diff_id == EMPTY_DIFF_ID:
            return None
        return store.add_layer(raw, parent, allow_devices=allow_devices)


def layer_from_container(store: ImageStore, record: dict) -> Layer | None:
    """The layer of a container's changes on top of its image's layers (None: no change)."""
    upper = Path(record["GraphDriver"]["Data"]["UpperDir"])
    lower = [Path(p) for p in record["GraphDriver"]["Data"]["LowerDir"].split(":") if p]
    image = store.get(record["Image"])
    chain = store.layers_of(image)
    return layer_from_dir(store, upper, chain[-1] if chain else None, runtime_stubs(upper, lower))


# config keys a committed image keeps from its container's Config
_KEPT = ("User", "ExposedPorts", "Env", "Entrypoint", "Cmd", "Volumes", "WorkingDir", "Labels",
         "StopSignal", "Healthcheck", "OnBuild", "Shell", "StopTimeout")


def commit_container(engine, ref: str, repo_tag: str = "", message: str = "", author: str = "",
                     changes: list[str] = ()) -> "object":
    """`docker commit`: the container's changes and config as a new image (returns the Image)."""
    from ..build.configops import COMMIT_CHANGES, CONFIG_OPS, StageState
    from ..build.dockerfile import parse_instruction
    from ..errors import InvalidArgument
    from .oci import rfc3339
    record = engine.record(ref)
    store = engine.images
    image = store.get(record["Image"])
    config = {k: v for k, v in (record.get("Config") or {}).items() if k in _KEPT and v not in (None, "", [], {})}
    state = StageState(config=config)
    for text in changes:
        ins = parse_instruction(text)
        if ins.keyword not in COMMIT_CHANGES:
            raise InvalidArgument(f"{ins.keyword.lower()} is not a valid change command")
        CONFIG_OPS[ins.keyword](ins, state)
    layer = layer_from_container(store, record)
    layers = store.layers_of(image) + ([layer] if layer is not None else [])
    created = rfc3339()
    entry = {"created": created, "created_by": " ".join(record["Config"].get("Cmd") or [])}
    if author:
        entry["author"] = author
    if message:
        entry["comment"] = message
    if layer is None:
        entry["empty_layer"] = True
    doc = {"config": state.config, "created": created,
           "history": list(image.config.get("history") or []) + [entry]}
    if author:
        doc["author"] = author
    if message:
        doc["comment"] = message
    return store.create_image(doc, layers, tags=[repo_tag] if repo_tag else [], parent=image.id)
