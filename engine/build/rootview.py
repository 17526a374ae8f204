"""A read-only view of an image's filesystem, for `COPY --from=stage`.

Several layers are merged by a read-only overlayfs mount (lower dirs only),
so whiteouts and opaque directories mean what they mean in a container.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterator

from ..runtime import libc


@contextlib.contextmanager
def image_root(store, image) -> Iterator[Path]:
    dirs = [str(d) for d in reversed(store.layer_dirs(image))]      # top first
    with tempfile.TemporaryDirectory(prefix=".view-", dir=store.root) as tmp:
        if not dirs:
            yield Path(tmp)
            return
        if len(dirs) == 1:
            yield Path(dirs[0])
            return
        target = Path(tmp) / "merged"
        target.mkdir()
        libc.mount("overlay", str(target), "overlay", libc.MS_RDONLY,
                   "lowerdir=" + ":".join(dirs))
        try:
            yield target
        finally:
            libc.umount(str(target), libc.MNT_DETACH)
            os.rmdir(target)
