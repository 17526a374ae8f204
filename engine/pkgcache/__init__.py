"""The lab's package cache: Debian's archive (and `apk` bundles) on the bridges' gateways.

- `config`: where the store is, which single mirror it may ask (the host's apt mirror);
- `store`: the mirror-shaped files, fetched once, served offline afterwards;
- `server`: the HTTP proxy/cache (`ThreadedCache` for image builds on loopback);
- `index` and `apk`: Debian's Packages index and the alpine stand-in's `apk add`;
- `lab`: the per-root process, port 3142 on the gateway of every bridge network of the
  lab (`listeners`: its side, one HTTP server per gateway and the control socket).
"""
from __future__ import annotations

from .config import PORT, CacheConfig, config_for
from .lab import ensure_serving, hook_bridge_up, stop

__all__ = ["PORT", "CacheConfig", "config_for", "ensure_serving", "hook_bridge_up", "stop"]
