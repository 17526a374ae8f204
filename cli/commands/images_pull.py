"""Getting an image that is not in the store: dockerlab's offline catalog stands in for a pull."""
from __future__ import annotations

from dockerlab.engine.errors import NotFound

from ..context import Context


def ensure_image(ctx: Context, ref: str, quiet: bool = False):
    from dockerlab.engine.images import catalog, reference
    store = ctx.engine.images
    found = store.lookup(ref)
    if found is not None:
        return found
    parsed = reference.parse(ref)
    familiar = reference.familiar(parsed) if hasattr(reference, "familiar") else ref
    if not quiet:
        ctx.warn(f"Unable to find image '{familiar}' locally")
    name = familiar.split(":")[0]
    if not catalog.known(name):
        repo = name
        raise NotFound(f"pull access denied for {repo}, repository does not exist or may require "
                       f"'docker login'")
    tag = familiar.split(":")[1] if ":" in familiar else "latest"
    if not quiet:
        ctx.warn(f"{tag}: Preparing {name} from dockerlab's offline catalog")
    image = catalog.prepare(store, name)
    if not quiet:
        ctx.warn(f"Digest: {image.id}")
        ctx.warn(f"Status: Downloaded newer image for {familiar}")
    return image


