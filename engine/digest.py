"""SHA-256 without the cost of importing hashlib.

Importing hashlib initialises OpenSSL: 4.4 ms with Debian's Python 3.11, on
the path of every `dockerlab docker run`. CPython's own SHA-256 is built in
and imports in 0.04 ms; the digests are the same. Code that needs other
algorithms, or streams large files, may use hashlib as usual.
"""
from __future__ import annotations

try:
    from _sha256 import sha256          # CPython 3.11
except ImportError:                     # pragma: no cover - depends on the interpreter
    try:
        from _sha2 import sha256        # CPython 3.12 and later
    except ImportError:
        from hashlib import sha256

__all__ = ["sha256"]
