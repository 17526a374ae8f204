"""`dockerlab lab test FILE...`: each step's checks must fail before its
solution and pass after it, on a fresh engine.

Every step runs on its own temporary state root (own bridge name, subnet
and cgroup parent), so steps cannot lean on each other and a student's
lab is never touched; the root is reset (processes, mounts, links,
cgroups, files) after the step even when something fails. Base images are
kept between steps of one run (hard-linked), so each step does not build
them again.
"""
from __future__ import annotations

import ipaddress
import os
import random
import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from dockerlab.tutor.checks import CheckContext, CheckResult, History, evaluate_step
from dockerlab.tutor.i18n import _
from dockerlab.tutor.labs.running import run_setup
from dockerlab.tutor.labs.schema import Lab, Step


@dataclass
class StepReport:
    """What happened to one step; `problems` empty means it behaves."""

    step_id: str
    before: bool | None = None     # did the checks pass before the solution?
    after: bool | None = None      # ... and after it?
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems


def _used_subnets() -> list[ipaddress.IPv4Network]:
    try:
        out = subprocess.run(["ip", "-4", "-o", "addr"], capture_output=True, text=True).stdout
    except OSError:
        return []
    nets = []
    for word in out.split():
        if "/" in word:
            try:
                nets.append(ipaddress.ip_network(word, strict=False))
            except ValueError:
                pass
    return nets


def free_subnet() -> str:
    """A /24 in 10.200-250.x.0 that no interface of this machine uses."""
    used = _used_subnets()
    for _attempt in range(200):
        net = ipaddress.ip_network(f"10.{random.randint(200, 250)}.{random.randint(0, 255)}.0/24")
        if not any(net.overlaps(u) for u in used):
            return str(net)
    raise RuntimeError("no free subnet for the test root")


@contextmanager
def fresh_root(image_cache: Path | None) -> Iterator[tuple["object", Path]]:
    """A temporary state root (settings, engine) and working directory."""
    from dockerlab.engine.engine import Engine
    from dockerlab.engine.reset import reset
    from dockerlab.engine.settings import Settings
    root = Path(tempfile.mkdtemp(prefix="dlabtest-"))
    workdir = Path(tempfile.mkdtemp(prefix="dlabtest-work-"))
    previous = os.environ.get("DOCKERLAB_ROOT")
    os.environ["DOCKERLAB_ROOT"] = str(root)
    settings = Settings.load(root)
    try:
        settings.subnet = free_subnet()
        settings.save()
        if image_cache is not None and image_cache.is_dir():
            subprocess.run(["cp", "-al", str(image_cache), str(settings.images_dir)], check=True)
        yield Engine(settings), workdir
    finally:
        try:
            reset(settings, remove_files=False)
            if image_cache is not None and settings.images_dir.is_dir():
                shutil.rmtree(image_cache, ignore_errors=True)
                shutil.move(str(settings.images_dir), str(image_cache))
        finally:
            shutil.rmtree(root, ignore_errors=True)
            shutil.rmtree(workdir, ignore_errors=True)
            if previous is None:
                os.environ.pop("DOCKERLAB_ROOT", None)
            else:
                os.environ["DOCKERLAB_ROOT"] = previous


def _first_failure(results: list[CheckResult]) -> str:
    return next((r.text("en") or r.kind for r in results if not r.ok), "")


def _docker(engine: object):
    from dockerlab.cli.context import Context
    from dockerlab.cli.main import docker_main
    return lambda argv: docker_main(argv, Context(_engine=engine))


def test_step(lab: Lab, step: Step, image_cache: Path | None) -> StepReport:
    from dockerlab.tutor.shell.runner import CommandRunner
    report = StepReport(step.id)
    started = time.monotonic()
    if not step.check and not step.quizzes:
        report.notes.append(_("no check: nothing to test"))
        return report
    with fresh_root(image_cache) as (engine, workdir):
        env = dict(os.environ)
        runner = CommandRunner(workdir, _docker(engine), env, echo=False)
        for failure in run_setup(step.setup, engine, workdir, runner.env):  # dockerlab's `docker`
            report.problems.append(_("setup failed: {what}").format(what=failure))
        history = History()
        ctx = CheckContext(engine=engine, history=history, workdir=workdir,
                           quizzes=lab.quizzes(), answers={})
        before = evaluate_step(step, ctx)
        report.before = all(r.ok for r in before)
        if report.before:
            report.problems.append(_("the check passes before the solution"))
        try:
            if not step.solution and step.check:
                report.problems.append(_("no solution to run"))
            for line in step.solution:
                outcome = runner.run(line)
                history.add(outcome.argv, outcome.output, outcome.exit_code)
                if outcome.exit_code != 0:
                    report.notes.append(_("'{line}' exited with {code}").format(
                        line=line, code=outcome.exit_code))
        finally:
            runner.close()
        ctx.answers = {q.id: list(q.answer) for q in step.quizzes}
        after = evaluate_step(step, ctx)
        report.after = all(r.ok for r in after)
        if not report.after:
            report.problems.append(_("the check fails after the solution: {why}").format(
                why=_first_failure(after)))
    report.seconds = time.monotonic() - started
    return report


def test_lab(lab: Lab, on_step=None) -> list[StepReport]:
    """Test every step; `on_step(report)` hears each one as it finishes."""
    cache_parent = Path(tempfile.mkdtemp(prefix="dlabtest-images-"))
    reports = []
    try:
        for step in lab.steps:
            report = test_step(lab, step, cache_parent / "image")
            reports.append(report)
            if on_step is not None:
                on_step(report)
    finally:
        shutil.rmtree(cache_parent, ignore_errors=True)
    return reports


def render_table(lab_file: str, reports: list[StepReport]):
    """A rich Table: step, before (must be ✗), after (must be ✓), verdict."""
    from rich.table import Table
    mark = {True: "✓", False: "✗", None: "-"}
    table = Table(box=None, pad_edge=False)
    for column in (_("STEP"), _("BEFORE"), _("AFTER"), _("TIME"), _("RESULT")):
        table.add_column(column)
    for r in reports:
        verdict = _("ok") if r.ok else "; ".join(r.problems)
        if r.notes:
            verdict += " (" + "; ".join(r.notes) + ")"
        table.add_row(r.step_id, mark[r.before], mark[r.after], f"{r.seconds:.1f}s",
                      verdict, style=None if r.ok else "red")
    return table
