"""Reading the archive's Packages index and choosing what a package needs.

Used by the alpine stand-in's `apk add`: it installs a Debian package with
the shared libraries it depends on. The choice is apt's simplest one: for
each dependency, the first alternative that exists; packages marked
`Essential: yes` (the Debian base system's tools) are left out, since
they are not libraries and run maintainer scripts a busybox image cannot.
"""
from __future__ import annotations

import gzip
import hashlib
import lzma
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..errors import EngineError, NotFound
from .store import PackageStore

KEYRING = Path("/usr/share/keyrings/debian-archive-keyring.gpg")
SKIPPED = {"debconf", "debconf-2.0", "perl-base", "dpkg", "install-info"}
_DEP_SPLIT = re.compile(r"\s*,\s*")


class BadIndex(EngineError):
    """The archive's index is missing, unsigned or does not match its Release file."""


def parse_deb822(text: str) -> list[dict[str, str]]:
    """Paragraphs of `Key: value` fields (continuation lines kept, joined by newlines)."""
    stanzas, fields, key = [], {}, ""
    for line in text.splitlines():
        if not line.strip():
            if fields:
                stanzas.append(fields)
            fields, key = {}, ""
        elif line[0] in " \t" and key:
            fields[key] += "\n" + line.strip()
        elif ":" in line:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    if fields:
        stanzas.append(fields)
    return stanzas


@dataclass
class PackageIndex:
    """name -> Packages stanza, and virtual name -> providers."""

    packages: dict[str, dict[str, str]]
    provides: dict[str, list[str]]

    @classmethod
    def from_text(cls, text: str) -> "PackageIndex":
        packages: dict[str, dict[str, str]] = {}
        provides: dict[str, list[str]] = {}
        for stanza in parse_deb822(text):
            name = stanza.get("Package")
            if not name:
                continue
            packages[name] = stanza
            for virtual in _names(stanza.get("Provides", "")):
                provides.setdefault(virtual, []).append(name)
        return cls(packages, provides)

    def find(self, name: str) -> dict[str, str] | None:
        if name in self.packages:
            return self.packages[name]
        providers = self.provides.get(name) or []
        return self.packages.get(providers[0]) if providers else None

    def closure(self, names: list[str]) -> list[dict[str, str]]:
        """The packages `names` need, dependencies first (NotFound for an unknown name)."""
        missing = [n for n in names if self.find(n) is None]
        if missing:
            raise NotFound(", ".join(missing))
        chosen: dict[str, dict[str, str]] = {}

        def visit(stanza: dict[str, str]) -> None:
            name = stanza["Package"]
            if name in chosen:
                return
            chosen[name] = stanza            # before its dependencies: cycles end here
            for group in _groups(stanza):
                picks = [self.find(alt) for alt in group if alt not in SKIPPED]
                pick = next((p for p in picks if p is not None), None)
                if pick is not None and pick.get("Essential") != "yes":
                    visit(pick)
            chosen[name] = chosen.pop(name)  # move after its dependencies
        for n in names:
            visit(self.find(n))  # type: ignore[arg-type]
        return list(chosen.values())


def _names(field: str) -> list[str]:
    return [re.split(r"[\s(:]", part.strip(), maxsplit=1)[0]
            for part in _DEP_SPLIT.split(field) if part.strip()]


def _groups(stanza: dict[str, str]) -> list[list[str]]:
    text = ", ".join(f for f in (stanza.get("Pre-Depends"), stanza.get("Depends")) if f)
    return [_names(group.replace("|", ",")) for group in _DEP_SPLIT.split(text) if group.strip()]


# -- finding the index in the archive ------------------------------------------

def _verified_release(store: PackageStore, suite: str) -> str | None:
    """The text of dists/SUITE/InRelease once gpgv accepts it; None when there is none."""
    rel = f"dists/{suite}/InRelease"
    try:
        data = store.read_bytes(rel)
    except NotFound:
        return None
    except EngineError:
        if not store.has(rel):
            return None
        raise
    gpgv = shutil.which("gpgv")
    if gpgv and KEYRING.exists():
        out = subprocess.run([gpgv, "--keyring", str(KEYRING), "--output", "-", "-"],
                             input=data, capture_output=True)
        if out.returncode != 0:
            raise BadIndex(f"{rel} is not signed by Debian's archive key: "
                              f"{out.stderr.decode(errors='replace').strip()}")
        return out.stdout.decode(errors="replace")
    raise BadIndex(f"cannot check {rel}: install gpgv and debian-archive-keyring")


def _sha256_entries(release: str) -> dict[str, tuple[str, int]]:
    fields = parse_deb822(release)[0]
    entries = {}
    for line in fields.get("SHA256", "").splitlines():
        parts = line.split()
        if len(parts) == 3:
            entries[parts[2]] = (parts[0], int(parts[1]))
    return entries


def _decompress(name: str, data: bytes) -> str:
    if name.endswith(".xz"):
        data = lzma.decompress(data)
    elif name.endswith(".gz"):
        data = gzip.decompress(data)
    return data.decode("utf-8", errors="replace")


def load_index(store: PackageStore, component: str = "main") -> PackageIndex:
    """The suite's Packages index, checked against the signed InRelease when there is one.

    Without any Release file (a cache seeded by hand for an offline lab) a
    plain `Packages` file in the store is trusted as the person put it there.
    """
    cfg = store.config
    base = f"{component}/binary-{cfg.arch}"
    release = _verified_release(store, cfg.suite)
    if release is None:
        for name in ("Packages", "Packages.xz", "Packages.gz"):
            rel = f"dists/{cfg.suite}/{base}/{name}"
            if store.has(rel):
                return PackageIndex.from_text(_decompress(name, store.path(rel).read_bytes()))
        raise BadIndex(f"the package cache has no index for {cfg.suite} ({base}) and the "
                          f"Debian mirror {cfg.upstream} cannot be reached")
    entries = _sha256_entries(release)
    for name in ("Packages.xz", "Packages.gz", "Packages"):
        if f"{base}/{name}" not in entries:
            continue
        digest, size = entries[f"{base}/{name}"]
        by_hash = f"dists/{cfg.suite}/{base}/by-hash/SHA256/{digest}"
        data = store.read_bytes(by_hash)
        if hashlib.sha256(data).hexdigest() != digest:
            raise BadIndex(f"{by_hash} does not match the InRelease file")
        return PackageIndex.from_text(_decompress(name, data))
    raise BadIndex(f"dists/{cfg.suite}/InRelease lists no Packages index for {base}")


def fetch_deb(store: PackageStore, stanza: dict[str, str]) -> Path:
    """The package's .deb in the store, fetched if needed and checked against the index."""
    rel = stanza["Filename"]
    if not store.has(rel):
        for _ in store.get(rel).chunks:
            pass
    path = store.path(rel)
    expected = stanza.get("SHA256")
    if expected:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                h.update(chunk)
        if h.hexdigest() != expected:
            path.unlink(missing_ok=True)
            raise BadIndex(f"{rel} does not match its SHA256 in the index")
    return path
