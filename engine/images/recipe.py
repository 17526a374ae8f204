"""What an offline base-image recipe is, for the catalog's registry.

A recipe knows how to build one image from what a Debian machine can install
(busybox-static today, mmdebstrap later) and says which package it needs, so
`dockerlab doctor` and error messages can tell a student what to install.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from .store import Image, ImageStore

Progress = Callable[[str], None]


def no_progress(_message: str) -> None:
    """The default progress callback: say nothing."""


@dataclass(frozen=True)
class Recipe:
    """How to build the stand-in image `name` (tagged `name:latest`) offline."""

    name: str
    summary: dict[str, str]          # {"fr": ..., "en": ...} for `dockerlab images prepare`
    needs: str                        # the Debian package it is built from
    build: Callable[["ImageStore", Progress], "Image"]
