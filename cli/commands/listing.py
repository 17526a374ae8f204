"""docker ps / images / volume ls: Docker's list objects rendered by cli/tables.py.

The engine hands out `inspect` documents; Docker's list commands work on the
lighter objects of GET /containers/json and /images/json, so this module
converts, filters (the daemon's rules) and leaves the rendering to tables.py.
"""
from __future__ import annotations

import re

from dockerlab.engine.errors import InvalidArgument
from dockerlab.engine.fsutil import tree_size

from .. import tables, units
from ..context import Context

HEALTH_STATES = ("starting", "healthy", "unhealthy", "none")
VALID_STATES = ("created", "restarting", "running", "removing", "paused", "exited", "dead")
PS_FILTERS = ("id", "name", "label", "exited", "status", "ancestor", "before", "since",
              "volume", "network", "publish", "expose", "health", "isolation", "is-task")


def table(rows: list[list[str]]) -> str:
    """Rows through Go's tabwriter as docker/cli sets it up (cli/tables.py)."""
    return tables.tabwrite("".join("\t".join(r) + "\n" for r in rows)).rstrip("\n")


# ---------------------------------------------------------------------------
# GET /containers/json objects
# ---------------------------------------------------------------------------

def _port_list(c: dict) -> list[dict]:
    out = []
    for key, binds in (c["NetworkSettings"].get("Ports") or {}).items():
        port, _, proto = key.partition("/")
        if not binds:
            out.append({"PrivatePort": int(port), "Type": proto})
        for b in binds or []:
            out.append({"IP": b.get("HostIp") or "0.0.0.0", "PrivatePort": int(port),
                        "PublicPort": int(b["HostPort"]), "Type": proto})
    return out


def summary(c: dict, size: bool = False) -> dict:
    """An inspect document as one item of GET /containers/json."""
    created = units.parse_timestamp(c["Created"])
    out = {
        "Id": c["Id"], "Names": [c["Name"]], "Image": c["Config"]["Image"], "ImageID": c["Image"],
        "Command": " ".join([c["Path"], *(f"'{a}'" if " " in a else a for a in c["Args"])]),
        "Created": int(created.timestamp()) if created else 0, "Ports": _port_list(c),
        "Labels": c["Config"].get("Labels") or {}, "State": c["State"]["Status"],
        "Status": units.container_status(c["State"]),
        "HostConfig": {"NetworkMode": c["HostConfig"].get("NetworkMode", "")},
        "NetworkSettings": {"Networks": c["NetworkSettings"].get("Networks") or {}},
        "Mounts": [{**m, "Driver": m.get("Driver", "local" if m.get("Type") == "volume" else "")}
                   for m in c.get("Mounts") or []],
    }
    if size:
        out["SizeRw"] = tree_size(c["GraphDriver"]["Data"]["UpperDir"])
    return out


# ---------------------------------------------------------------------------
# The daemon's filters (daemon/list.go)
# ---------------------------------------------------------------------------

def check_filters(filters: dict[str, list[str]]) -> None:
    for key, values in filters.items():
        if key not in PS_FILTERS:
            raise InvalidArgument(f"invalid filter '{key}'")
        for value in values:
            if key == "status" and value not in VALID_STATES:
                raise InvalidArgument(f"invalid filter 'status={value}'")
            if key == "exited" and not re.fullmatch(r"-?\d+", value):
                raise InvalidArgument(f"invalid filter 'exited={value}'")
            if key == "health" and value not in HEALTH_STATES:
                raise InvalidArgument(f"Unrecognised filter value for health: {value}")


def _label_ok(labels: dict, wanted: str) -> bool:
    key, sep, value = wanted.partition("=")
    return key in labels and (not sep or labels[key] == value)


def _ancestor_ok(ctx: Context, c: dict, ref: str) -> bool:
    try:
        return ctx.engine.images.get(ref).id == c["Image"]
    except Exception:  # noqa: BLE001 - an unknown image simply matches nothing
        return c["Config"]["Image"] == ref


def _one(ctx: Context, c: dict, key: str, value: str) -> bool:
    """Does container `c` match one `key=value` filter?"""
    state = c["State"]
    if key == "id":
        return c["Id"].startswith(value)
    if key == "name":
        return re.search(value, c["Name"]) is not None
    if key == "label":
        return _label_ok(c["Config"].get("Labels") or {}, value)
    if key == "status":
        return state["Status"] == value
    if key == "exited":
        return state["Status"] == "exited" and state["ExitCode"] == int(value)
    if key == "health":
        return ((state.get("Health") or {}).get("Status") or "none") == value
    if key == "ancestor":
        return _ancestor_ok(ctx, c, value)
    if key == "volume":
        return any(value in (m.get("Name"), m.get("Source"), m.get("Destination"))
                   for m in c.get("Mounts") or [])
    if key == "network":
        nets = c["NetworkSettings"].get("Networks") or {}
        return any(value in (name, n.get("NetworkID", "")) or
                   (n.get("NetworkID") or "").startswith(value) for name, n in nets.items())
    if key in ("publish", "expose"):
        ports = c["NetworkSettings"].get("Ports") or {}
        wanted = value if "/" in value else f"{value}/tcp"
        if key == "expose":
            return wanted in ports or wanted in (c["Config"].get("ExposedPorts") or {})
        return any(wanted == k or any(b.get("HostPort") == value.split("/")[0] for b in v or [])
                   for k, v in ports.items())
    return True


