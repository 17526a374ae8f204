"""`docker load`: images from an archive in the format `docker save` writes.

Both layouts Docker has written are read: Docker 25 and later (manifest.json
pointing into an OCI layout, `blobs/sha256/<hex>`) and the older one
(`<id>/layer.tar`, `<id>.json`, layers shared through symlinks); an archive
with only an OCI `index.json` (skopeo, buildx `type=oci`) is read too. Layers
may be plain, gzip or zstd tars; they are unpacked by layers.py, which refuses
entries escaping the layer. An image keeps Docker's id: its config bytes are
stored as they are.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import BinaryIO, Callable

from .archive_reader import Archive, ArchiveError, open_archive
from .layerstore import Layer, chain_id
from .oci import host_architecture
from .reference import familiar
from .store import Image, ImageStore

INDEX_MEDIA_TYPES = ("application/vnd.oci.image.index.v1+json",
                     "application/vnd.docker.distribution.manifest.list.v2+json")
NAME_ANNOTATION = "io.containerd.image.name"

Output = Callable[[str], None]


@dataclass
class ManifestEntry:
    """One image of the archive: where its config and layers are, and its tags."""

    config: str
    layers: list[str]
    repo_tags: list[str] = field(default_factory=list)


def load(store: ImageStore, stream: BinaryIO, out: Output = lambda line: None) -> list[Image]:
    """Load every image of the archive `stream`; `out` gets Docker's lines.

    Raises ArchiveError (or a layer error) with nothing tagged when the
    archive is damaged or hostile.
    """
    with open_archive(stream, store.root / "tmp") as archive:
        entries = read_manifest(archive)
        if not entries:
            raise ArchiveError("invalid image archive: it holds no image")
        return [_load_one(store, archive, entry, out) for entry in entries]


def read_manifest(archive: Archive) -> list[ManifestEntry]:
    """The archive's images, from manifest.json (Docker) or index.json (OCI)."""
    if archive.has("manifest.json"):
        doc = archive.read_json("manifest.json")
        if not isinstance(doc, list):
            raise ArchiveError("invalid image archive: manifest.json is not a list")
        entries = []
        for item in doc:
            if not isinstance(item, dict) or not isinstance(item.get("Config"), str):
                raise ArchiveError("invalid image archive: a manifest.json entry has no Config")
            entries.append(ManifestEntry(config=item["Config"],
                                         layers=[str(l) for l in item.get("Layers") or []],
                                         repo_tags=[str(t) for t in item.get("RepoTags") or []]))
        return entries
    if archive.has("index.json"):
        return _oci_entries(archive, archive.read_json("index.json"), [])
    raise ArchiveError("invalid image archive: it has neither manifest.json nor index.json "
                       "(is it a root file system? use `docker import` for those)")


def _blob_name(digest: str) -> str:
    algorithm, _, hexpart = str(digest).partition(":")
    if not algorithm or not hexpart or "/" in digest:
        raise ArchiveError(f"invalid image archive: bad digest {json.dumps(digest)}")
    return f"blobs/{algorithm}/{hexpart}"


def _oci_entries(archive: Archive, index: dict, tags: list[str]) -> list[ManifestEntry]:
    entries: list[ManifestEntry] = []
    for desc in index.get("manifests") or []:
        name = (desc.get("annotations") or {}).get(NAME_ANNOTATION)
        mine = tags + ([familiar(name)] if name else [])
        doc = archive.read_json(_blob_name(desc.get("digest", "")))
        if desc.get("mediaType") in INDEX_MEDIA_TYPES or "manifests" in doc:
            platform = [d for d in doc.get("manifests") or [] if _for_host(d)]
            entries += _oci_entries(archive, {"manifests": platform[:1]}, mine)
            continue
        entries.append(ManifestEntry(config=_blob_name(doc["config"]["digest"]),
                                     layers=[_blob_name(l["digest"]) for l in doc["layers"]],
                                     repo_tags=mine))
    return entries


def _for_host(desc: dict) -> bool:
    platform = desc.get("platform") or {}
    return platform.get("os", "linux") == "linux" and \
        platform.get("architecture", host_architecture()) == host_architecture()


def _load_one(store: ImageStore, archive: Archive, entry: ManifestEntry, out: Output) -> Image:
    config = archive.read_bytes(entry.config)
    try:
        diff_ids = list(json.loads(config)["rootfs"]["diff_ids"] or [])
    except (ValueError, KeyError, TypeError):
        raise ArchiveError(f"invalid image archive: {entry.config} is not an image config") from None
    if len(diff_ids) != len(entry.layers):
        raise ArchiveError(f"invalid image archive: the config lists {len(diff_ids)} layers, "
                           f"the manifest {len(entry.layers)}")
    chain = _load_layers(store, archive, entry.layers, diff_ids)
    tags = [familiar(t) for t in entry.repo_tags]
    image, moved = store.add_image(config, chain, tags)
    for tag, old in moved.items():
        out(f"The image {tag} already exists, renaming the old one with ID {old} "
            "to empty string")
    for tag in tags:
        out(f"Loaded image: {tag}")
    if not tags:
        out(f"Loaded image ID: {image.id}")
    return image


def _load_layers(store: ImageStore, archive: Archive, paths: list[str],
                 diff_ids: list[str]) -> list[Layer]:
    """Store the layers (unpacking only the missing ones); undone on any failure."""
    chain: list[Layer] = []
    added: list[Layer] = []
    parent: str | None = None
    try:
        for path, diff_id in zip(paths, diff_ids):
            cid = chain_id(parent, diff_id)
            if store.layers.exists(cid):
                layer = store.layers.get(cid)
            else:
                with archive.open(path) as f:
                    layer = store.add_layer(f, parent)
                added.append(layer)
                if layer.diff_id != diff_id:
                    raise ArchiveError(f"invalid image archive: layer {path} has diff id "
                                       f"{layer.diff_id}, the image config says {diff_id}")
            chain.append(layer)
            parent = layer.chain_id
    except BaseException:
        for layer in reversed(added):
            _forget(store, layer)
        raise
    return chain


def _forget(store: ImageStore, layer: Layer) -> None:
    """Remove a layer just unpacked that no image uses (a damaged archive's)."""
    with store.lock():
        if layer.chain_id not in store._used_chain_ids() and store.layers.exists(layer.chain_id):
            store.layers.delete(layer.chain_id)
