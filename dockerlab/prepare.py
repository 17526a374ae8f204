"""`dockerlab images prepare [NAME...]`: build the offline base images."""
from __future__ import annotations

from rich.progress import Progress

from dockerlab.tutor.i18n import _


def prepare(names: list[str]) -> int:
    from dockerlab.engine.engine import Engine
    from dockerlab.engine.images import catalog
    engine = Engine()
    names = names or catalog.names()
    unknown = [n for n in names if not catalog.known(n)]
    if unknown:
        print(_("unknown image(s): {names}; known: {known}").format(
            names=", ".join(unknown), known=", ".join(catalog.names())))
        return 1
    with Progress() as progress:
        task = progress.add_task(_("Preparing images"), total=len(names))
        for name in names:
            image = catalog.prepare(engine.images, name,
                                    progress=lambda msg: progress.update(task, description=f"{name}: {msg}"))
            progress.advance(task)
            progress.console.print(f"{name}:latest {image.id[:19]}")
    return 0
