"""Tiny Debian packages and archive trees made in tests (dpkg-deb), for the package cache."""
from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path


def make_deb(where: Path, name: str, version: str = "1.0", depends: str = "",
             files: dict[str, tuple[str, int]] | None = None) -> Path:
    """Build NAME_VERSION_all.deb with dpkg-deb from `files` ({path: (text, mode)})."""
    tree = where / f"{name}-tree"
    (tree / "DEBIAN").mkdir(parents=True)
    control = (f"Package: {name}\nVersion: {version}\nArchitecture: all\n"
               f"Maintainer: dockerlab tests <tests@dockerlab.invalid>\n"
               + (f"Depends: {depends}\n" if depends else "")
               + f"Description: {name}, made by a dockerlab test\n")
    (tree / "DEBIAN/control").write_text(control)
    for rel, (text, mode) in (files or {}).items():
        path = tree / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        path.chmod(mode)
    deb = where / f"{name}_{version}_all.deb"
    subprocess.run(["dpkg-deb", "--root-owner-group", "--build", str(tree), str(deb)],
                   check=True, capture_output=True)
    return deb


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_archive(root: Path, suite: str, debs: list[Path], arch: str = "amd64",
                  release: bool = True) -> list[str]:
    """Lay `debs` out as a Debian archive under `root` (pool/, Packages, optional Release).

    Returns the archive paths written, as a cache or mirror serves them.
    """
    stanzas, written = [], []
    for deb in debs:
        name = deb.name.split("_")[0]
        rel = f"pool/main/{name[0]}/{name}/{deb.name}"
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(deb.read_bytes())
        written.append(rel)
        control = subprocess.run(["dpkg-deb", "--field", str(deb)], check=True,
                                 capture_output=True, text=True).stdout.strip()
        stanzas.append(f"{control}\nFilename: {rel}\nSize: {deb.stat().st_size}\n"
                       f"SHA256: {sha256(deb)}\n")
    packages = f"dists/{suite}/main/binary-{arch}/Packages"
    (root / packages).parent.mkdir(parents=True, exist_ok=True)
    (root / packages).write_text("\n".join(stanzas))
    written.append(packages)
    if release:
        p = root / packages
        text = (f"Suite: {suite}\nCodename: {suite}\nArchitectures: {arch}\nComponents: main\n"
                f"SHA256:\n {sha256(p)} {p.stat().st_size} main/binary-{arch}/Packages\n")
        (root / f"dists/{suite}/Release").write_text(text)
        written.append(f"dists/{suite}/Release")
    return written
