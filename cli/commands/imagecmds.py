"""docker commit, docker history, docker image prune."""
from __future__ import annotations

import sys
import time
from typing import Any, Mapping

from dockerlab.engine.errors import EngineError

from .. import units
from ..context import Context
from ..tables import _Row, ellipsis, truncate_id, write_rows

HISTORY_TABLE = "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"
HISTORY_HEADERS = {"ID": "IMAGE", "CreatedSince": "CREATED", "CreatedAt": "CREATED AT",
                   "CreatedBy": "CREATED BY", "Size": "SIZE", "Comment": "COMMENT"}


class HistoryRow(_Row):
    """One `docker history` row (formatter.historyContext)."""

    GO_TYPE = "*formatter.historyContext"
    FIELDS = ("ID", "CreatedAt", "CreatedSince", "CreatedBy", "Size", "Comment")

    def __init__(self, item: Mapping[str, Any], trunc: bool, human: bool):
        self.h, self.trunc, self.human = item, trunc, human

    def ID(self) -> str:
        return truncate_id(self.h["Id"]) if self.trunc else self.h["Id"]

    def CreatedAt(self) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(self.h["Created"])) + _zone(self.h["Created"])

    def CreatedSince(self) -> str:
        if not self.human:
            return self.CreatedAt()
        return units.created_ago(int(self.h["Created"]))

    def CreatedBy(self) -> str:
        text = self.h.get("CreatedBy", "").replace("\t", " ")
        return ellipsis(text, 45) if self.trunc else text

    def Size(self) -> str:
        size = int(self.h.get("Size", 0))
        return units.human_size(size, 3) if self.human else str(size)

    def Comment(self) -> str:
        return self.h.get("Comment", "")


def _zone(ts: float) -> str:
    offset = time.localtime(ts).tm_gmtoff
    if offset == 0:
        return "Z"
    sign = "+" if offset > 0 else "-"
    offset = abs(offset)
    return f"{sign}{offset // 3600:02d}:{offset % 3600 // 60:02d}"


def cmd_history(ctx: Context, p) -> int:
    store = ctx.engine.images
    image = store.get(p.args[0])
    fmt = p.flags.get("format") or ""
    if p.flags.get("quiet") and fmt in ("", "table"):
        fmt = "{{.ID}}"
    rows = [HistoryRow(item, not p.flags.get("no-trunc"), bool(p.flags.get("human", True)))
            for item in store.history(image)]
    ctx.out.write(write_rows(fmt or HISTORY_TABLE, rows, HISTORY_HEADERS))
    ctx.out.flush()
    return 0


def cmd_commit(ctx: Context, p) -> int:
    from dockerlab.engine.images.commit import commit_container
    repo = p.args[1] if len(p.args) > 1 else ""
    image = commit_container(ctx.engine, p.args[0], repo, message=p.flags.get("message") or "",
                             author=p.flags.get("author") or "",
                             changes=list(p.flags.get("change") or []))
    ctx.print(image.id)
    return 0


def _confirm(ctx: Context, warning: str) -> bool:
    ctx.out.write(f"{warning}\nAre you sure you want to continue? [y/N] ")
    ctx.out.flush()
    answer = sys.stdin.readline().strip().lower() if sys.stdin else ""
    return answer in ("y", "yes")


def prunable(engine, all_images: bool) -> list[str]:
    """Images `image prune` removes: dangling heads, or (-a) every image no container uses."""
    store = engine.images
    used = {c["Image"] for c in engine.list_containers(all=True)}
    out = []
    for image in store.list():
        if image.id in used or store.children(image.id):
            continue
        if image.repo_tags or image.repo_digests:
            if not all_images:
                continue
        out.append(image.id)
    return out


def _remove_all_refs(store, image_id: str) -> list[str]:
    image = store.lookup(image_id)
    if image is None:
        return []
    refs = image.repo_tags + image.repo_digests
    lines: list[str] = []
    try:
        for ref in refs[:-1]:
            lines += store.remove(ref)
        lines += store.remove(refs[-1] if refs else image_id)
    except EngineError:               # a conflict (a container made meanwhile) leaves it, as Docker does
        pass
    return lines


def cmd_image_prune(ctx: Context, p) -> int:
    all_images = bool(p.flags.get("all"))
    warning = ("WARNING! This will remove all images without at least one container associated to them."
               if all_images else "WARNING! This will remove all dangling images.")
    if not p.flags.get("force") and not _confirm(ctx, warning):
        return 0
    engine = ctx.engine
    store = engine.images
    before = sum(layer.size for layer in store.layers.all())
    lines: list[str] = []
    while True:                       # removing a child can leave its parent prunable
        done = len(lines)
        for image_id in prunable(engine, all_images):
            lines += _remove_all_refs(store, image_id)
        if len(lines) == done:
            break
    after = sum(layer.size for layer in store.layers.all())
    if lines:
        ctx.print("Deleted Images:")
        for line in lines:
            word, _, rest = line.partition(": ")
            ctx.print(f"{word.lower()}: {rest}")
        ctx.print("")
    ctx.print(f"Total reclaimed space: {units.human_size(max(before - after, 0), 4)}")
    return 0


COMMANDS = {("image", "history"): cmd_history, ("container", "commit"): cmd_commit,
            ("image", "prune"): cmd_image_prune}
