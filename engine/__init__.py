"""dockerlab's embedded container engine (a library; see docs/architecture.md)."""
from .errors import EngineError


def Engine(*args, **kwargs):  # noqa: N802 - a lazy constructor keeps `import dockerlab.engine` cheap
    from .engine import Engine as _Engine
    return _Engine(*args, **kwargs)


__all__ = ["Engine", "EngineError"]
