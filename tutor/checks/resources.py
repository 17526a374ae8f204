"""The `network:`, `volume:` and `file:` checks.

Volume and host files are read (never written), at most `READ_LIMIT`
bytes, and a volume path may not lead outside the volume's mountpoint even
through a symlink a student made.
"""
from __future__ import annotations

import ipaddress
import os
import re
from pathlib import Path

from dockerlab.tutor.checks.containers import subset_reason
from dockerlab.tutor.checks.context import CheckContext
from dockerlab.tutor.checks.matching import Criterion, differs, judge
from dockerlab.tutor.checks.models import FileCheck, NetworkCheck, VolumeCheck
from dockerlab.tutor.i18n import _

READ_LIMIT = 1 << 20


def _subnets(network: dict) -> list[str]:
    return [c.get("Subnet", "") for c in (network.get("IPAM") or {}).get("Config") or []]


def _same_subnet(a: str, b: str) -> bool:
    try:
        return ipaddress.ip_network(a, strict=False) == ipaddress.ip_network(b, strict=False)
    except ValueError:
        return False


def _network_containers(network: dict) -> list[str]:
    return [c.get("Name", "") for c in (network.get("Containers") or {}).values()]


NETWORK_CRITERIA: dict[str, Criterion] = {
    "name": lambda want, n: None if n.get("Name") == want else differs("name", n.get("Name"), want),
    "driver": lambda want, n: None if n.get("Driver") == want else differs(
        "driver", n.get("Driver"), want),
    "subnet": lambda want, n: None if any(_same_subnet(want, s) for s in _subnets(n))
    else differs("subnet", _subnets(n), want),
    "containers": lambda want, n: subset_reason("containers", want, _network_containers(n)),
}


def evaluate_network(spec: NetworkCheck, ctx: CheckContext) -> tuple[bool, str]:
    ok, details, _m = judge("network", spec, ctx.engine.list_networks(), NETWORK_CRITERIA,
                            lambda n: n.get("Name", ""), exists=spec.exists)
    return ok, details


def read_inside(root: str | Path, relative: str) -> str | None:
    """Text of `relative` under `root`, None if absent or escaping `root`."""
    base = os.path.realpath(root)
    target = os.path.realpath(os.path.join(base, relative.lstrip("/")))
    if not (target == base or target.startswith(base + os.sep)) or not os.path.isfile(target):
        return None
    with open(target, "rb") as handle:
        return handle.read(READ_LIMIT).decode("utf-8", errors="replace")


def _volume_criteria(spec: VolumeCheck) -> dict[str, Criterion]:
    def file_reason(want: str, v: dict) -> str | None:
        text = read_inside(v.get("Mountpoint", ""), want)
        if text is None:
            return _("file {path} not found in the volume").format(path=want)
        if spec.contains is not None and spec.contains not in text:
            return _("{path} does not contain \"{text}\"").format(path=want, text=spec.contains)
        return None

    return {
        "name": lambda want, v: None if v.get("Name") == want else differs(
            "name", v.get("Name"), want),
        "file": file_reason,
    }


def evaluate_volume(spec: VolumeCheck, ctx: CheckContext) -> tuple[bool, str]:
    ok, details, _m = judge("volume", spec, ctx.engine.list_volumes(), _volume_criteria(spec),
                            lambda v: v.get("Name", ""), exists=spec.exists)
    return ok, details


def evaluate_file(spec: FileCheck, ctx: CheckContext) -> tuple[bool, str]:
    """A host file, relative to the lab's working directory (read only)."""
    path = Path(ctx.workdir, spec.path)
    if not spec.exists:
        ok = not path.exists()
        return ok, "" if ok else _("{path} exists but should not").format(path=spec.path)
    if not path.is_file():
        return False, _("file {path} not found").format(path=spec.path)
    with open(path, "rb") as handle:
        text = handle.read(READ_LIMIT).decode("utf-8", errors="replace")
    if spec.contains is not None and spec.contains not in text:
        return False, _("{path} does not contain \"{text}\"").format(path=spec.path,
                                                                    text=spec.contains)
    if spec.regex is not None and not re.search(spec.regex, text, re.MULTILINE):
        return False, _("{path} does not match /{regex}/").format(path=spec.path,
                                                                 regex=spec.regex)
    return True, ""
