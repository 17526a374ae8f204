"""COPY and ADD: the sources are laid out in a staging tree that becomes the step's layer.

Docker's rules: a destination ending in `/`, several sources or an existing
directory means "into this directory"; a source directory's *contents* are
copied; files belong to root unless `--chown`; ADD unpacks a local tar
archive (plain, gzip, bzip2, xz) into the destination, but never a file
it downloaded from a URL. Parent directories that already exist in the
image keep their owner and mode in the layer.
"""
from __future__ import annotations

import os
import posixpath
import shutil
import stat
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .. import tarcompat
from ..errors import InvalidArgument


@dataclass
class CopyPlan:
    sources: list[Path]          # host paths (context files or another stage's rootfs)
    dest: str                    # absolute path in the image, as written (may end with /)
    owner: tuple[int, int] | None = None
    mode: int | None = None
    extract_archives: bool = False
    include: Callable[[Path], bool] | None = None     # .dockerignore: may this host path be sent?
    keep_archives: frozenset[Path] = frozenset()      # ADD's downloads: never unpacked


def lookup(layer_dirs: list[Path], rel: str) -> os.stat_result | None:
    """The entry `rel` in an image's layers (top-most wins; a whiteout hides it)."""
    rel = rel.strip("/")
    if not rel:
        return None
    for d in reversed(layer_dirs):
        try:
            st = os.lstat(Path(d) / rel)
        except OSError:
            continue
        if stat.S_ISCHR(st.st_mode) and st.st_rdev == 0:
            return None
        return st
    return None


def read_image_file(layer_dirs: list[Path], rel: str) -> str:
    for d in reversed(layer_dirs):
        p = Path(d) / rel.strip("/")
        if p.is_file():
            return p.read_text(errors="replace")
    return ""


def resolve_owner(spec: str, layer_dirs: list[Path]) -> tuple[int, int]:
    """`--chown=user:group` with names looked up in the image's /etc/passwd and /etc/group."""
    user, _, group = spec.partition(":")
    passwd = [l.split(":") for l in read_image_file(layer_dirs, "etc/passwd").splitlines() if l]
    groups = [l.split(":") for l in read_image_file(layer_dirs, "etc/group").splitlines() if l]

    def find(name: str, table: list[list[str]], what: str) -> tuple[int, int]:
        if name.isdigit():
            return int(name), -1
        for row in table:
            if len(row) > 3 and row[0] == name:
                return int(row[2]), int(row[3]) if what == "user" else -1
        raise InvalidArgument(f"unable to convert uid/gid chown string to host mapping: "
                              f"can't find {'uid' if what == 'user' else 'gid'} for "
                              f"{what} {name}: no such {what}: {name}")

    uid, primary = find(user, passwd, "user")
    if group:
        gid = find(group, groups, "group")[0]
    else:
        gid = primary if primary >= 0 else uid
    return uid, gid


def _make_parents(stage: Path, dest_dir: str, layer_dirs: list[Path], owner) -> None:
    """Create `dest_dir` and its parents in the stage, mirroring the image's directories."""
    path = ""
    for part in [p for p in dest_dir.split("/") if p]:
        path = f"{path}/{part}"
        target = stage / path.lstrip("/")
        if target.is_dir():
            continue
        target.mkdir()
        st = lookup(layer_dirs, path)
        if st is not None and stat.S_ISDIR(st.st_mode):
            os.chown(target, st.st_uid, st.st_gid)
            os.chmod(target, stat.S_IMODE(st.st_mode))
            os.utime(target, (st.st_mtime, st.st_mtime))
        else:
            os.chmod(target, 0o755)
            if owner and path == dest_dir:
                os.chown(target, *owner)


def _apply_owner_mode(path: Path, plan: CopyPlan) -> None:
    uid, gid = plan.owner or (0, 0)
    for root, dirs, files in os.walk(path) if path.is_dir() and not path.is_symlink() else [(None, [], [])]:
        for name in dirs + files:
            _fix(Path(root) / name, uid, gid, plan.mode)
    _fix(path, uid, gid, plan.mode)


def _fix(p: Path, uid: int, gid: int, mode: int | None) -> None:
    os.lchown(p, uid, gid)
    if mode is not None and not p.is_symlink():
        os.chmod(p, mode)


def _copy_one(src: Path, target: Path, include: Callable[[Path], bool] | None) -> None:
    if src.is_symlink():
        os.symlink(os.readlink(src), target)
    elif src.is_dir():
        skip = None if include is None else \
            (lambda d, names: [n for n in names if not include(Path(d) / n)])
        shutil.copytree(src, target, symlinks=True, dirs_exist_ok=True, ignore=skip)
    else:
        shutil.copy2(src, target, follow_symlinks=False)


def _extract(archive: Path, target: Path) -> None:
    with tarfile.open(archive) as tar:
        tarcompat.extractall(tar, target, "tar")


def stage_copy(stage: Path, plan: CopyPlan, workdir: str, layer_dirs: list[Path]) -> None:
    """Lay out the result of one COPY/ADD under `stage` (the root of the future layer)."""
    dest = plan.dest if plan.dest.startswith("/") else posixpath.join(workdir or "/", plan.dest)
    norm = posixpath.normpath(dest)
    existing = lookup(layer_dirs, norm)
    into_dir = (dest.endswith("/") or len(plan.sources) > 1 or plan.dest in (".", "./")
                or (existing is not None and stat.S_ISDIR(existing.st_mode)))
    for src in plan.sources:
        archive = plan.extract_archives and src not in plan.keep_archives and src.is_file() \
            and tarfile.is_tarfile(src)
        if src.is_dir() and not src.is_symlink() or archive:
            _make_parents(stage, norm, layer_dirs, plan.owner)
            target_dir = stage / norm.lstrip("/") if norm != "/" else stage
            if archive:
                _extract(src, target_dir)
                continue
            for child in sorted(src.iterdir()):
                if plan.include is not None and not plan.include(child):
                    continue
                _copy_one(child, target_dir / child.name, plan.include)
                _apply_owner_mode(target_dir / child.name, plan)
            continue
        if into_dir:
            _make_parents(stage, norm, layer_dirs, plan.owner)
            target = stage / norm.lstrip("/") / src.name
        else:
            _make_parents(stage, posixpath.dirname(norm), layer_dirs, None)
            target = stage / norm.lstrip("/")
        if target.exists() or target.is_symlink():
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            else:
                target.unlink()
        _copy_one(src, target, plan.include)
        _apply_owner_mode(target, plan)
