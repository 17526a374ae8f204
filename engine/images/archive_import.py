"""`docker import`: a one-layer image from a root file system tarball.

The tarball (plain, gzip, bzip2, xz or zstd) becomes the image's only layer;
`-c` applies Dockerfile instructions to the config as Docker does (CMD,
ENTRYPOINT, ENV, EXPOSE, LABEL, USER, VOLUME, WORKDIR, STOPSIGNAL), `-m`
sets the comment. Docker records "Imported from -" in the history when no
message is given (the CLI always streams the file, hence "-").
"""
from __future__ import annotations

import json
import shlex
from typing import BinaryIO, Iterable

from ..errors import InvalidArgument
from . import oci
from .store import Image, ImageStore

CHANGE_INSTRUCTIONS = ("CMD", "ENTRYPOINT", "ENV", "EXPOSE", "LABEL", "USER", "VOLUME",
                       "WORKDIR", "STOPSIGNAL", "HEALTHCHECK", "ONBUILD")


def import_rootfs(store: ImageStore, src: BinaryIO, tag: str | None = None,
                  message: str = "", changes: Iterable[str] = (), source: str = "-") -> Image:
    """Store `src` as a single-layer image, tagged `tag` when given."""
    cfg = apply_changes({}, changes)
    layer = store.add_layer(src)
    created = oci.rfc3339()
    config = {"created": created, "config": cfg,
              "history": [{"created": created, "comment": message or f"Imported from {source}"}]}
    if message:
        config["comment"] = message
    return store.create_image(config, [layer], [tag] if tag else [])


def _json_or_shell(rest: str) -> list[str]:
    try:
        value = json.loads(rest)
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return value
    except ValueError:
        pass
    return ["/bin/sh", "-c", rest]


def _pairs(rest: str, instruction: str) -> list[tuple[str, str]]:
    words = shlex.split(rest)
    if len(words) == 2 and "=" not in words[0]:           # legacy `ENV KEY value`
        return [(words[0], words[1])]
    if instruction == "ENV" and words and "=" not in words[0]:
        return [(words[0], rest.split(None, 1)[1] if len(words) > 1 else "")]
    out = []
    for word in words:
        key, sep, value = word.partition("=")
        if not sep:
            raise InvalidArgument(f"{instruction} names must be followed by a value: {word}")
        out.append((key, value))
    return out


def apply_changes(cfg: dict, changes: Iterable[str]) -> dict:
    """Apply `-c "CMD [...]"`-style instructions to a container config (a copy)."""
    cfg = dict(cfg)
    for change in changes:
        instruction, _, rest = change.strip().partition(" ")
        instruction, rest = instruction.upper(), rest.strip()
        if instruction not in CHANGE_INSTRUCTIONS:
            raise InvalidArgument(f"{instruction.lower()} is not a valid change command")
        if instruction in ("CMD", "ENTRYPOINT"):
            cfg["Cmd" if instruction == "CMD" else "Entrypoint"] = _json_or_shell(rest)
        elif instruction == "ENV":
            env = [e for e in cfg.get("Env") or []]
            for key, value in _pairs(rest, "ENV"):
                env = [e for e in env if e.partition("=")[0] != key] + [f"{key}={value}"]
            cfg["Env"] = env
        elif instruction == "LABEL":
            cfg["Labels"] = {**(cfg.get("Labels") or {}), **dict(_pairs(rest, "LABEL"))}
        elif instruction == "EXPOSE":
            ports = dict(cfg.get("ExposedPorts") or {})
            for port in rest.split():
                ports[port if "/" in port else f"{port}/tcp"] = {}
            cfg["ExposedPorts"] = ports
        elif instruction == "VOLUME":
            paths = _json_or_shell(rest) if rest.startswith("[") else rest.split()
            cfg["Volumes"] = {**(cfg.get("Volumes") or {}), **{p: {} for p in paths}}
        elif instruction in ("USER", "WORKDIR", "STOPSIGNAL"):
            key = {"USER": "User", "WORKDIR": "WorkingDir", "STOPSIGNAL": "StopSignal"}[instruction]
            cfg[key] = rest
        else:
            raise InvalidArgument(f"dockerlab does not apply {instruction} in --change yet")
    return cfg
