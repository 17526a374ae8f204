"""One module per family of docker commands; each exports COMMANDS = {path: handler}.

ROUTES says which module holds which command, so running one command imports
one module: importing them all (the builder, the registry client, gotpl...)
cost 300-400 ms per `dockerlab docker` call. tests/unit/test_cli_routes.py
checks that ROUTES and the modules' COMMANDS agree, so adding a command is an
entry in a module's COMMANDS plus a line here.
"""
from __future__ import annotations

import importlib
from typing import Callable

ROUTES: dict[tuple[str, ...], str] = {
    ('image', 'build'): "build",
    ('container', 'cp'): "cp",
    ('container', 'exec'): "execcmd",
    ('container', 'export'): "export",
    ('container', 'diff'): "fsinfo",
    ('container', 'port'): "fsinfo",
    ('container', 'top'): "fsinfo",
    ('container', 'commit'): "imagecmds",
    ('image', 'history'): "imagecmds",
    ('image', 'prune'): "imagecmds",
    ('image', 'import'): "imagefiles",
    ('image', 'load'): "imagefiles",
    ('image', 'save'): "imagefiles",
    ('container', 'inspect'): "inspect",
    ('image', 'inspect'): "inspect",
    ('inspect',): "inspect",
    ('container', 'ls'): "listing",
    ('image', 'ls'): "listing",
    ('volume', 'ls'): "listing",
    ('container', 'logs'): "logs",
    ('container', 'kill'): "manage",
    ('container', 'rename'): "manage",
    ('container', 'restart'): "manage",
    ('container', 'rm'): "manage",
    ('container', 'stop'): "manage",
    ('container', 'pause'): "manage",
    ('container', 'unpause'): "manage",
    ('container', 'update'): "manage",
    ('system', 'events'): "events",
    ('container', 'wait'): "manage",
    ('image', 'rm'): "misc",
    ('image', 'tag'): "misc",
    ('system', 'info'): "misc",
    ('version',): "misc",
    ('volume', 'create'): "misc",
    ('volume', 'inspect'): "misc",
    ('volume', 'prune'): "misc",
    ('volume', 'rm'): "misc",
    ('network', 'connect'): "network",
    ('network', 'create'): "network",
    ('network', 'disconnect'): "network",
    ('network', 'inspect'): "network",
    ('network', 'ls'): "network",
    ('network', 'prune'): "network",
    ('network', 'rm'): "network",
    ('container', 'prune'): "prune",
    ('system', 'prune'): "prune",
    ('image', 'pull'): "registry",
    ('image', 'push'): "registry",
    ('login',): "registry",
    ('logout',): "registry",
    ('container', 'attach'): "run",
    ('container', 'create'): "run",
    ('container', 'run'): "run",
    ('container', 'start'): "run",
    ('container', 'stats'): "stats",
}


def handler_for(path: tuple[str, ...]) -> Callable | None:
    """The handler of `docker <path>`, importing only its module; None if unknown."""
    module = ROUTES.get(tuple(path))
    if module is None:
        return None
    return importlib.import_module(f"{__name__}.{module}").COMMANDS[tuple(path)]


def all_commands() -> dict[tuple[str, ...], Callable]:
    """Every command, by importing every module (for tests and completion)."""
    import pkgutil
    table: dict[tuple[str, ...], Callable] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for path, handler in getattr(module, "COMMANDS", {}).items():
            if path in table:
                raise RuntimeError(f"docker {' '.join(path)} is defined twice ({info.name})")
            table[path] = handler
    return table
