"""Guided shell speed: `dockerlab start X` to the first prompt, and the time
to evaluate a step's checks after a command.

Prints medians. Goals: first prompt <= 0.6 s warm (the first run, which
fills the page cache and the image store, is left out); checks <= 50 ms.
Run as root: python bench/bench_shell.py [LAB-or-FILE] [N]
(default: chapitre3 when shipped, else tests/data/labs/shell-demo.yaml).
"""
from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pexpect

from dockerlab.engine.engine import Engine
from dockerlab.engine.reset import reset
from dockerlab.engine.settings import Settings
from dockerlab.tutor.checks import CheckContext, History, evaluate_step
from dockerlab.tutor.labs import load_lab
from dockerlab.tutor.labs.catalog import find_lab
from dockerlab.tutor.shell.runner import CommandRunner

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "tests" / "data" / "labs" / "shell-demo.yaml"
DOCKERLAB = str(Path(sys.executable).with_name("dockerlab"))


def first_prompt(lab_arg: str, lab_id: str, root: Path, work: Path) -> float:
    env = dict(os.environ, DOCKERLAB_ROOT=str(root), DOCKERLAB_WORKDIR=str(work),
               PROMPT_TOOLKIT_NO_CPR="1", TERM="xterm", SUDO_USER="bench")
    started = time.perf_counter()
    child = pexpect.spawn(DOCKERLAB, ["start", lab_arg, "--reset"], env=env, encoding="utf-8",
                          timeout=30, dimensions=(50, 140))
    child.expect_exact(f"{lab_id} [1/")
    elapsed = time.perf_counter() - started
    child.sendline("quitter")
    child.expect(pexpect.EOF)
    child.close()
    return elapsed


def check_times(lab, engine: Engine, work: Path, runs: int) -> dict[str, float]:
    """Median time of evaluate_step for every step with checks, after its solution."""
    from dockerlab.cli.context import Context
    from dockerlab.cli.main import docker_main
    from dockerlab.tutor.labs.running import run_setup
    runner = CommandRunner(work, lambda argv: docker_main(argv, Context(_engine=engine)),
                           echo=False)
    out = {}
    try:
        for step in lab.steps:
            if not step.check:
                continue
            run_setup(step.setup, engine, work)
            history = History()
            for line in step.solution:
                o = runner.run(line)
                history.add(o.argv, o.output, o.exit_code)
            ctx = CheckContext(engine=engine, history=history, workdir=work,
                               quizzes=lab.quizzes(), answers={})
            samples = []
            for _ in range(runs):
                t = time.perf_counter()
                evaluate_step(step, ctx)
                samples.append(time.perf_counter() - t)
            out[step.id] = statistics.median(samples)
    finally:
        runner.close()
    return out


def main() -> None:
    arg = sys.argv[1] if len(sys.argv) > 1 else "chapitre3"
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    try:
        path = find_lab(arg)
    except FileNotFoundError:
        path, arg = DEMO, str(DEMO)
    lab = load_lab(path)
    root = Path(tempfile.mkdtemp(prefix="dlabbench-"))
    work = Path(tempfile.mkdtemp(prefix="dlabbench-work-"))
    os.environ["DOCKERLAB_ROOT"] = str(root)
    settings = Settings.load(root)
    settings.subnet = f"10.{random.randint(200, 250)}.{random.randint(0, 255)}.0/24"
    settings.save()
    try:
        times = [first_prompt(arg, lab.id, root, work) for _ in range(runs + 1)][1:]
        print(f"lab: {path}")
        print(f"start -> first prompt: median {statistics.median(times) * 1000:.0f} ms, "
              f"min {min(times) * 1000:.0f} ms over {runs} warm runs (goal <= 600 ms)")
        per_step = check_times(lab, Engine(settings), work, 20)
        for step_id, seconds in per_step.items():
            print(f"  checks of {step_id:<28} {seconds * 1000:7.1f} ms")
        if per_step:
            print(f"step checks: median {statistics.median(per_step.values()) * 1000:.1f} ms "
                  f"over {len(per_step)} steps (goal <= 50 ms)")
    finally:
        reset(settings)
        import shutil
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
