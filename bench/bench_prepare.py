"""`images prepare` of the Debian-based images: first (empty package cache) and second run.

The first run downloads from the configured Debian mirror through the
package cache; the second finds every .deb and index in the cache. Prints
seconds per image. Run as root: python bench/bench_prepare.py [NAME...]
(default: debian nginx). Uses a temporary state root and package store.
"""
from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from dockerlab.engine.images import catalog
from dockerlab.engine.images.store import ImageStore
from dockerlab.engine.reset import reset
from dockerlab.engine.settings import Settings


def main(names: list[str]) -> None:
    where = Path(tempfile.mkdtemp(prefix="dlab-bench-prepare-"))
    settings = Settings.load(where / "root")
    settings.extra["pkgcache_dir"] = str(where / "pkgcache")
    settings.save()
    try:
        store = ImageStore(settings)
        for run in ("first (empty cache)", "second (cached)"):
            for name in names:
                start = time.perf_counter()
                image = catalog.prepare(store, name, force=True)
                print(f"{run:20} {name:10} {time.perf_counter() - start:6.1f} s  "
                      f"{image.short_id}")
    finally:
        reset(settings)
        shutil.rmtree(where, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:] or ["debian", "nginx"])
