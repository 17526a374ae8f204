"""Running what the student types: `docker ...` in process, the rest in bash.

`docker` lines go to the CLI (`dockerlab.cli.main.docker_main`) in this
process, with Docker's real output and exit code; `sys.stdout`/`sys.stderr`
are teed for the time of the command so the checks can read the output,
and `-ti` still gets the real terminal (the CLI's relay puts it in raw mode
and gives it back on Ctrl-P Ctrl-Q). Words with `$`, `~`, backquotes or
globs (`-v $(pwd)/site:/data`) are expanded by bash first.

Any other line, or a docker line with pipes, `;`, `&&` or redirections,
runs in `bash -c` in the session's directory, on a pseudo-terminal when
the shell has one (so editors and colours work) and with a `docker` on the
PATH that is dockerlab's. The directory bash ends in becomes the session's,
so `cd` works across lines.
"""
from __future__ import annotations

import io
import os
import pty
import re
import select
import shlex
import shutil
import subprocess
import sys
import tempfile
import termios
import tty
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

OUTPUT_LIMIT = 64 * 1024
_OPERATORS = set("();<>|&")
_EXPAND = set("$`~*?[")


@dataclass
class Outcome:
    """What a line did: the argv recorded for the checks, exit code, output."""

    argv: list[str]
    exit_code: int
    output: str


class _Tee(io.TextIOBase):
    """A text stream that writes through to `real` and keeps a copy."""

    def __init__(self, real: Any, keep: bytearray):
        self.real, self.keep = real, keep
        self.buffer = _BinaryTee(getattr(real, "buffer", None), keep)

    def write(self, text: str) -> int:
        self.real.write(text)
        self.keep.extend(text.encode("utf-8", "replace"))
        return len(text)

    def flush(self) -> None:
        self.real.flush()

    def fileno(self) -> int:
        return self.real.fileno()

    def isatty(self) -> bool:
        return self.real.isatty()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.real, "encoding", "utf-8")


class _BinaryTee(io.RawIOBase):
    def __init__(self, real: Any, keep: bytearray):
        self.real, self.keep = real, keep

    def write(self, data: bytes) -> int:
        if self.real is not None:
            self.real.write(data)
        self.keep.extend(data)
        return len(data)

    def flush(self) -> None:
        if self.real is not None:
            self.real.flush()

    def writable(self) -> bool:
        return True


def _text(raw: bytes | bytearray) -> str:
    text = bytes(raw[-OUTPUT_LIMIT:]).decode("utf-8", "replace")
    return text.replace("\r\n", "\n")


def is_compound(line: str) -> bool:
    """True for lines bash must run whole: pipes, lists, redirections."""
    line = re.sub(r"\$\([^()]*\)", "_", line)  # `$(docker ps -q)` is an expansion, not a list
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    try:
        return any(token and set(token) <= _OPERATORS for token in lexer)
    except ValueError:  # unbalanced quotes: let bash say so
        return True


def split_words(line: str) -> list[str]:
    try:
        return shlex.split(line)
    except ValueError:
        return [line]


