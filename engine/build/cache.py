"""The classic builder's layer cache: (parent image, step) -> the image that step made.

A step's key is the parent image id plus everything the step's result
depends on: the instruction as it will be recorded (`/bin/sh -c ...`, with
the build args it sees), the config it runs with, and for COPY/ADD the hash
of the source files' content and metadata. The table lives beside the image
store (`image/build-cache.json`); an entry whose image was removed is a miss.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ..fsutil import atomic_write_json, locked, read_json
from ..images.store import ImageStore


def step_key(parent_id: str, created_by: str, config: dict) -> str:
    blob = json.dumps([parent_id, created_by, config], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


class BuildCache:
    def __init__(self, store: ImageStore):
        self.store = store
        self.path = Path(store.root) / "build-cache.json"
        self._table: dict[str, str] | None = None

    def _load(self) -> dict[str, str]:
        if self._table is None:
            self._table = dict(read_json(self.path, {}) or {})
        return self._table

    def get(self, key: str) -> str | None:
        """The image id cached for `key`, if that image still exists."""
        image_id = self._load().get(key)
        if image_id and self.store.has(image_id):
            return image_id
        return None

    def put(self, key: str, image_id: str) -> None:
        with locked(self.path.with_suffix(".lock")):
            self._table = dict(read_json(self.path, {}) or {})
            self._table[key] = image_id
            live = set(self.store.image_ids())
            self._table = {k: v for k, v in self._table.items() if v in live or v == image_id}
            atomic_write_json(self.path, self._table)
