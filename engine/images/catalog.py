"""The catalog of base images dockerlab can build offline, by name.

A registry of recipes: `standins.py` brings the busybox-based ones
(hello-world, busybox, alpine), `recipes/` the Debian-based ones built
with mmdebstrap and apt (debian, ubuntu, nginx, python, gcc, stress,
registry); more can be added with `register`. `prepare` builds an image
once and tags it `NAME:latest`; when that tag already exists (built before,
or a real image loaded by the student) it is left alone.
"""
from __future__ import annotations

from ..errors import InvalidArgument, NotFound
from .recipe import Progress, Recipe, no_progress
from .reference import DEFAULT_TAG, parse
from .store import Image, ImageStore

_RECIPES: dict[str, Recipe] = {}


def register(recipe: Recipe) -> None:
    """Add (or replace) the recipe for `recipe.name`."""
    _RECIPES[recipe.name] = recipe


def _recipe_name(name: str) -> str | None:
    """`alpine`, `alpine:latest`, `docker.io/library/alpine` -> "alpine"; None otherwise."""
    try:
        ref = parse(name)
    except InvalidArgument:
        return None
    if ref.digest or ref.tag not in (None, DEFAULT_TAG):
        return None
    return ref.familiar_name if ref.familiar_name in _RECIPES else None


def known(name: str) -> bool:
    """True when dockerlab can build `name` offline."""
    return _recipe_name(name) is not None


def names() -> list[str]:
    return sorted(_RECIPES)


def recipe(name: str) -> Recipe:
    found = _recipe_name(name)
    if found is None:
        raise NotFound(f"dockerlab cannot build {name!r} offline; it knows: {', '.join(names())}")
    return _RECIPES[found]


def prepare(store: ImageStore, name: str, progress: Progress | None = None,
            force: bool = False) -> Image:
    """Make sure `NAME:latest` exists in `store`, building it offline if needed.

    An existing `NAME:latest` (stand-in or real) is returned untouched unless
    `force`. Building twice on the same host gives the same image id.
    """
    progress = progress or no_progress
    rec = recipe(name)
    tag = f"{rec.name}:{DEFAULT_TAG}"
    if not force:
        existing = store.lookup(tag)
        if existing is not None:
            progress(f"{tag}: already in the store ({existing.short_id})")
            return existing
    image = rec.build(store, progress)
    progress(f"{tag}: ready ({image.short_id})")
    return image


def _register_builtin() -> None:
    from .recipes import RECIPES as DEBIAN_BASED
    from .standins import RECIPES
    for r in (*RECIPES, *DEBIAN_BASED):
        register(r)


_register_builtin()
