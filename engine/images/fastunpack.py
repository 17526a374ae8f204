"""Store a layer blob and unpack it in one pass, GNU tar writing the files.

`docker load` used to copy each layer to a blob file, then read it again to
unpack it with Python's tarfile. Here the layer's bytes are read once: each
chunk is written to the blob file, hashed (blob digest, and diff id of the
uncompressed tar), decompressed as it streams (inflate.py), checked header by
header (tarscan.py) and only then handed to `tar -x` through a pipe, so tar
never sees a member the scan has not allowed. Tar runs in a fresh private
directory, with a clean environment (no TAR_OPTIONS), numeric owners and no
xattr support of its own; the pass after it turns `.wh.*` files into overlay
whiteouts, marks opaque directories and sets the xattrs a layer may carry,
through the same no-symlink-following directory walk as layers.py.

When the scan finds a layer only the careful unpacker reads right (see
tarscan.NeedsCarefulUnpack), or no GNU tar is installed, or the compression
has no in-process decompressor here (or DOCKERLAB_LAYER_UNPACK=python is set,
to compare the two), the blob is still stored in this pass
and `Ingested.unpacked` is False: the caller unpacks it with layers.py.

A plain layer GNU tar unpacked is not kept as a blob at all (that wrote every
layer twice): its tar-split record (tarsplit.py) gives the exact tar back to
`save` and `push`. Compressed layers keep their blob: its digest is the one
registries know, and it is small.
"""
from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import os
import queue
import shutil
import signal
import stat
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from . import compression, inflate
from .layers import OPAQUE_XATTRS, LayerError, WHITEOUT_PREFIX, _remove_existing
from .safefs import InRoot
from .tarscan import LayerScanner, NeedsCarefulUnpack, ScanResult

CHUNK = 1 << 20
F_SETPIPE_SZ = 1031
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_TAR_FLAGS = ["--blocking-factor=2048", "--numeric-owner", "--same-owner",
              "--same-permissions", "--no-xattrs", "--no-acls", "--no-selinux",
              "--no-unquote", "--warning=no-timestamp"]


@dataclass
class Ingested:
    """A layer blob stored in a temporary file, and (when `unpacked`) its files."""

    blob: str
    blob_size: int
    diff_id: str
    kind: str
    unpacked: bool
    size: int = 0
    stored: bool = True       # the blob was written to the temporary blob file
    split: bool = False       # a tar-split record was written (no blob needed)


@functools.lru_cache(maxsize=1)
def gnu_tar() -> str | None:
    """Path of a GNU tar program, or None (busybox or bsdtar read headers differently)."""
    program = shutil.which("tar")
    if program is None:
        return None
    try:
        out = subprocess.run([program, "--version"], capture_output=True, timeout=10,
                             env=_tar_env()).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return program if out.startswith(b"tar (GNU tar)") else None


def _tar_env() -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"}


class _TarFeed:
    """A `tar -x` process reading from a pipe we write checked bytes into."""

    def __init__(self, program: str, target: Path):
        self.errors = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [program, "-x", "-f", "-", "-C", str(target), *_TAR_FLAGS],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self.errors,
            env=_tar_env(), umask=0o022, close_fds=True)
        assert self.proc.stdin is not None
        self.fd = self.proc.stdin.fileno()
        try:
            fcntl.fcntl(self.fd, F_SETPIPE_SZ, CHUNK)
        except OSError:
            pass                    # a smaller pipe only costs more context switches

    def write(self, pieces: list[memoryview]) -> None:
        for piece in pieces:
            while piece:
                try:
                    piece = piece[os.write(self.fd, piece):]
                except BrokenPipeError:
                    self.close()            # tar stopped: close() says why
                    raise LayerError("invalid layer tar: tar stopped early") from None

    def close(self) -> None:
        """Wait for tar; LayerError with its message when it failed."""
        if self.proc.stdin and not self.proc.stdin.closed:
            try:
                self.proc.stdin.close()
            except BrokenPipeError:
                pass
        code, message = inflate.exit_message(self.proc, self.errors)
        if code != 0:
            raise LayerError(f"invalid layer tar: {message or f'tar exit status {code}'}")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        try:
            self.proc.stdin.close()         # type: ignore[union-attr]
        except OSError:
            pass
        self.proc.wait()
        self.errors.close()


