"""Where the package cache keeps its files and which Debian mirror it may ask.

The cache only ever fetches from one place: the Debian mirror this machine's
apt is configured with (/etc/apt/sources.list.d/*.sources or sources.list),
so the lab reaches exactly what the host's own `apt-get` reaches. Its store
is shared by every state root of the machine (like /var/cache/apt), so the
second `dockerlab images prepare` downloads nothing.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

DEFAULT_STORE = Path("/var/cache/dockerlab/debian")
DEFAULT_MIRROR = "http://deb.debian.org/debian"
PORT = 3142                    # apt-cacher-ng's port: what apt users expect a cache on
SUITE = "bookworm"
_ARCHES = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "armhf", "i686": "i386",
           "ppc64le": "ppc64el", "s390x": "s390x"}


@dataclass(frozen=True)
class CacheConfig:
    """One package cache: its store directory and its single upstream mirror."""

    store_dir: Path
    upstream: str                # "http://deb.debian.org/debian", no trailing slash
    suite: str = SUITE
    arch: str = _ARCHES.get(os.uname().machine, os.uname().machine)


def _deb822_uris(text: str) -> list[str]:
    """URIs of `Types: deb` stanzas whose Suites include the lab's suite."""
    found = []
    for stanza in re.split(r"\n\s*\n", text):
        fields = {}
        for line in stanza.splitlines():
            if line[:1] not in (" ", "\t", "#") and ":" in line:
                key, _, value = line.partition(":")
                fields[key.strip().lower()] = value.split()
        if "deb" in fields.get("types", []) and SUITE in fields.get("suites", []):
            found += fields.get("uris", [])
    return found


def _one_line_uris(text: str) -> list[str]:
    found = []
    for line in text.splitlines():
        words = re.sub(r"\[[^]]*\]", "", line.split("#")[0]).split()
        if len(words) >= 3 and words[0] == "deb" and words[2] == SUITE:
            found.append(words[1])
    return found


def configured_mirror(apt_dir: Path = Path("/etc/apt")) -> str:
    """The host's Debian mirror for the lab's suite (an http:// URI ending in /debian)."""
    candidates: list[str] = []
    for path in sorted((apt_dir / "sources.list.d").glob("*.sources")):
        candidates += _deb822_uris(path.read_text(errors="replace"))
    for path in [apt_dir / "sources.list", *sorted((apt_dir / "sources.list.d").glob("*.list"))]:
        if path.is_file():
            candidates += _one_line_uris(path.read_text(errors="replace"))
    for uri in candidates:
        if uri.startswith("http://") and uri.rstrip("/").endswith("/debian"):
            return uri.rstrip("/")
    return DEFAULT_MIRROR


def config_for(extra: dict | None = None) -> CacheConfig:
    """The cache of a state root: `extra` (Settings.extra) may override store and mirror.

    Keys: `pkgcache_dir`, `pkgcache_upstream`; env `DOCKERLAB_PKGCACHE` also
    sets the store (tests use a private one, offline).
    """
    extra = extra or {}
    store = extra.get("pkgcache_dir") or os.environ.get("DOCKERLAB_PKGCACHE") or DEFAULT_STORE
    upstream = extra.get("pkgcache_upstream") or configured_mirror()
    return CacheConfig(store_dir=Path(store), upstream=upstream.rstrip("/"))
