"""docker container prune / system prune: Docker's prompt, report and reclaimed space."""
from __future__ import annotations

import sys

from dockerlab.engine import containerfs
from dockerlab.engine.errors import EngineError
from dockerlab.engine.fsutil import tree_size

from .. import units
from ..context import Context


def confirm(ctx: Context, message: str) -> bool:
    """prompt.Confirm: `<message> [y/N] ` on stdout, yes only for "y" or "Y"."""
    ctx.out.write(f"{message} [y/N] ")
    ctx.out.flush()
    stream = getattr(ctx, "inp", None) or sys.stdin
    answer = stream.readline() if stream is not None else ""
    return answer.strip().lower() == "y"


def prune_containers(ctx: Context) -> tuple[int, str]:
    """Remove stopped containers: (bytes reclaimed, Docker's "Deleted Containers:" text)."""
    eng, removed, space = ctx.engine, [], 0
    for c in eng.list_containers(all=True):
        if c["State"]["Status"] not in ("exited", "created", "dead"):
            continue
        try:
            size = containerfs.rw_size(eng, c["Id"])
            eng.remove(c["Id"])
        except EngineError:
            continue
        removed.append(c["Id"])
        space += size
    return space, ("Deleted Containers:\n" + "".join(i + "\n" for i in removed) if removed else "")


def prune_volumes(ctx: Context) -> tuple[int, str]:
    """Anonymous volumes no container uses (Docker >= 23 keeps named ones without --all)."""
    eng, removed, space = ctx.engine, [], 0
    for v in eng.list_volumes():
        if not eng.volumes.is_anonymous(v["Name"]) or eng.volume_users(v["Name"]):
            continue
        space += tree_size(v.get("Mountpoint", ""))
        eng.remove_volume(v["Name"])
        removed.append(v["Name"])
    return space, ("Deleted Volumes:\n" + "".join(n + "\n" for n in removed) if removed else "")


def prune_images(ctx: Context, all_images: bool) -> tuple[int, str]:
    from .imagecmds import prunable
    store = ctx.engine.images
    before = sum(layer.size for layer in store.layers.all())
    lines: list[str] = []
    for image_id in prunable(ctx.engine, all_images):
        image = store.lookup(image_id)
        if image is None:
            continue
        refs = image.repo_tags + image.repo_digests
        try:
            for ref in refs[:-1]:
                lines += store.remove(ref)
            lines += store.remove(refs[-1] if refs else image_id)
        except EngineError:
            continue
    after = sum(layer.size for layer in store.layers.all())
    text = "".join(f"{w.lower()}: {rest}\n" for w, _, rest in (l.partition(": ") for l in lines))
    return max(before - after, 0), ("Deleted Images:\n" + text if text else "")


def cmd_container_prune(ctx: Context, p) -> int:
    if not p.flags.get("force") and not confirm(
            ctx, "WARNING! This will remove all stopped containers.\nAre you sure you want to continue?"):
        return 0
    space, out = prune_containers(ctx)
    if out:
        ctx.print(out)
    ctx.print(f"Total reclaimed space: {units.human_size(space, 4)}")
    return 0


def system_warning(all_images: bool, volumes: bool) -> str:
    """docker/cli's confirmation template for `system prune`."""
    items = ["all stopped containers", "all networks not used by at least one container"]
    if volumes:
        items.append("all anonymous volumes not used by at least one container")
    items.append("all images without at least one container associated to them" if all_images
                 else "all dangling images")
    items.append("all build cache" if all_images else "unused build cache")
    return ("WARNING! This will remove:\n" + "".join(f"  - {i}\n" for i in items)
            + "\nAre you sure you want to continue?")


def cmd_system_prune(ctx: Context, p) -> int:
    from .network import prune_networks
    all_images, volumes = bool(p.flags.get("all")), bool(p.flags.get("volumes"))
    if not p.flags.get("force") and not confirm(ctx, system_warning(all_images, volumes)):
        return 0
    total = 0
    space, out = prune_containers(ctx)
    total += space
    if out:
        ctx.print(out)
    out = prune_networks(ctx)
    if out:
        ctx.print(out)
    if volumes:
        space, out = prune_volumes(ctx)
        total += space
        if out:
            ctx.print(out)
    space, out = prune_images(ctx, all_images)
    total += space
    if out:
        ctx.print(out)
    ctx.print(f"Total reclaimed space: {units.human_size(total, 4)}")
    return 0


COMMANDS = {("container", "prune"): cmd_container_prune, ("system", "prune"): cmd_system_prune}
