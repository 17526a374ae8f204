"""The guided shell: a step panel, a prompt, real commands, checks after each one.

Modules: `app` (terminal loop, `run_lab`), `session` (`LabSession`: steps,
built-ins, quizzes, checks; no terminal), `runner` (`CommandRunner`: docker
in process, other lines in bash), `render` (rich panels and verdicts),
`completion` (prompt_toolkit completer), `builtins` (French/English names),
`policy` (`ShellPolicy`).

Exam hook
---------
Exam mode reuses the shell with a `ShellPolicy` instead of the default
`GUIDED` one::

    from dockerlab.tutor.shell import ShellPolicy, run_lab
    policy = ShellPolicy(
        disabled=frozenset({"hint", "solution", "navigation"}),  # also "next", "prev",
                                                                   # "reset", "lang"
        toolbar=lambda: f"⏱ {remaining()}",          # bottom toolbar, redrawn...
        refresh_interval=1.0,                         # ...every second
        on_command=lambda line, code, output: log(line, code),
        on_check=lambda step_id, results: record(step_id, all(r.ok for r in results)),
        show_feedback=False,                          # only ✓ / "not yet"
    )
    run_lab(lab, settings.root, workdir, Engine(settings), policy=policy)

A disabled built-in answers "'indice' is not available here." `on_command`
gets every line the student ran (built-ins excluded) with its exit code
and output; `on_check` gets every evaluation of the current step's checks
(after each command, `vérifier`, or a quiz answer) with the `CheckResult`
list. `LabSession` can also be driven without a terminal (`handle(line)`),
which is how the unit tests and a scripted exam replay use it.
"""
from dockerlab.tutor.shell.policy import GUIDED, ShellPolicy


def run_lab(*args, **kwargs):  # noqa: ANN002 - see app.run_lab
    """Lazy import: `dockerlab list` should not pay for prompt_toolkit."""
    from dockerlab.tutor.shell.app import run_lab as real
    return real(*args, **kwargs)


__all__ = ["GUIDED", "ShellPolicy", "run_lab"]
