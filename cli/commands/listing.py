"""docker ps / images / volume ls: Docker's columns and wording."""
from __future__ import annotations

from .. import units
from ..tables import tabwrite
from ..context import Context


def table(rows: list[list[str]]) -> str:
    """Rows through Go's tabwriter as docker/cli sets it up (cli/tables.py)."""
    return tabwrite("".join("\t".join(r) + "\n" for r in rows)).rstrip("\n")


def _command(c: dict) -> str:
    cmd = " ".join([c["Path"], *c["Args"]])
    if len(cmd) > 20:
        cmd = cmd[:19] + "…"
    return '"' + cmd + '"'


def _ports(c: dict) -> str:
    out = []
    for port, binds in sorted((c["NetworkSettings"].get("Ports") or {}).items()):
        if binds:
            out += [f"{b.get('HostIp') or '0.0.0.0'}:{b['HostPort']}->{port}" for b in binds]
        else:
            out.append(port)
    return ", ".join(out)


def _filter(c: dict, filters: list[str]) -> bool:
    for f in filters:
        key, _, value = f.partition("=")
        if key == "status" and c["State"]["Status"] != value:
            return False
        if key == "name" and value not in c["Name"]:
            return False
        if key == "ancestor" and value not in (c["Config"]["Image"], c["Image"]):
            return False
        if key == "exited" and (c["State"]["Status"] != "exited" or str(c["State"]["ExitCode"]) != value):
            return False
    return True


def cmd_ps(ctx: Context, p) -> int:
    f = p.flags
    show_all = bool(f.get("all")) or bool(f.get("latest")) or f.get("last") not in (None, -1)
    cs = [c for c in ctx.engine.list_containers(all=show_all) if _filter(c, f.get("filter") or [])]
    if f.get("latest"):
        cs = cs[:1]
    elif f.get("last") not in (None, -1):
        cs = cs[: int(f["last"])]
    if f.get("quiet"):
        for c in cs:
            ctx.print(c["Id"][:12] if not f.get("no-trunc") else c["Id"])
        return 0
    fmt = f.get("format")
    if fmt and not fmt.startswith("table"):
        from .. import templates
        for c in cs:
            ctx.print(templates.render(fmt, ps_view(c)))
        return 0
    rows = [["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"]]
    for c in cs:
        v = ps_view(c)
        rows.append([v["ID"], v["Image"], v["Command"], v["RunningFor"], v["Status"], v["Ports"], v["Names"]])
    ctx.print(table(rows))
    return 0


def ps_view(c: dict) -> dict:
    return {"ID": c["Id"][:12], "Image": c["Config"]["Image"], "Command": _command(c),
            "RunningFor": units.created_ago(c["Created"]), "Status": units.container_status(c["State"]),
            "Ports": _ports(c), "Names": c["Name"].lstrip("/"), "State": c["State"]["Status"],
            "Labels": ",".join(f"{k}={v}" for k, v in (c["Config"].get("Labels") or {}).items())}


def cmd_images(ctx: Context, p) -> int:
    from dockerlab.engine.images import reference
    rows = [["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"]]
    quiet = p.flags.get("quiet")
    for img in ctx.engine.images.list():
        tags = img.repo_tags or ["<none>:<none>"]
        for t in tags:
            repo, _, tag = t.rpartition(":")
            if quiet:
                ctx.print(img.id.split(":")[1][:12])
                break
            rows.append([repo, tag, img.id.split(":")[1][:12], units.created_ago(img.created),
                         units.human_size(img.size)])
    if not quiet:
        ctx.print(table(rows))
    return 0


def cmd_volume_ls(ctx: Context, p) -> int:
    vols = ctx.engine.list_volumes()
    if p.flags.get("quiet"):
        for v in vols:
            ctx.print(v["Name"])
        return 0
    ctx.print(table([["DRIVER", "VOLUME NAME"]] + [[v["Driver"], v["Name"]] for v in vols]))
    return 0


COMMANDS = {("container", "ls"): cmd_ps, ("image", "ls"): cmd_images, ("volume", "ls"): cmd_volume_ls}
