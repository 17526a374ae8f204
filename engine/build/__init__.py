"""The Dockerfile builder (classic builder's behaviour): see builder.py."""
from __future__ import annotations


def build(engine, options, out, raw=None) -> str:
    """Build `options` (a BuildOptions) with `engine`; returns the final image id."""
    from .builder import Builder
    builder = Builder(engine, options, out, raw)
    dockerfile, context = builder.load()
    return builder.build(dockerfile, context)
