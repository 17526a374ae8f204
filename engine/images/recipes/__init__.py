"""Recipes of Debian-based images (mmdebstrap + apt through the package cache)."""
from __future__ import annotations

from functools import partial

from ..recipe import Recipe
from .debian import build_debian, build_spec, build_ubuntu
from .specs import SPECS

NEEDS = "mmdebstrap"

RECIPES = (
    Recipe("debian", {"fr": "Debian 12 (bookworm) minimal, construit avec mmdebstrap",
                      "en": "Debian 12 (bookworm) minimal, built with mmdebstrap"},
           NEEDS, build_debian),
    Recipe("ubuntu", {"fr": "remplaçant d'Ubuntu : Debian 12, étiqueté honnêtement",
                      "en": "stand-in for Ubuntu: Debian 12, honestly labelled"},
           NEEDS, build_ubuntu),
    *(Recipe(s.name, s.summary, NEEDS, partial(build_spec, s)) for s in SPECS),
)
