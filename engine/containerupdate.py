"""`docker update`: new resource limits for a container, now (its cgroup) and at its next
starts (the record), and a new restart policy. The CLI and POST /containers/{id}/update
both come here."""
from __future__ import annotations

from . import events
from .errors import InvalidArgument

UPDATABLE = ("Memory", "MemorySwap", "MemoryReservation", "NanoCpus", "CpuShares", "CpuPeriod",
             "CpuQuota", "CpusetCpus", "CpusetMems", "PidsLimit", "BlkioWeight", "RestartPolicy")


def update(engine, cid: str, body: dict) -> list[str]:
    """Apply the UPDATABLE fields of `body` (an UpdateConfig); returns the daemon's warnings."""
    from . import cgroups
    from .createbody import validate_host_config
    record = engine.containers.load(cid)
    hc = dict(record["HostConfig"])
    changed = {k: v for k, v in body.items() if k in UPDATABLE and v not in (None, "")}
    if "RestartPolicy" in changed:
        policy = changed["RestartPolicy"] or {}
        if hc.get("AutoRemove") and policy.get("Name") not in ("", "no", None):
            raise InvalidArgument("Restart policy cannot be updated because AutoRemove is enabled "
                                  "for the container")
        changed["RestartPolicy"] = {"Name": policy.get("Name") or "no",
                                    "MaximumRetryCount": policy.get("MaximumRetryCount") or 0}
    hc.update(changed)
    validate_host_config(hc)
    warnings: list[str] = []
    if engine.state(cid)["Running"] and set(changed) - {"RestartPolicy"}:
        from .startplan import limits_of
        cg = cgroups.Cgroup(engine.settings, cid)
        cg.update(limits_of(hc))
        warnings = list(getattr(cg, "warnings", []) or [])
    record["HostConfig"] = hc
    engine.containers.save(record)
    events.container(engine.settings, cid, "update")
    return warnings
