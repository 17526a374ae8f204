"""What the alpine stand-in's `apk add NAME` gets: Debian's package and its libraries, as one tar.

There is no Alpine package repository offline, so the stand-in's `apk`
(a busybox sh script, see engine/images/standins.py) asks the cache for
the Debian package of the same name. The cache picks it and the shared
libraries it needs from Debian's signed index, checks every .deb against
that index, and sends the files (without docs, manuals and translations)
as one tar the script unpacks at /. `apk` says on every run that these
are Debian's packages.

Maintainer scripts are not run (a busybox image has no dpkg), but one thing
they do decides whether a command exists at all: `update-alternatives
--install /usr/bin/figlet figlet /usr/bin/figlet-figlet 30` in a postinst
is the only way Debian's figlet becomes `figlet`. The bundle carries such
links directly (the alternative of highest priority), as the installed
package would have them.
"""
from __future__ import annotations

import re
import subprocess
import tarfile
import threading
from pathlib import Path
from typing import BinaryIO

from ..errors import InvalidArgument
from .index import PackageIndex, fetch_deb, load_index
from .store import PackageStore

_NAME = re.compile(r"^[a-z0-9][a-z0-9+.-]*$")
_LEFT_OUT = ("usr/share/doc/", "usr/share/man/", "usr/share/info/", "usr/share/locale/",
             "usr/share/lintian/", "usr/share/bug/")

_ALTERNATIVE = re.compile(r"update-alternatives\s+(?:--\w+\s+)*?--install\s+(\S+)\s+\S+\s+"
                          r"(\S+)\s+(\d+)((?:\s+--slave\s+\S+\s+\S+\s+\S+)*)")
_SLAVE = re.compile(r"--slave\s+(\S+)\s+\S+\s+(\S+)")

_cache_lock = threading.Lock()
_cached: dict[str, PackageIndex] = {}


def _relative(name: str) -> str:
    """`./usr/bin/curl` -> `usr/bin/curl` (dpkg's data tars start every name with ./)."""
    name = name[2:] if name.startswith("./") else name
    return name.lstrip("/").rstrip("/") if name != "." else ""


def check_names(names: list[str]) -> list[str]:
    bad = [n for n in names if not _NAME.match(n)]
    if bad or not names:
        raise InvalidArgument(f"not package names: {' '.join(bad) or '(none)'}")
    return names


def index_of(store: PackageStore) -> PackageIndex:
    """The suite's index, parsed once per process (a few seconds for bookworm/main)."""
    with _cache_lock:
        key = str(store.root)
        if key not in _cached:
            _cached[key] = load_index(store)
        return _cached[key]


def plan(store: PackageStore, names: list[str]) -> list[tuple[str, str]]:
    """(package, version) to install for `names`, dependencies first."""
    return [(s["Package"], s.get("Version", "")) for s in
            index_of(store).closure(check_names(names))]


def plan_text(store: PackageStore, names: list[str]) -> str:
    """`/apk/plan`'s answer, simple for a busybox script: `ok NAME VERSION` or `missing NAME` lines."""
    index = index_of(store)
    missing = [n for n in check_names(names) if index.find(n) is None]
    if missing:
        return "".join(f"missing {n}\n" for n in missing)
    return "".join(f"ok {n} {v}\n" for n, v in plan(store, names))


def write_bundle(store: PackageStore, names: list[str], out: BinaryIO) -> None:
    """Write one uncompressed tar with the files of `names` and their libraries to `out`."""
    stanzas = index_of(store).closure(check_names(names))
    written: set[str] = set()
    links: dict[str, tuple[int, str]] = {}
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.GNU_FORMAT) as bundle:
        for stanza in stanzas:
            deb = fetch_deb(store, stanza)
            written |= _add_files(bundle, deb)
            for link, target, priority in alternatives(deb):
                if priority >= links.get(link, (-1, ""))[0]:
                    links[link] = (priority, target)
        for link, (_priority, target) in sorted(links.items()):
            if link not in written and _relative(target) in written:
                member = tarfile.TarInfo(link)
                member.type, member.linkname, member.mode = tarfile.SYMTYPE, target, 0o777
                bundle.addfile(member)


def _kept(name: str) -> bool:
    return bool(name) and not (name + "/").startswith(_LEFT_OUT)


def _add_files(bundle: tarfile.TarFile, deb: Path) -> set[str]:
    """Copy the package's files (docs left out) into the bundle; the names written."""
    written = set()
    proc = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE)
    try:
        with tarfile.open(fileobj=proc.stdout, mode="r|") as data:
            for member in data:
                name = _relative(member.name)
                if not _kept(name):
                    continue
                member.name = name
                if member.islnk():
                    member.linkname = _relative(member.linkname)
                bundle.addfile(member, data.extractfile(member) if member.isfile() else None)
                written.add(name)
    finally:
        proc.stdout.close()  # type: ignore[union-attr]
        proc.wait()
    return written


def alternatives(deb: Path) -> list[tuple[str, str, int]]:
    """(link, target, priority) that the package's postinst gives to update-alternatives.

    Links are relative names (`usr/bin/figlet`), targets absolute paths as
    in the script; lines using shell variables are left out.
    """
    out = subprocess.run(["dpkg-deb", "--info", str(deb), "postinst"], capture_output=True)
    if out.returncode != 0:
        return []                                    # no postinst
    script = out.stdout.decode(errors="replace").replace("\\\n", " ")
    found = []
    for link, target, priority, slaves in _ALTERNATIVE.findall(script):
        for one, path in [(link, target), *_SLAVE.findall(slaves)]:
            if one.startswith("/") and path.startswith("/") and "$" not in one + path \
                    and _kept(_relative(one)):
                found.append((_relative(one), path, int(priority)))
    return found
