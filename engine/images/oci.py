"""The OCI documents of an image: its config JSON and its manifest.

An image's id is the sha256 of its config's bytes, so those bytes must be
canonical: keys sorted, no spaces. Only the fields Docker's image config uses
are kept, so an id never depends on stray keys a caller passed.
"""
from __future__ import annotations

import json
import os
import re
import time
from datetime import datetime, timezone
from typing import Any

from ..digest import sha256
from ..errors import InvalidArgument

CONFIG_MEDIA_TYPE = "application/vnd.oci.image.config.v1+json"
MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json"

# fields of the image's "config" (what a container inherits), Docker's names
CONTAINER_CONFIG_KEYS = ("User", "ExposedPorts", "Env", "Entrypoint", "Cmd", "Volumes",
                         "WorkingDir", "Labels", "StopSignal", "ArgsEscaped", "Healthcheck",
                         "OnBuild", "Shell", "StopTimeout")
TOP_LEVEL_KEYS = ("architecture", "variant", "os", "os.version", "created", "author",
                  "comment", "config", "rootfs", "history")

_RFC3339_RE = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$")

_GOARCH = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "armv6l": "arm",
           "i686": "386", "i386": "386", "ppc64le": "ppc64le", "s390x": "s390x",
           "riscv64": "riscv64"}


def host_architecture() -> str:
    """The machine's architecture in Go's (and so Docker's) spelling."""
    machine = os.uname().machine
    return _GOARCH.get(machine, machine)


def rfc3339(ts: float | None = None) -> str:
    """A UTC time as Go's RFC3339Nano prints it (trailing zero digits dropped)."""
    if ts is None:
        ts = time.time()
    whole = int(ts)
    frac = round((ts - whole) * 1_000_000_000)
    if frac >= 1_000_000_000:
        whole, frac = whole + 1, 0
    text = datetime.fromtimestamp(whole, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    if frac:
        text += "." + f"{frac:09d}".rstrip("0")
    return text + "Z"


def parse_time(text: str) -> float:
    """Seconds since the epoch for an RFC 3339 time (any precision); 0 when unparsable."""
    m = _RFC3339_RE.match(text or "")
    if m is None:
        return 0.0
    zone = "+00:00" if m.group(3) == "Z" else m.group(3)
    stamp = datetime.fromisoformat(m.group(1) + zone)
    return stamp.timestamp() + (float("0." + m.group(2)) if m.group(2) else 0.0)


def canonical_json(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest_of(data: bytes) -> str:
    return "sha256:" + sha256(data).hexdigest()


def _clean_container_config(cfg: dict) -> dict:
    unknown = set(cfg) - set(CONTAINER_CONFIG_KEYS)
    if unknown:
        raise InvalidArgument(f"unknown image config field(s): {', '.join(sorted(unknown))}")
    return {k: v for k, v in cfg.items() if not _empty(v)}


def _empty(value: Any) -> bool:
    return value is None or value is False or (isinstance(value, (str, list, dict)) and not value)


def _check_history(history: list[dict], layer_count: int) -> None:
    non_empty = sum(1 for h in history if not h.get("empty_layer"))
    if non_empty > layer_count:
        raise InvalidArgument("too many non-empty layers in History section")
    if non_empty < layer_count:
        raise InvalidArgument("the image history describes fewer layers than the image has")


def build_config(config: dict, diff_ids: list[str]) -> dict:
    """A complete, canonical OCI image config from `config` and the layers' diff ids.

    Fills in architecture/os/created/history when missing; keeps only the
    fields Docker knows.
    """
    unknown = set(config) - set(TOP_LEVEL_KEYS)
    if unknown:
        raise InvalidArgument(f"unknown image config field(s): {', '.join(sorted(unknown))}")
    rootfs = config.get("rootfs")
    if rootfs is not None and list(rootfs.get("diff_ids") or []) != list(diff_ids):
        raise InvalidArgument("the config's rootfs.diff_ids do not match the image's layers")
    out: dict[str, Any] = {k: v for k, v in config.items() if not _empty(v)}
    out.setdefault("architecture", host_architecture())
    out.setdefault("os", "linux")
    out.setdefault("created", rfc3339())
    out["config"] = _clean_container_config(dict(config.get("config") or {}))
    out["rootfs"] = {"type": "layers", "diff_ids": list(diff_ids)}
    history = config.get("history")
    if history is None:
        history = [{"created": out["created"], "created_by": ""} for _ in diff_ids]
    _check_history(history, len(diff_ids))
    out["history"] = history
    return out


def build_manifest(config_digest: str, config_size: int, layers: list[dict]) -> dict:
    """An OCI image manifest; `layers` are descriptors (mediaType, digest, size)."""
    return {
        "schemaVersion": 2,
        "mediaType": MANIFEST_MEDIA_TYPE,
        "config": {"mediaType": CONFIG_MEDIA_TYPE, "digest": config_digest,
                   "size": config_size},
        "layers": layers,
    }
