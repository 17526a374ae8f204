"""Building Debian layers: the base with mmdebstrap, the others with apt in a chroot.

Both go through the package cache (engine/pkgcache) started on loopback for
the build, so every index and .deb is downloaded once per machine and a
second prepare works offline. The base layer is mmdebstrap's tar; a derived
layer is the upper directory of an overlay on the layers below, after
`apt-get install` ran in a chroot of it, in a private mount namespace
(`unshare --mount`) so no mount outlives the build, even on a crash.
"""
from __future__ import annotations

import email.utils
import os
import shlex
import shutil
import subprocess
import tarfile
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator, Sequence

from ..errors import EngineError
from ..pkgcache.config import CacheConfig
from ..pkgcache.server import ThreadedCache
from ..pkgcache.store import PackageStore
from .layers import diff_to_tar
from .layerstore import Layer
from .recipe import Progress
from .store import ImageStore

MIRROR = "http://deb.debian.org/debian"   # what the images' sources.list says; the cache maps it
BUILD_ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
             "DEBIAN_FRONTEND": "noninteractive", "LANG": "C.UTF-8", "HOME": "/root"}


class BuildFailed(EngineError):
    """mmdebstrap or apt failed; the message ends with their last lines of output."""


class MissingTools(EngineError):
    """The host lacks a program the Debian-based images are built with."""


TOOLS = {"mmdebstrap": "mmdebstrap", "unshare": "util-linux", "chroot": "coreutils",
         "dpkg-deb": "dpkg", "gpgv": "gpgv"}


def require_tools() -> None:
    """Say which Debian packages to install when a build tool is missing."""
    missing = sorted({pkg for tool, pkg in TOOLS.items() if not shutil.which(tool)})
    if missing:
        raise MissingTools("the Debian-based images are built from Debian's packages with "
                           f"mmdebstrap and apt: run `apt-get install {' '.join(missing)}`")


def archive_epoch(cache: PackageStore, suite: str) -> int:
    """The Date of the suite's Release: the images' creation date, and mmdebstrap's clamp."""
    text = cache.read_bytes(f"dists/{suite}/InRelease").decode(errors="replace")
    for line in text.splitlines():
        if line.startswith("Date:"):
            return int(email.utils.parsedate_to_datetime(line[5:].strip()).timestamp())
    raise BuildFailed(f"dists/{suite}/InRelease has no Date field")


@contextmanager
def build_cache(config: CacheConfig) -> Iterator[ThreadedCache]:
    """The package cache on loopback for the duration of a build."""
    with ThreadedCache(config) as cache:
        yield cache


def _run(argv: Sequence[str], progress: Progress, label: str, env: dict | None = None,
         stdout: BinaryIO | None = None) -> None:
    """Run a build tool, passing its messages to `progress`; BuildFailed with the tail.

    With `stdout`, the tool's standard output goes there and its stderr is shown.
    """
    tail: list[str] = []
    proc = subprocess.Popen(argv, stdout=stdout or subprocess.PIPE,
                            stderr=subprocess.PIPE if stdout else subprocess.STDOUT, text=True,
                            errors="replace", env=env, stdin=subprocess.DEVNULL)
    messages = proc.stderr if stdout else proc.stdout
    assert messages is not None
    for line in messages:
        line = line.rstrip()
        if line:
            tail = (tail + [line])[-15:]
            progress(f"{label}: {line[:100]}")
    if proc.wait() != 0:
        raise BuildFailed(f"{label} failed (exit status {proc.returncode}):\n" + "\n".join(tail))


def _add_upper(store: ImageStore, upper: Path, parent: Layer | None) -> Layer:
    with tempfile.TemporaryFile(dir=store.root) as tmp:
        diff_to_tar(upper, tmp)
        tmp.seek(0)
        return store.add_layer(tmp, parent)


@contextmanager
def _workdir(store: ImageStore) -> Iterator[Path]:
    where = Path(tempfile.mkdtemp(prefix=".build-", dir=store.root))
    try:
        yield where
    finally:
        shutil.rmtree(where, ignore_errors=True)


