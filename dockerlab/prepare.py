"""`dockerlab images prepare [NAME...]`: build the catalog's base images, with progress bars.

One bar per image. Builds report what they do as text (mmdebstrap's and
apt's own lines); known milestones of those lines move the bar, so a
Debian build shows how far it is rather than a spinner only.
"""
from __future__ import annotations

from rich.console import Console
from rich.progress import (BarColumn, Progress, SpinnerColumn, TaskID, TextColumn,
                           TimeElapsedColumn)

from dockerlab.tutor.i18n import _

# substrings of build messages, in the order they appear, for the bar
MILESTONES = ("layer 1/", "mmdebstrap --variant", "running apt-get update",
              "downloading packages", "extracting archives", "installing essential",
              "installing remaining", "creating tarball", "storing the layer", "apt-get install",
              "Get:", "Unpacking", "Setting up", "layer 2/", "ready (", "already in the store")


def milestone(message: str, done: int) -> int:
    """How many milestones `message` shows are passed (never going back)."""
    for i, key in enumerate(MILESTONES):
        if key in message:
            done = max(done, i + 1)
    return done


def _reporter(progress: Progress, task: TaskID, name: str):
    state = {"done": 0}

    def report(message: str) -> None:
        state["done"] = milestone(message, state["done"])
        text = message if message.startswith(name) else f"{name}: {message}"
        progress.update(task, completed=state["done"], description=text[:46])
    return report


def prepare(names: list[str]) -> int:
    from dockerlab.engine.engine import Engine
    from dockerlab.engine.errors import EngineError
    from dockerlab.engine.images import catalog
    names = names or catalog.names()
    unknown = [n for n in names if not catalog.known(n)]
    if unknown:
        print(_("unknown image(s): {names}; known: {known}").format(
            names=", ".join(unknown), known=", ".join(catalog.names())))
        return 1
    engine, failed = Engine(), 0
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(bar_width=20),
               TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=False)) as progress:
        for name in names:
            task = progress.add_task(name, total=len(MILESTONES))
            try:
                image = catalog.prepare(engine.images, name,
                                        progress=_reporter(progress, task, name))
            except EngineError as err:
                failed += 1
                progress.update(task, description=f"{name}: " + _("failed"))
                progress.console.print(_("{name}: could not be prepared: {error}").format(
                    name=name, error=err))
                continue
            progress.update(task, completed=len(MILESTONES),
                            description=f"{name}:latest {image.short_id}")
    return 1 if failed else 0
