"""Running a step's `setup:` actions (for the guided shell and `lab test`).

Setup is the teacher's, not the student's: its output is not shown and it
is not recorded in the history the checks read. Failures are reported
(unless `ignore_errors`) but do not stop the following actions, so one
missing container does not leave the step half prepared.
"""
from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path
from typing import Any, Sequence

from dockerlab.tutor.labs.schema import SetupAction


def _docker(words: list[str], engine: Any) -> tuple[int, str]:
    from dockerlab.cli.context import Context
    from dockerlab.cli.main import docker_main
    out = io.StringIO()
    ctx = Context(out=out, err=out, _engine=engine)
    try:
        code = docker_main(words, ctx)
    except Exception as err:  # noqa: BLE001 - a broken setup must not kill the shell
        return 1, f"{type(err).__name__}: {err}"
    return int(code or 0), out.getvalue()


def _shell(line: str, workdir: Path, env: dict | None) -> tuple[int, str]:
    done = subprocess.run(["bash", "-c", line], cwd=workdir, env=env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    return done.returncode, done.stdout.decode("utf-8", "replace")


def run_setup(actions: Sequence[SetupAction], engine: Any, workdir: Path,
              env: dict | None = None) -> list[str]:
    """Run every action; the failures as 'command: output' lines."""
    import shlex
    failures = []
    for action in actions:
        if action.docker is not None:
            code, output = _docker(shlex.split(action.docker), engine)
            shown = f"docker {action.docker}"
        else:
            code, output = _shell(action.shell, Path(workdir), env or dict(os.environ))
            shown = action.shell
        if code != 0 and not action.ignore_errors:
            failures.append(f"{shown}: {output.strip() or code}")
    return failures
