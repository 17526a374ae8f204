"""Networking of the lab: bridges, veth pairs, IPAM, embedded DNS, published ports.

Public API:
- `NetworkManager(settings)`: Docker's network verbs and container endpoints;
- `teardown(settings)`: remove everything networking made for a state root;
- `ports`: `parse_publish`, `publish`, `serve` (the userland proxy).
See docs in each module for the why; the lab never routes or NATs anything
out of its bridges (isolation.py).
"""
from __future__ import annotations

from .portspec import PortBinding, parse_publish

_LAZY = {"NetworkManager": "manager", "endpoint_id": "manager", "teardown": "teardown", "ports": None}


def __getattr__(name: str):
    """Load the netlink side (pyroute2, ~90 ms) only when something needs it."""
    if name not in _LAZY:
        raise AttributeError(name)
    import importlib
    if _LAZY[name] is None:
        return importlib.import_module(f"{__name__}.{name}")
    value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    globals()[name] = value    # importing the submodule `teardown` bound its name to the module
    return value


__all__ = ["NetworkManager", "teardown", "ports", "PortBinding", "parse_publish", "endpoint_id"]
