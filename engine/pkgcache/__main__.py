"""`python -m dockerlab.engine.pkgcache serve --root ROOT --fd N --control M`: the lab's cache."""
from __future__ import annotations

import argparse
import signal
import sys

from .lab import serve


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m dockerlab.engine.pkgcache")
    parser.add_argument("command", choices=["serve"])
    parser.add_argument("--root", required=True)
    parser.add_argument("--fd", type=int, required=True, help="listening socket to serve on")
    parser.add_argument("--control", type=int, required=True,
                        help="unix socket on which the engine hands over more listening sockets")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    serve(args.root, args.fd, args.control)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