def ingest(src: BinaryIO, tmp_blob: Path, target: Path | None,
           allow_devices: bool = True, split: Path | None = None) -> Ingested:
    """Copy `src` to `tmp_blob` and, when possible, unpack it into the empty `target`.

    With `split`, a plain layer unpacked by GNU tar gets a tar-split record
    written there (tarsplit.py) instead of a blob: the blob file is then
    written only when `src` cannot be read again (`Ingested.stored` says
    whether it was), for the careful unpacker to use should tar not do.
    Raises LayerError / UnsafePath for a damaged or hostile layer (the caller
    removes `tmp_blob` and `target`).
    """
    first = bytearray(CHUNK)
    n = _fill(src, first)
    kind = compression.detect(bytes(first[:8]))
    line = _Pipeline(kind, inflate.for_kind(kind), LayerScanner(allow_devices))
    try:
        program = gnu_tar() if target is not None and line.decompress is not None \
            and os.environ.get("DOCKERLAB_LAYER_UNPACK") != "python" else None
        if split is not None and program is not None and kind == compression.PLAIN:
            from .tarsplit import SplitWriter
            line.recorder = SplitWriter(line.scanner.result.files)
        store = line.recorder is None or not _rereadable(src)
        with open(tmp_blob, "wb", buffering=0) if store else contextlib.nullcontext() as out, \
                _BlobWriter(out) as blob:
            line.feed = _TarFeed(program, target) if program else None  # type: ignore[arg-type]
            buf = first
            while n:
                if line.decompress is not None:
                    line.push(memoryview(buf)[:n])
                    if line.feed is None and not store:     # tar gave up; read it again
                        return Ingested("", 0, "", kind, unpacked=False, stored=False)
                blob.put(buf, n)              # hashed (and written) by the blob thread
                buf = blob.take()
                n = _fill(src, buf)
            scan = line.end()
    except BaseException:
        line.kill()
        raise
    digest = "sha256:" + blob.hasher.hexdigest()
    diff_id = "" if line.decompress is None else \
        digest if line.diff_hash is None else "sha256:" + line.diff_hash.hexdigest()
    if scan is None:
        return Ingested(digest, blob.size, diff_id, kind, unpacked=False)
    _after_tar(target, scan)                                   # type: ignore[arg-type]
    if line.recorder is not None:
        line.recorder.finish(split)                            # type: ignore[arg-type]
    return Ingested(digest, blob.size, diff_id, kind, unpacked=True, size=scan.size,
                    stored=store, split=line.recorder is not None)


class _Pipeline:
    """Where the layer's bytes go: decompression, diff id hash, header scan, tar, tar-split."""

    def __init__(self, kind: str, decompress, scanner: LayerScanner):
        self.decompress = decompress            # None: the compression cannot be streamed
        self.diff_hash = None if kind == compression.PLAIN else hashlib.sha256()
        self.scanner = scanner
        self.feed: _TarFeed | None = None       # None: no tar, or tar gave up (careful path)
        self.recorder = None                    # a tarsplit.SplitWriter, for a plain layer

    def push(self, chunk, last: bool = False) -> None:
        """One chunk of the layer as read (with `last`, what the decompressor still holds)."""
        plain = self.decompress.finish() if last else self.decompress(chunk)
        if self.diff_hash is not None:
            self.diff_hash.update(plain)
        if self.feed is not None:
            self.feed = _forward(self.feed, self.scanner, plain)
            if self.recorder is not None and self.feed is not None:
                self.recorder.feed(plain)

    def end(self) -> ScanResult | None:
        """Flush and wait for tar; the scan when tar unpacked the layer."""
        if self.decompress is not None:
            self.push(b"", last=True)
        if self.feed is None:
            return None
        scan = self.scanner.finish()
        self.feed.close()
        self.feed = None
        return scan

    def kill(self) -> None:
        """Stop tar and zstd after a failure."""
        if self.feed is not None:
            self.feed.kill()
        if isinstance(self.decompress, inflate.Unzstd):
            self.decompress.kill()


def _rereadable(src: BinaryIO) -> bool:
    """True when `src` can be read again from where it is now (a file, an archive member)."""
    try:
        return bool(src.seekable()) and src.tell() >= 0
    except (AttributeError, OSError, ValueError):
        return False