class CommandRunner:
    """Runs lines for one shell session; keeps its working directory."""

    def __init__(self, cwd: Path, docker: Callable[[list[str]], int], env: dict | None = None,
                 echo: bool = True):
        self.cwd = Path(cwd)
        self.docker = docker
        self.echo = echo  # False: output only kept (lab test), stdin is /dev/null
        self.env = dict(os.environ if env is None else env)
        self._bin = Path(tempfile.mkdtemp(prefix="dockerlab-bin-"))
        self._cleanup = weakref.finalize(self, shutil.rmtree, str(self._bin), True)
        self._write_docker_wrapper()
        self.env["PATH"] = f"{self._bin}:{self.env.get('PATH', '/usr/bin:/bin')}"

    def _write_docker_wrapper(self) -> None:
        """`docker` inside bash lines (pipes, scripts) is dockerlab's too."""
        script = self._bin / "docker"
        code = "from dockerlab.main import main; main()"
        script.write_text(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} -c "
                          f"{shlex.quote(code)} docker \"$@\"\n")
        script.chmod(0o755)

    def close(self) -> None:
        self._cleanup()  # also run when the runner is collected or at exit

    # -- dispatch -----------------------------------------------------------------
    def run(self, line: str) -> Outcome:
        words = split_words(line)
        if words and words[0] == "docker" and not is_compound(line):
            if set(line) & _EXPAND:
                words = self.expand(line) or words
            return self.run_docker(words)
        return self.run_host(line, words)

    def expand(self, line: str) -> list[str] | None:
        """The words of `line` after bash's expansions, in the session's directory."""
        done = subprocess.run(["bash", "-c", "printf '%s\\0' " + line], cwd=self.cwd,
                              env=self.env, capture_output=True, timeout=30)
        if done.returncode != 0:
            return None
        return done.stdout.decode("utf-8", "replace").split("\0")[:-1]

    def run_docker(self, words: list[str]) -> Outcome:
        keep = bytearray()
        saved = sys.stdout, sys.stderr, os.getcwd(), sys.stdin
        sink = saved[0] if self.echo else open(os.devnull, "w")
        sys.stdout, sys.stderr = _Tee(sink, keep), _Tee(saved[1] if self.echo else sink, keep)
        pty_master = None
        if not self.echo:
            # No keyboard (lab test), but a terminal: a solution's `docker run -ti`
            # must meet a TTY as a student's would, or Docker refuses it.
            pty_master, slave = os.openpty()
            sys.stdin = fake_stdin = open(slave, closefd=True)
        try:
            os.chdir(self.cwd)  # relative paths (docker build ., -v ./dir) are the session's
            code = self.docker(words[1:])
        except KeyboardInterrupt:
            code = 130
        except Exception as err:  # noqa: BLE001 - a CLI bug must not end the student's session
            from dockerlab.tutor.i18n import _
            sys.stderr.write(_("dockerlab: internal error: {error}").format(
                error=f"{type(err).__name__}: {err}") + "\n")
            code = 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            sys.stdout, sys.stderr, sys.stdin = saved[0], saved[1], saved[3]
            os.chdir(saved[2])
            if not self.echo:
                sink.close()
            if pty_master is not None:
                fake_stdin.close()
                os.close(pty_master)
        return Outcome(words, int(code or 0), _text(keep))

    def run_host(self, line: str, words: list[str]) -> Outcome:
        fd, cwd_file = tempfile.mkstemp(prefix="dockerlab-cwd-")
        os.close(fd)
        env = {**self.env, "__DL_CWD": cwd_file}
        script = "trap 'pwd -P >\"$__DL_CWD\"' EXIT\n" + line
        try:
            sys.stdout.flush()
            if self.echo and sys.stdin is not None and sys.stdin.isatty() and sys.stdout.isatty():
                code, raw = spawn_on_pty(["bash", "-c", script], self.cwd, env)
            else:
                code, raw = _run_piped(["bash", "-c", script], self.cwd, env, self.echo)
            new_cwd = Path(cwd_file).read_text().strip()
            if new_cwd and Path(new_cwd).is_dir():
                self.cwd = Path(new_cwd)
        finally:
            os.unlink(cwd_file)
        return Outcome(words, code, _text(raw))


def _run_piped(argv: list[str], cwd: Path, env: dict, echo: bool) -> tuple[int, bytes]:
    done = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, stdin=None if echo else subprocess.DEVNULL)
    if echo:
        sys.stdout.write(done.stdout.decode("utf-8", "replace"))
        sys.stdout.flush()
    return done.returncode, done.stdout


def _exit_code(status: int) -> int:
    return os.waitstatus_to_exitcode(status) if status >= 0 else 1


def spawn_on_pty(argv: list[str], cwd: Path, env: dict) -> tuple[int, bytes]:
    """Run `argv` on a new pty wired to our terminal; (exit code, output seen)."""
    in_fd, out_fd = sys.stdin.fileno(), sys.stdout.fileno()
    size = termios.tcgetwinsize(in_fd) if hasattr(termios, "tcgetwinsize") else None
    pid, master = pty.fork()
    if pid == 0:  # child: the pty is its terminal
        try:
            os.chdir(cwd)
            os.execvpe(argv[0], argv, env)
        finally:
            os._exit(127)
    if size is not None:
        termios.tcsetwinsize(master, size)
    saved = termios.tcgetattr(in_fd)
    tty.setraw(in_fd)
    seen = bytearray()
    status = None
    try:
        status = _pump(pid, master, in_fd, out_fd, seen)
    finally:
        termios.tcsetattr(in_fd, termios.TCSAFLUSH, saved)
        os.close(master)
        if status is None:
            status = os.waitpid(pid, 0)[1]
    return _exit_code(status), bytes(seen)


def _pump(pid: int, master: int, in_fd: int, out_fd: int, seen: bytearray) -> int:
    """Copy terminal <-> pty until the child is gone; its wait status."""
    status = None
    while True:
        ready, _, _ = select.select([master, in_fd], [], [], 0.05)
        if master in ready:
            try:
                data = os.read(master, 65536)
            except OSError:
                data = b""
            if not data:
                break
            os.write(out_fd, data)
            seen.extend(data)
            del seen[:-OUTPUT_LIMIT]
            continue
        if in_fd in ready:
            data = os.read(in_fd, 4096)
            if data:
                os.write(master, data)
        if status is None:
            done, st = os.waitpid(pid, os.WNOHANG)
            if done:
                status = st
        elif not ready:  # exited and nothing left to read (a background job may hold the pty)
            break
    if status is None:
        status = os.waitpid(pid, 0)[1]
    return status
