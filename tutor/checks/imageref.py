"""Compare image names the way Docker resolves them.

A teacher writes `nginx`; the engine may record `nginx`, `nginx:latest` or
`docker.io/library/nginx:latest`. Checks compare the fully qualified form so
all of these are the same image. (Only the naming rules matter here, not the
registry, so this stays a few lines instead of depending on the engine.)
"""
from __future__ import annotations

DEFAULT_DOMAIN = "docker.io"


def normalize(ref: str) -> str:
    """`alpine` -> `docker.io/library/alpine:latest`; digests are kept."""
    ref = ref.strip()
    if ref.startswith("sha256:"):
        return ref
    name, _, digest = ref.partition("@")
    first, _, rest = name.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        domain, path = first, rest
    else:
        domain, path = DEFAULT_DOMAIN, name
    if domain == DEFAULT_DOMAIN and "/" not in path:
        path = f"library/{path}"
    last = path.rsplit("/", 1)[-1]
    if ":" not in last and not digest:
        path += ":latest"
    full = f"{domain}/{path}"
    return f"{full}@{digest}" if digest else full


def same_image(wanted: str, recorded: str) -> bool:
    """Whether two references name the same image (IDs compared by prefix)."""
    if not wanted or not recorded:
        return False
    if recorded.startswith("sha256:") or wanted.startswith("sha256:"):
        a, b = wanted.removeprefix("sha256:"), recorded.removeprefix("sha256:")
        return len(a) >= 12 and len(b) >= 12 and (a.startswith(b) or b.startswith(a))
    return normalize(wanted) == normalize(recorded)