def matches(ctx: Context, c: dict, filters: dict[str, list[str]]) -> bool:
    """Values of one key are OR'ed, keys are AND'ed (Docker's filters.Args)."""
    return all(any(_one(ctx, c, key, v) for v in values)
               for key, values in filters.items() if key not in ("before", "since"))


def _window(cs: list[dict], filters: dict, ctx: Context) -> list[dict]:
    """`before=` / `since=`: containers created before / after the named one."""
    for key in ("before", "since"):
        for ref in filters.get(key, []):
            pivot = ctx.engine.inspect_container(ref)["Created"]
            cs = [c for c in cs if (c["Created"] < pivot if key == "before" else c["Created"] > pivot)]
    return cs


def cmd_ps(ctx: Context, p) -> int:
    f = p.flags
    filters = dict(f.get("filter") or {})
    check_filters(filters)
    last = f.get("last")
    show_all = bool(f.get("all") or f.get("latest") or last not in (None, -1)
                    or "status" in filters or "before" in filters or "since" in filters)
    cs = [c for c in ctx.engine.list_containers(all=True) if matches(ctx, c, filters)]
    if not show_all:
        cs = [c for c in cs if c["State"]["Running"]]
    cs = _window(cs, filters, ctx)
    if f.get("latest"):
        cs = cs[:1]
    elif last not in (None, -1):
        cs = cs[: int(last)]
    fmt = f.get("format") or ""
    size = bool(f.get("size")) or "{{.Size}}" in fmt
    out = tables.render_containers([summary(c, size) for c in cs], fmt, quiet=bool(f.get("quiet")),
                                   size=bool(f.get("size")), trunc=not f.get("no-trunc"))
    ctx.out.write(out)
    ctx.out.flush()
    return 0


def ps_view(c: dict) -> dict:
    """Kept for callers that want one row's fields by name (tutor checks)."""
    row = tables.ContainerRow(summary(c))
    return {name: getattr(row, name)() for name in row.FIELDS}


# ---------------------------------------------------------------------------
# images, volumes
# ---------------------------------------------------------------------------

def image_summary(doc: dict) -> dict:
    created = units.parse_timestamp(doc.get("Created"))
    return {"Id": doc["Id"], "RepoTags": doc.get("RepoTags") or [],
            "RepoDigests": doc.get("RepoDigests") or [], "Size": doc.get("Size", 0),
            "Created": int(created.timestamp()) if created else 0,
            "Labels": (doc.get("Config") or {}).get("Labels") or {}}


def _image_ok(s: dict, filters: dict) -> bool:
    for key, values in filters.items():
        if key == "dangling":
            dangling = not s["RepoTags"]
            if not any((v.lower() in ("true", "1")) == dangling for v in values):
                return False
        elif key == "reference":
            import fnmatch
            names = [t.rsplit(":", 1)[0] for t in s["RepoTags"]] + s["RepoTags"]
            names += [tables.familiar_name(n) for n in names]
            if not any(fnmatch.fnmatch(n, v) for v in values for n in names):
                return False
        elif key == "label":
            if not any(_label_ok(s["Labels"], v) for v in values):
                return False
        elif key not in ("before", "since", "until"):
            raise InvalidArgument(f"invalid filter '{key}'")
    return True


def cmd_images(ctx: Context, p) -> int:
    f = p.flags
    if p.args:
        f.setdefault("filter", {})
        f["filter"] = {**(f["filter"] or {}), "reference": [p.args[0]]}
    sums = [image_summary(d) for d in ctx.engine.list_images()]
    sums = [s for s in sums if _image_ok(s, f.get("filter") or {})]
    sums.sort(key=lambda s: s["Created"], reverse=True)
    out = tables.render_images(sums, f.get("format") or "", quiet=bool(f.get("quiet")),
                               digests=bool(f.get("digests")), trunc=not f.get("no-trunc"))
    if f.get("quiet"):   # one id per image, as the daemon de-duplicates them
        out = "".join(dict.fromkeys(out.splitlines(keepends=True)))
    ctx.out.write(out)
    ctx.out.flush()
    return 0


def cmd_volume_ls(ctx: Context, p) -> int:
    vols = ctx.engine.list_volumes()
    filters = p.flags.get("filter") or {}
    if "dangling" in filters:
        want = filters["dangling"][0].lower() in ("true", "1")
        vols = [v for v in vols if (not ctx.engine.volume_users(v["Name"])) == want]
    if "name" in filters:
        vols = [v for v in vols if any(n in v["Name"] for n in filters["name"])]
    vols.sort(key=lambda v: v["Name"])
    ctx.out.write(tables.render_volumes(vols, p.flags.get("format") or "",
                                        quiet=bool(p.flags.get("quiet"))))
    ctx.out.flush()
    return 0


COMMANDS = {("container", "ls"): cmd_ps, ("image", "ls"): cmd_images, ("volume", "ls"): cmd_volume_ls}
