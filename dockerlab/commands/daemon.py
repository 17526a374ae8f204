"""`dockerlab daemon [--socket PATH] [--group NAME]`: serve the Docker Engine API."""
from __future__ import annotations

import argparse
import sys

from dockerlab.tutor.i18n import _

NAME = "daemon"
USAGE = "dockerlab daemon [--socket PATH] [--group NAME] [--debug]"
NEEDS_ROOT = True


def summary() -> str:
    return _("serve the Docker Engine API on a unix socket (docker, docker-py, curl)")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="dockerlab daemon", description=summary())
    p.add_argument("--socket", help=_("socket path (default: run/docker.sock under the state root)"))
    p.add_argument("--group", default="dockerlab",
                   help=_("group allowed to use the socket besides root (default: dockerlab)"))
    p.add_argument("--debug", action="store_true", help=_("print every request"))
    return p


def run(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    from dockerlab.engine.api.permissions import group_id
    from dockerlab.engine.api.serve import open_server, serve_until_signalled
    from dockerlab.engine.engine import Engine
    from dockerlab.engine.errors import EngineError
    refusal = _("permission denied: the dockerlab API answers root and the members of the group "
                "'{group}' only (uid {{uid}} is neither). Ask for it with: sudo usermod -aG {group} "
                "$USER").format(group=args.group)
    try:
        engine = Engine()
        server = open_server(engine, args.socket, args.group, refusal, args.debug)
    except EngineError as e:
        print(f"dockerlab daemon: {e}", file=sys.stderr)
        return 1
    if group_id(args.group) is None:
        print(_("Group '{group}' does not exist: only root can use the socket (create it with: "
                "sudo groupadd --system {group})").format(group=args.group), file=sys.stderr)
    print(_("Docker Engine API listening on unix://{path}").format(path=server.app.socket_path), flush=True)
    print(_("Try: DOCKER_HOST=unix://{path} docker ps").format(path=server.app.socket_path), flush=True)
    serve_until_signalled(server)
    return 0
