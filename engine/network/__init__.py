"""Networking of the lab: bridges, veth pairs, IPAM, embedded DNS, published ports.

Public API:
- `NetworkManager(settings)`: Docker's network verbs and container endpoints;
- `teardown(settings)`: remove everything networking made for a state root;
- `ports`: `parse_publish`, `publish`, `serve` (the userland proxy).
See docs in each module for the why; the lab never routes or NATs anything
out of its bridges (isolation.py).
"""
from __future__ import annotations

from . import ports
from .manager import NetworkManager, endpoint_id
from .portspec import PortBinding, parse_publish
from .teardown import teardown

__all__ = ["NetworkManager", "teardown", "ports", "PortBinding", "parse_publish", "endpoint_id"]
