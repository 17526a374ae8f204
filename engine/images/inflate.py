"""Incremental decompression of a layer as its bytes stream past (fastunpack.py).

Each decompressor is called with the next compressed chunk and returns the
plain bytes it could produce so far; `finish()` returns what is left and
raises LayerError when the compressed data was damaged or cut short. gzip is
decompressed by zlib in process; zstd by the `zstd` program through pipes
(Python has no zstd before 3.14), a thread reading its output so neither
side waits for the other. Without a way to stream a compression, `for_kind`
returns None and the layer goes the two-pass way (blob first).
"""
from __future__ import annotations

import queue
import shutil
import subprocess
import tempfile
import threading
import zlib

from . import compression
from .layers import LayerError

_READ = 1 << 20


def exit_message(proc: subprocess.Popen, errors) -> tuple[int, str]:
    """Wait for a helper (zstd, tar) whose stderr went to the temporary file `errors`;
    return its exit status and what it said. The file is closed."""
    code = proc.wait()
    errors.seek(0)
    message = errors.read().decode(errors="replace").strip()
    errors.close()
    return code, message


class Plain:
    """No compression: the bytes as they are."""

    def __call__(self, data: bytes | memoryview) -> bytes | memoryview:
        return data

    def finish(self) -> bytes:
        return b""


class Gunzip:
    """Incremental gzip decompression (several members, NUL padding between them)."""

    def __init__(self):
        self.d = zlib.decompressobj(31)
        self.started = False

    def __call__(self, data: bytes | memoryview) -> bytes:
        out = []
        while data:
            if self.d.eof:
                data = bytes(data).lstrip(b"\x00")
                if not data:
                    break
                self.d = zlib.decompressobj(31)
            self.started = True
            try:
                out.append(self.d.decompress(data))
            except zlib.error as e:
                raise LayerError(f"invalid layer tar: {e}") from None
            data = self.d.unused_data if self.d.eof else b""
        return b"".join(out)

    def finish(self) -> bytes:
        if self.started and not self.d.eof:
            raise LayerError("invalid layer tar: compressed data ended early")
        return b""


class Unzstd:
    """`zstd -d` in a pipe: chunks go to its stdin, a thread collects its stdout."""

    def __init__(self, program: str):
        self.errors = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([program, "-d", "-c", "-q"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.errors,
                                     close_fds=True)
        self.out: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self.ended = False           # the reader's end mark was taken from `out`
        self.reader = threading.Thread(target=self._read, name="unzstd", daemon=True)
        self.reader.start()

    def _read(self) -> None:
        stdout = self.proc.stdout
        assert stdout is not None
        try:
            while data := stdout.read1(_READ):
                self.out.put(data)
        finally:
            self.out.put(None)

    def _ready(self, wait: bool) -> list[bytes]:
        """Output collected so far; with `wait`, all of it up to zstd's end."""
        got: list[bytes] = []
        while not self.ended:
            try:
                data = self.out.get(block=wait)
            except queue.Empty:
                break
            if data is None:
                self.ended = True
            else:
                got.append(data)
        return got

    def __call__(self, data: bytes | memoryview) -> bytes:
        try:
            self.proc.stdin.write(data)                       # type: ignore[union-attr]
        except BrokenPipeError:
            self.finish()
            raise LayerError("invalid layer tar: zstd stopped early") from None
        return b"".join(self._ready(wait=False))

    def finish(self) -> bytes:
        """The rest of the output; LayerError with zstd's message when it failed."""
        try:
            self.proc.stdin.close()                           # type: ignore[union-attr]
        except BrokenPipeError:
            pass
        rest = b"".join(self._ready(wait=True))
        self.reader.join()
        code, message = exit_message(self.proc, self.errors)
        if code != 0:
            raise LayerError(f"invalid layer tar: zstd: {message or f'exit status {code}'}")
        return rest

    def kill(self) -> None:
        """Stop zstd (the layer was refused); safe to call more than once."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.reader.join()                  # zstd is gone: its stdout is at its end
        for pipe in (self.proc.stdin, self.proc.stdout):
            try:
                pipe.close()                                  # type: ignore[union-attr]
            except OSError:
                pass
        self.errors.close()


def for_kind(kind: str):
    """An incremental decompressor for `kind`, or None when it cannot be streamed here."""
    if kind == compression.PLAIN:
        return Plain()
    if kind == compression.GZIP:
        return Gunzip()
    if kind == compression.ZSTD:
        program = shutil.which("zstd")
        return Unzstd(program) if program else None
    return None