class _BlobWriter:
    """A thread that hashes (and writes) the blob while the main thread feeds tar.

    sha256 and write() release the GIL, so on two CPUs this work overlaps
    with the header scan and the pipe to tar. Buffers go round a small pool.
    """

    POOL = 8

    def __init__(self, out: BinaryIO | None):
        self.out = out                   # None: hash only
        self.hasher = hashlib.sha256()
        self.size = 0
        self.free: queue.Queue[bytearray] = queue.Queue()
        self.todo: queue.Queue[tuple[bytearray, int] | None] = queue.Queue()
        self.error: BaseException | None = None
        for _ in range(self.POOL):
            self.free.put(bytearray(CHUNK))
        self.thread = threading.Thread(target=self._run, name="blob-writer", daemon=True)

    def __enter__(self) -> "_BlobWriter":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.todo.put(None)
        self.thread.join()
        if self.error is not None and exc[0] is None:
            raise self.error

    def take(self) -> bytearray:
        if self.error is not None:
            raise self.error
        return self.free.get()

    def put(self, buf: bytearray, n: int) -> None:
        self.size += n
        self.todo.put((buf, n))

    def _run(self) -> None:
        while (item := self.todo.get()) is not None:
            buf, n = item
            if self.error is None:
                try:
                    view = memoryview(buf)[:n]
                    self.hasher.update(view)
                    if self.out is not None:
                        self.out.write(view)
                except BaseException as e:      # reported to the main thread
                    self.error = e
            self.free.put(buf)


def _fill(src: BinaryIO, buf: bytearray) -> int:
    """Read up to len(buf) bytes into `buf` (fewer only at the end of `src`)."""
    readinto = getattr(src, "readinto", None)
    view, got = memoryview(buf), 0
    while got < len(buf):
        if readinto is not None:
            n = readinto(view[got:]) or 0
        else:
            data = src.read(len(buf) - got)
            n = len(data)
            view[got:got + n] = data
        if not n:
            break
        got += n
    return got


def _forward(feed: _TarFeed, scanner: LayerScanner, plain) -> _TarFeed | None:
    """Give tar what the scan allows; None (tar stopped) when the layer needs layers.py."""
    try:
        pieces = scanner.feed(plain)
    except NeedsCarefulUnpack:
        feed.kill()
        return None
    feed.write(pieces)
    return feed


# ---------------------------------------------------------------------------
# after tar: overlay whiteouts, opaque directories, xattrs, directory times
# ---------------------------------------------------------------------------

def _after_tar(target: Path, scan: ScanResult) -> None:
    root_fd = os.open(target, _DIR_FLAGS)
    tree = InRoot(root_fd)
    touched: set[str] = set()
    try:
        for wh in scan.whiteouts:
            fd, name = tree.open_parent(wh.parts, "/".join(wh.parts), create=False)
            try:
                hidden = name[len(WHITEOUT_PREFIX):]
                os.unlink(name, dir_fd=fd)
                _remove_existing(fd, hidden)
                os.mknod(hidden, stat.S_IFCHR, os.makedev(0, 0), dir_fd=fd)
                os.chown(hidden, wh.uid, wh.gid, dir_fd=fd, follow_symlinks=False)
            finally:
                os.close(fd)
            touched.add("/".join(wh.parts[:-1]))
        for parts in scan.opaque:
            fd, name = tree.open_parent(parts, "/".join(parts), create=False)
            try:
                os.unlink(name, dir_fd=fd)
                os.setxattr(fd, OPAQUE_XATTRS[0], b"y")
            finally:
                os.close(fd)
            touched.add("/".join(parts[:-1]))
        for parts, is_dir, attrs in scan.xattrs:
            _set_xattrs(tree, parts, is_dir, attrs)
        for path in touched:
            if path in scan.dir_mtimes:
                mtime = scan.dir_mtimes[path]
                fd = tree.open_dir(path.split("/") if path else [], False, path)
                try:
                    os.utime(fd, (mtime, mtime))
                finally:
                    os.close(fd)
    finally:
        os.close(root_fd)


def _set_xattrs(tree: InRoot, parts: list[str], is_dir: bool, attrs: dict[str, bytes]) -> None:
    if is_dir:
        fd = tree.open_dir(parts, False, "/".join(parts))
    else:
        parent, name = tree.open_parent(parts, "/".join(parts), create=False)
        try:
            fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC,
                         dir_fd=parent)
        finally:
            os.close(parent)
    try:
        if not is_dir and not stat.S_ISREG(os.fstat(fd).st_mode):
            return
        for key, value in attrs.items():
            os.setxattr(fd, key, value)
    finally:
        os.close(fd)
