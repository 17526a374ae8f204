"""Getting an image that is not in the store: from a registry, or from the offline catalog.

A name with a registry host (`localhost:5000/x`, `registry.lab:5000/y`) is
pulled from that registry. A Docker Hub name (`busybox`, `library/alpine`)
never goes to Docker Hub: dockerlab's offline catalog builds a stand-in, and
a name the catalog does not know gets Docker's "pull access denied".
"""
from __future__ import annotations

from typing import Callable

from dockerlab.engine.errors import NotFound

from ..context import Context

Output = Callable[[str], None]


def registry_client(ctx: Context, ref, actions: str = "pull", config: str | None = None):
    """A RegistryClient for `ref`'s registry with the login `docker login` stored."""
    from dockerlab.engine.registry.client import RegistryClient
    from dockerlab.engine.registry.credentials import Credentials, config_dir
    settings = ctx.engine.settings
    creds = Credentials(config_dir(settings, config)).get(ref.domain)
    certs = [settings.root / "certs.d", "/etc/docker/certs.d"]
    return RegistryClient(ref.domain, ref.path, creds, certs, actions)


def uses_registry(ref) -> bool:
    """True when the name says which registry to use (anything but Docker Hub)."""
    from dockerlab.engine.images.reference import DEFAULT_DOMAIN
    return ref.domain != DEFAULT_DOMAIN


def pull_from_catalog(ctx: Context, ref, out: Output):
    from dockerlab.engine.images import catalog
    familiar = ref.with_default_tag().familiar()
    name = ref.familiar_name
    if ref.digest or not catalog.known(familiar):
        raise NotFound(f"pull access denied for {name}, repository does not exist or may require "
                       "'docker login': denied: requested access to the resource is denied")
    out(f"{ref.tag or 'latest'}: Preparing {name} from dockerlab's offline catalog")
    image = catalog.prepare(ctx.engine.images, name)
    out(f"Digest: {image.id}")
    out(f"Status: Downloaded newer image for {familiar}")
    return image


def pull_image(ctx: Context, ref, out: Output, config: str | None = None):
    """Pull `ref` (a parsed reference) from its registry or the catalog."""
    if uses_registry(ref):
        from dockerlab.engine.registry.pull import pull
        return pull(ctx.engine.images, ref, registry_client(ctx, ref, "pull", config), out)
    return pull_from_catalog(ctx, ref, out)


def ensure_image(ctx: Context, ref: str, quiet: bool = False):
    """The image `ref` names, pulled first when missing (what `docker run` does)."""
    from dockerlab.engine.images import reference
    store = ctx.engine.images
    found = store.lookup(ref)
    if found is not None:
        return found
    parsed = reference.parse(ref)
    shown = parsed.familiar() if parsed.digest else parsed.with_default_tag().familiar()
    out = (lambda line: None) if quiet else ctx.warn
    out(f"Unable to find image '{shown}' locally")
    return pull_image(ctx, parsed, out)