def _dev_dir_header(mtime: int) -> bytes:
    """A tar header for an empty ./dev/ (the runtime mounts its own /dev there)."""
    info = tarfile.TarInfo("./dev/")
    info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, mtime
    return info.tobuf(format=tarfile.GNU_FORMAT)


def base_layer(store: ImageStore, cache: ThreadedCache, suite: str, epoch: int,
               extra: Path, progress: Progress) -> Layer:
    """mmdebstrap's minbase of `suite`, with the files under `extra` copied in."""
    with _workdir(store) as work:
        out = work / "rootfs.tar"
        argv = ["mmdebstrap", "--variant=minbase", "--mode=root", "--format=tar",
                "--skip=output/dev", f"--aptopt=Acquire::http::Proxy \"{cache.url}\"",
                "--dpkgopt=force-unsafe-io",          # no fsync per file: the tar is the result
                f"--customize-hook=sync-in {extra} /",
                "--customize-hook=rm -f \"$1\"/etc/apt/apt.conf.d/99mmdebstrap "
                "\"$1\"/etc/dpkg/dpkg.cfg.d/99mmdebstrap "
                "\"$1\"/etc/hostname \"$1\"/etc/resolv.conf",
                suite, "-", MIRROR]
        env = {**os.environ, "SOURCE_DATE_EPOCH": str(epoch), "TMPDIR": str(work)}
        with open(out, "wb") as f:
            f.write(_dev_dir_header(epoch))     # mmdebstrap leaves /dev out with output/dev
            f.flush()
            _run(argv, progress, "mmdebstrap", env, stdout=f)
        progress(f"mmdebstrap: storing the layer ({out.stat().st_size // 2**20} MiB)")
        return store.add_layer(out, None, allow_devices=False)


def _script(staging: Path | None, merged: Path, lower: str, upper: Path, workdir: Path,
            apt_conf: str, commands: str) -> str:
    q = shlex.quote
    copy = f"cp -a {q(str(staging))}/. {q(str(merged))}/\n" if staging else ""
    conf = "/etc/apt/apt.conf.d/zz-dockerlab-build"      # read last: wins over the image's
    inner = ("set -e\nmkdir -p /var/cache/apt/archives/partial /var/lib/apt/lists/partial\n"
             f"cat > {conf} <<'EOF'\n{apt_conf}EOF\n"
             "printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d\n"
             "chmod 755 /usr/sbin/policy-rc.d\n"
             f"{commands}\nrm -f /usr/sbin/policy-rc.d {conf}\n")
    return ("set -e\n"
            f"mount -t overlay overlay -o lowerdir={lower},upperdir={upper},workdir={workdir} "
            f"{q(str(merged))}\n"
            f"mount -t proc proc {q(str(merged / 'proc'))}\n"
            f"mount --rbind /dev {q(str(merged / 'dev'))}\n"
            + "".join(f"mount -t tmpfs tmpfs {q(str(merged / d))}\n"
                      for d in ("run", "tmp", "var/cache/apt", "var/lib/apt/lists"))
            + f"chroot {q(str(merged))} /bin/sh -c {q(inner)}\n" + copy)


def chroot_layer(store: ImageStore, below: list[Layer], cache: ThreadedCache, commands: str,
                 staging: Path | None, label: str, progress: Progress) -> Layer:
    """Run `commands` (sh, apt goes through the cache) in a chroot of `below`; store the change.

    Files under `staging` are copied over the result afterwards.
    """
    with _workdir(store) as work:
        upper, wdir, merged = work / "upper", work / "work", work / "merged"
        for d in (upper, wdir, merged):
            d.mkdir()
        lower = ":".join(str(l.diff_dir) for l in reversed(below))
        apt_conf = (f'Acquire::http::Proxy "{cache.url}";\n'
                    'Acquire::http::Proxy-Auto-Detect "";\n'
                    'APT::Install-Recommends "false";\n')
        script = _script(staging, merged, lower, upper, wdir, apt_conf, commands)
        _run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
             progress, label, BUILD_ENV)
        progress(f"{label}: storing the layer")
        return _add_upper(store, upper, below[-1] if below else None)
