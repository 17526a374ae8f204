"""How a `dockerlab` process ends: with its exit code, without the interpreter's teardown.

A `dockerlab docker ...` call imports 150-250 modules. Once it is done, the
interpreter's own teardown (a last garbage collection over every object,
then clearing each module and freeing its objects one by one) took 7-10 ms
of a ~110 ms `docker run --rm`, to give back memory the kernel reclaims
anyway. So the entry point ends the process itself, after what an exit must
do: the atexit callbacks (registered after ours, so run before it), and
stdout and stderr flushed. If flushing fails (a closed pipe), the interpreter
ends the process as usual and reports it as usual.
"""
from __future__ import annotations

import atexit
import gc
import os
import sys
from typing import NoReturn

_codes: list[int] = []


def arm() -> None:
    """Take over the end of this process; call it first thing, from the process's entry point."""
    atexit.register(_end, os.getpid())


def leave(code: int | None) -> NoReturn:
    """sys.exit(code), the process ending quickly if arm() was called.

    gc.freeze() keeps the last collection off the objects made so far for
    the case where the interpreter does end the process itself.
    """
    gc.freeze()
    _codes.append(0 if code is None else int(code))
    sys.exit(code)


def _end(pid: int) -> None:
    """The last atexit callback: end with the code given to leave(), if any."""
    if os.getpid() != pid or not _codes:     # a forked child, or an exit leave() did not decide
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    os._exit(_codes[-1])
