"""The guided shell's terminal loop: prompt_toolkit for input, rich for output.

`run_lab(...)` builds the session (lab, progress, engine, command runner)
and reads lines until `quitter`/`exit` or Ctrl-D. prompt_toolkit owns the
terminal only while the prompt is shown: `prompt()` returns with the
terminal back in cooked mode, so a `docker run -ti` that follows gets a
normal terminal to put in raw mode, and the next prompt takes it back.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from dockerlab.tutor.i18n import current_language
from dockerlab.tutor.labs.schema import Lab
from dockerlab.tutor.progress import Progress, progress_dir

from .policy import GUIDED, ShellPolicy
from .runner import CommandRunner
from .session import LabSession


def _docker_in_process(engine: Any):
    from dockerlab.cli.context import Context
    from dockerlab.cli.main import docker_main

    def run(argv: list[str]) -> int:
        return docker_main(argv, Context(_engine=engine))
    return run


def make_session(lab: Lab, root: Path, workdir: Path, engine: Any, console: Console,
                 policy: ShellPolicy = GUIDED, reset: bool = False) -> LabSession:
    progress = Progress.load(root, lab.id)
    if reset:
        progress.reset()
    runner = CommandRunner(workdir, _docker_in_process(engine))
    runner.env["DOCKERLAB_LANG"] = current_language()  # `docker` inside bash lines too
    return LabSession(lab, console, progress, runner, engine=engine, workdir=workdir,
                      policy=policy)


def _prompt_session(session: LabSession, history_file: Path):
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory

    from .completion import ShellCompleter, engine_names
    history_file.parent.mkdir(parents=True, exist_ok=True)
    names = engine_names(session.engine) if session.engine is not None else None
    policy = session.policy
    return PromptSession(history=FileHistory(str(history_file)),
                         completer=ShellCompleter(names), complete_while_typing=False,
                         bottom_toolbar=policy.toolbar, refresh_interval=policy.refresh_interval)


def read_loop(session: LabSession, history_file: Path) -> None:
    """Prompt, run, repeat; Ctrl-C clears the line, Ctrl-D leaves."""
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    prompt = _prompt_session(session, history_file) if interactive else None
    while True:
        try:
            if prompt is not None:
                line = prompt.prompt(session.prompt_text())
            else:
                line = input(session.prompt_text())
        except KeyboardInterrupt:
            continue
        except EOFError:
            session.do_exit([])
            return
        sys.stdout.flush()
        if not session.handle(line):
            return


def run_lab(lab: Lab, root: Path, workdir: Path, engine: Any, policy: ShellPolicy = GUIDED,
            reset: bool = False, console: Console | None = None) -> int:
    console = console or Console(highlight=False)
    session = make_session(lab, root, workdir, engine, console, policy, reset)
    try:
        session.start()
        read_loop(session, progress_dir(root) / "history")
    finally:
        session.runner.close()
    return 0


def default_workdir(lab_id: str) -> Path:
    """Where the student's files for a lab live: `$DOCKERLAB_WORKDIR`, else
    `~/dockerlab/<lab>` of the student (the sudo caller's home under sudo)."""
    override = os.environ.get("DOCKERLAB_WORKDIR")
    if override:
        return Path(override)
    home = Path.home()
    sudo_user = os.environ.get("SUDO_USER")
    if sudo_user:
        import pwd
        try:
            home = Path(pwd.getpwnam(sudo_user).pw_dir)
        except KeyError:
            pass
    return home / "dockerlab" / lab_id


def prepare_workdir(path: Path) -> Path:
    """Create the directory; under sudo, give it to the student."""
    path.mkdir(parents=True, exist_ok=True)
    sudo_uid, sudo_gid = os.environ.get("SUDO_UID"), os.environ.get("SUDO_GID")
    if sudo_uid and sudo_gid and os.geteuid() == 0:
        for part in [path, *path.parents]:
            if part == Path.home() or str(part) in ("/", "/root", "/home"):
                break
            try:
                if part.stat().st_uid == 0:
                    os.chown(part, int(sudo_uid), int(sudo_gid))
            except OSError:
                break
    return path
