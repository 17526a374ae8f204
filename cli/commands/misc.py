"""Small commands: volumes, rmi/tag, prune, info, version."""
from __future__ import annotations

import platform

from dockerlab.engine.errors import EngineError


from ..context import Context

VERSION = "0.1.0"
API_VERSION = "1.44"


def cmd_volume_create(ctx: Context, p) -> int:
    labels = dict(x.split("=", 1) if "=" in x else (x, "") for x in p.flags.get("label") or [])
    vol = ctx.engine.volumes.create(p.args[0] if p.args else p.flags.get("name"), labels=labels,
                                    driver=p.flags.get("driver") or "local")
    ctx.print(vol["Name"])
    return 0


def cmd_volume_rm(ctx: Context, p) -> int:
    code = 0
    for name in p.args:
        try:
            ctx.engine.remove_volume(name, force=bool(p.flags.get("force")))
            ctx.print(name)
        except EngineError as e:
            ctx.warn(f"Error response from daemon: {e}")
            code = 1
    return code


def cmd_volume_inspect(ctx: Context, p) -> int:
    from .inspect import cmd_inspect   # loads the templates (gotpl): only inspect needs them
    return cmd_inspect(ctx, p, kind="volume")


def cmd_volume_prune(ctx: Context, p) -> int:
    removed = []
    for v in ctx.engine.list_volumes():
        anonymous = ctx.engine.volumes.is_anonymous(v["Name"])
        if (anonymous or p.flags.get("all")) and not ctx.engine.volume_users(v["Name"]):
            ctx.engine.remove_volume(v["Name"])
            removed.append(v["Name"])
    ctx.print("Deleted Volumes:\n" + "".join(n + "\n" for n in removed) if removed else "")
    ctx.print("Total reclaimed space: 0B")
    return 0


def cmd_container_prune(ctx: Context, p) -> int:
    removed = []
    for c in ctx.engine.list_containers(all=True):
        if c["State"]["Status"] in ("exited", "created", "dead"):
            ctx.engine.remove(c["Id"])
            removed.append(c["Id"])
    if removed:
        ctx.print("Deleted Containers:\n" + "\n".join(removed) + "\n")
    ctx.print("Total reclaimed space: 0B")
    return 0


def cmd_rmi(ctx: Context, p) -> int:
    code = 0
    for ref in p.args:
        try:
            for line in ctx.engine.images.remove(ref, force=bool(p.flags.get("force")),
                                                 containers_using=_users_of(ctx)):
                ctx.print(line)
        except EngineError as e:
            ctx.warn(f"Error response from daemon: {e}")
            code = 1
    return code


def _users_of(ctx: Context):
    """Container records using an image: the store tells running from stopped users."""
    containers = ctx.engine.list_containers(all=True)
    return lambda image_id: [c for c in containers if c["Image"] == image_id]


def cmd_tag(ctx: Context, p) -> int:
    ctx.engine.images.tag(p.args[0], p.args[1])
    return 0


def cmd_version(ctx: Context, p) -> int:
    ctx.print(f"""Client: dockerlab
 Version:           {VERSION}
 API version:       {API_VERSION}
 Python version:    {platform.python_version()}
 OS/Arch:           linux/{platform.machine()}

Server: dockerlab engine (embedded)
 Engine:
  Version:          {VERSION}
  API version:      {API_VERSION} (minimum version 1.24)
  OS/Arch:          linux/{platform.machine()}""")
    return 0


def cmd_info(ctx: Context, p) -> int:
    from dockerlab.engine import cgroups
    eng = ctx.engine
    cs = eng.list_containers(all=True)
    running = sum(1 for c in cs if c["State"]["Running"])
    stopped = sum(1 for c in cs if c["State"]["Status"] in ("exited", "created"))
    ctx.print(f"""Client: dockerlab {VERSION}

Server:
 Containers: {len(cs)}
  Running: {running}
  Paused: 0
  Stopped: {stopped}
 Images: {len(eng.images.list())}
 Server Version: dockerlab-{VERSION}
 Storage Driver: overlay2
 Logging Driver: json-file
 Cgroup Version: {cgroups.version()}
 Kernel Version: {platform.release()}
 Operating System: {platform.freedesktop_os_release().get('PRETTY_NAME', 'Linux')}
 Architecture: {platform.machine()}
 Docker Root Dir: {eng.settings.root}
 Default bridge: {eng.settings.bridge} {eng.settings.subnet}""")
    return 0




COMMANDS = {("image", "rm"): cmd_rmi, ("image", "tag"): cmd_tag,
            ("volume", "create"): cmd_volume_create, ("volume", "inspect"): cmd_volume_inspect,
            ("volume", "rm"): cmd_volume_rm, ("volume", "prune"): cmd_volume_prune,
            ("system", "info"): cmd_info, ("version",): cmd_version}
