"""`docker rmi` with Docker's rules, conflicts and output lines.

Removing by name untags first, and deletes the image only when no other tag
is left; removing by id deletes the image. Conflicts are hard (a child image,
a running container: never forced) or soft (another tag, a stopped
container: allowed with force). The messages are Docker's, so a student
learns to read the real ones. Runs with the store's lock held.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import Conflict
from .reference import is_id_prefix, normalize, quote

if TYPE_CHECKING:
    from .store import ContainersUsing, ImageStore, ImageUser

CHILD, RUNNING, ACTIVE_REF, STOPPED = 1, 2, 4, 8
HARD = CHILD | RUNNING
SOFT = ACTIVE_REF | STOPPED


def short(image_or_container_id: str) -> str:
    """Docker's truncated id: 12 hex digits, no algorithm."""
    return image_or_container_id.rpartition(":")[2][:12]


@dataclass
class DeleteConflict:
    image_id: str
    hard: bool
    used: bool
    reason: str

    def error(self) -> Conflict:
        forced = "cannot be forced" if self.hard else "must be forced"
        return Conflict(f"conflict: unable to delete {short(self.image_id)} ({forced}) - "
                        f"{self.reason}")


def as_user(item: object) -> "ImageUser":
    """An ImageUser from what a caller has at hand.

    Accepts ImageUser, (id, running) pairs, container records
    ({"Id", "State": {"Running"}}) and bare ids (taken as stopped).
    """
    from .store import ImageUser
    if isinstance(item, ImageUser):
        return item
    if isinstance(item, str):
        return ImageUser(item, False)
    if isinstance(item, dict):
        return ImageUser(item["Id"], bool((item.get("State") or {}).get("Running")))
    cid, running = item  # type: ignore[misc]
    return ImageUser(cid, bool(running))


def _repo(ref: str) -> str:
    """`alpine:latest` / `alpine@sha256:..` -> `alpine` (familiar repository name)."""
    return normalize(ref).familiar_name


def is_single_reference(refs: list[str]) -> bool:
    """All references in one repository, with at most one tag (Docker's rule)."""
    if len(refs) <= 1:
        return len(refs) == 1
    tags = [r for r in refs if "@" not in r]
    if len(tags) > 1:
        return False
    digest_repos = {_repo(r) for r in refs if "@" in r}
    single = tags[0] if tags else refs[0]
    return len(digest_repos) == 1 and _repo(single) in digest_repos


class Removal:
    """One `rmi` run: holds the tag table while it changes, writes it once at the end."""

    def __init__(self, store: "ImageStore", containers_using: "ContainersUsing | None",
                 prune: bool):
        self.store = store
        self.users_of = containers_using
        self.prune = prune
        self.repos = store.read_repositories()
        self.records: list[str] = []
        self._dirty = False

    def users(self, image_id: str) -> list["ImageUser"]:
        if self.users_of is None:
            return []
        return [as_user(u) for u in self.users_of(image_id)]

    def run(self, ref: str, force: bool) -> list[str]:
        image_id = self.store.resolve(ref, self.repos)
        try:
            if not is_id_prefix(image_id, ref):
                if self._untag_name(ref, image_id, force):
                    return self.records
                self._delete(image_id, force, quiet=True)
            else:
                self._untag_all_if_single(image_id, force)
                self._delete(image_id, force, quiet=False)
            return self.records
        finally:
            if self._dirty:
                self.store.write_repositories(self.repos)

    def _untag(self, key: str) -> None:
        if self.repos.pop(key, None) is not None:
            self._dirty = True
        self.records.append(f"Untagged: {key}")

    def _refs(self, image_id: str) -> list[str]:
        return self.store.references(image_id, self.repos)

    def _untag_name(self, ref: str, image_id: str, force: bool) -> bool:
        """Remove the tag `ref` names; True when the image keeps other references."""
        refs = self._refs(image_id)
        if not force and is_single_reference(refs):
            users = self.users(image_id)
            if users:
                raise Conflict(f"conflict: unable to remove repository reference {quote(ref)} "
                               f"(must force) - container {short(users[0].id)} is using its "
                               f"referenced image {short(image_id)}")
        named = normalize(ref)
        key = named.familiar()
        self._untag(key)
        if not named.digest:
            # the last tag of a repository takes that repository's digest references along
            left = self._refs(image_id)
            if not any("@" not in r and _repo(r) == named.familiar_name for r in left):
                for r in left:
                    if "@" in r and _repo(r) == named.familiar_name:
                        self._untag(r)
        return bool(self._refs(image_id))

    def _untag_all_if_single(self, image_id: str, force: bool) -> None:
        refs = self._refs(image_id)
        if not is_single_reference(refs):
            return
        mask = HARD if force else HARD | (SOFT & ~ACTIVE_REF)
        conflict = self._conflict(image_id, mask)
        if conflict:
            raise conflict.error()
        for r in refs:
            self._untag(r)

    def _conflict(self, image_id: str, mask: int) -> DeleteConflict | None:
        if mask & CHILD and self.store.children(image_id):
            return DeleteConflict(image_id, True, False, "image has dependent child images")
        users = self.users(image_id) if mask & (RUNNING | STOPPED) else []
        running = [u for u in users if u.running]
        if mask & RUNNING and running:
            return DeleteConflict(image_id, True, True, "image is being used by running "
                                  f"container {short(running[0].id)}")
        if mask & ACTIVE_REF and self._refs(image_id):
            return DeleteConflict(image_id, False, False,
                                  "image is referenced in multiple repositories")
        stopped = [u for u in users if not u.running]
        if mask & STOPPED and stopped:
            return DeleteConflict(image_id, False, True, "image is being used by stopped "
                                  f"container {short(stopped[0].id)}")
        return None

    def _dangling(self, image_id: str) -> bool:
        return not self._refs(image_id) and not self.store.children(image_id)

    def _delete(self, image_id: str, force: bool, quiet: bool) -> None:
        """Delete the image (and, pruning, its dangling parents) unless a conflict forbids it."""
        conflict = self._conflict(image_id, HARD if force else HARD | SOFT)
        if conflict:
            if quiet and (not self._dangling(image_id) or conflict.used):
                return
            raise conflict.error()
        parent = (self.store._meta(image_id) or {}).get("parent", "")
        layers = self.store.layers_of(self.store._load(image_id, self.repos))
        for r in self._refs(image_id):
            self._untag(r)
        self.store._delete_files(image_id)
        self.records.append(f"Deleted: {image_id}")
        if not self.users(image_id):        # a container may still stand on the layers
            self._delete_layers(layers)
        if self.prune and parent and self.store._meta(parent) is not None:
            self._delete(parent, False, quiet=True)

    def _delete_layers(self, layers: list) -> None:
        in_use = self.store._used_chain_ids()
        for layer in reversed(layers):
            if layer.chain_id in in_use:
                break
            self.store.layers.delete(layer.chain_id)
            self.records.append(f"Deleted: {layer.chain_id}")
