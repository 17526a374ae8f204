"""docker pull / push / login / logout against a Docker Registry (API v2)."""
from __future__ import annotations

import getpass
import sys

from dockerlab.tutor.i18n import _

from ..context import CliExit, Context
from .images_pull import pull_image, registry_client, uses_registry

CREDENTIALS_WARNING = """WARNING! Your credentials are stored unencrypted in '{path}'.
Configure a credential helper to remove this warning. See
https://docs.docker.com/go/credential-store/
"""


def _config(p) -> str | None:
    return p.flags.get("config") if "config" in p.given else None


def _reference(text: str):
    from dockerlab.engine.images import reference
    return reference.parse(text)


def cmd_pull(ctx: Context, p) -> int:
    if p.flags.get("all-tags"):
        raise CliExit(_("dockerlab does not pull all tags at once (-a): name one tag"))
    ref = _reference(p.args[0])
    quiet = bool(p.flags.get("quiet"))
    if not ref.tag and not ref.digest:
        if not quiet:
            ctx.print("Using default tag: latest")
        ref = ref.with_default_tag()
    pull_image(ctx, ref, (lambda line: None) if quiet else ctx.print, _config(p))
    ctx.print(str(ref))
    return 0


def cmd_push(ctx: Context, p) -> int:
    from dockerlab.engine.registry.push import push
    if p.flags.get("all-tags"):
        raise CliExit(_("dockerlab does not push all tags at once (-a): name one tag"))
    ref = _reference(p.args[0])
    if not uses_registry(ref):
        raise CliExit(_("dockerlab does not push to Docker Hub: tag the image for a registry "
                        "of the lab (docker tag {name} localhost:5000/{name}) and push that")
                      .format(name=ref.familiar_name.rsplit("/", 1)[-1]))
    if not ref.tag and not ref.digest:
        ctx.print("Using default tag: latest")
        ref = ref.with_default_tag()
    quiet = bool(p.flags.get("quiet"))
    client = registry_client(ctx, ref, "pull,push", _config(p))
    push(ctx.engine.images, ref, client, (lambda line: None) if quiet else ctx.print)
    return 0


def _server(p) -> str:
    if not p.args:
        raise CliExit(_("dockerlab does not log in to Docker Hub: name a registry of the lab, "
                        "for example: docker login localhost:5000"))
    server = p.args[0]
    for prefix in ("https://", "http://"):
        if server.startswith(prefix):
            server = server[len(prefix):]
    return server.split("/", 1)[0]


def _ask_credentials(ctx: Context, p, stored) -> tuple[str, str]:
    username = p.flags.get("username") or ""
    password = p.flags.get("password") or ""
    if p.flags.get("password-stdin"):
        if not username:
            raise CliExit("Must provide --username with --password-stdin")
        password = sys.stdin.read().rstrip("\r\n")
    elif password:
        ctx.warn("WARNING! Using --password via the CLI is insecure. Use --password-stdin.")
    if not username and stored is not None and not password:
        ctx.print("Authenticating with existing credentials...")
        return stored
    if not username:
        ctx.out.write("Username: ")
        ctx.out.flush()
        username = sys.stdin.readline().strip()
        if not username:
            raise CliExit("Error: Non-null Username Required")
    if not password:
        password = getpass.getpass("Password: ")
        if not password:
            raise CliExit("Error: Password Required")
    return username, password


def cmd_login(ctx: Context, p) -> int:
    from dockerlab.engine.registry.client import RegistryClient
    from dockerlab.engine.registry.credentials import Credentials, config_dir
    server = _server(p)
    settings = ctx.engine.settings
    creds = Credentials(config_dir(settings, _config(p)))
    username, password = _ask_credentials(ctx, p, creds.get(server))
    certs = [settings.root / "certs.d", "/etc/docker/certs.d"]
    RegistryClient(server, "", (username, password), certs).login()
    creds.store(server, username, password)
    ctx.warn(CREDENTIALS_WARNING.format(path=creds.path))
    ctx.print("Login Succeeded")
    return 0


def cmd_logout(ctx: Context, p) -> int:
    from dockerlab.engine.registry.credentials import Credentials, config_dir
    server = _server(p)
    creds = Credentials(config_dir(ctx.engine.settings, _config(p)))
    if not creds.remove(server):
        ctx.print(f"Not logged in to {server}")
        return 0
    ctx.print(f"Removing login credentials for {server}")
    return 0


COMMANDS = {("image", "pull"): cmd_pull, ("image", "push"): cmd_push,
            ("login",): cmd_login, ("logout",): cmd_logout}
