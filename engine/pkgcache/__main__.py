"""`python -m dockerlab.engine.pkgcache serve --root ROOT --fd N`: the lab's cache process."""
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
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    serve(args.root, args.fd)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
