"""Compare image names the way Docker resolves them.

A teacher writes `nginx`; the engine may record `nginx`, `nginx:latest` or
`docker.io/library/nginx:latest`. Names go through the engine's own
reference parser (Docker's grammar), so all of these are the same image;
image IDs (`sha256:...`, possibly shortened) are compared by prefix.
"""
from __future__ import annotations

from dockerlab.engine.errors import InvalidArgument
from dockerlab.engine.images import reference

MIN_ID_PREFIX = 12  # as short as `docker images` shows an ID


def normalize(ref: str) -> str:
    """`alpine` -> `docker.io/library/alpine:latest` (unparsable names unchanged)."""
    try:
        return str(reference.normalize(ref.strip()))
    except InvalidArgument:
        return ref.strip()


def check_name(ref: str) -> str:
    """`ref` if Docker accepts it as an image name; InvalidArgument with Docker's message otherwise."""
    reference.parse(ref.strip())
    return ref


def _id_part(text: str) -> str:
    return text.removeprefix("sha256:")


def same_image(wanted: str, recorded: str) -> bool:
    """Whether two references name the same image."""
    if not wanted or not recorded:
        return False
    if recorded.startswith("sha256:") or wanted.startswith("sha256:"):
        a, b = _id_part(wanted), _id_part(recorded)
        return min(len(a), len(b)) >= MIN_ID_PREFIX and (a.startswith(b) or b.startswith(a))
    return normalize(wanted) == normalize(recorded)
