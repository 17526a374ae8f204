"""The auth side of the distribution spec: challenges, basic auth and bearer tokens.

A registry answers 401 with `WWW-Authenticate: Basic realm="..."` or
`Bearer realm="https://auth/token",service="registry",scope="repository:x:pull"`.
For Bearer, the client asks the realm for a token (sending its credentials
with basic auth when it has some, anonymously otherwise) and retries with
`Authorization: Bearer <token>`, as Docker does with Docker Hub.
"""
from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field

_PARAM_RE = re.compile(r'\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]*)\s*,?')


@dataclass
class Challenge:
    """One WWW-Authenticate challenge: scheme ("basic"/"bearer") and its parameters."""

    scheme: str
    params: dict[str, str] = field(default_factory=dict)


def parse_challenges(header: str) -> list[Challenge]:
    """All challenges of a WWW-Authenticate header, schemes lower-cased."""
    out: list[Challenge] = []
    rest = header.strip()
    while rest:
        m = re.match(r"([A-Za-z][A-Za-z0-9_-]*)\s*", rest)
        if m is None:
            break
        scheme, rest = m.group(1).lower(), rest[m.end():]
        params: dict[str, str] = {}
        while True:
            pm = _PARAM_RE.match(rest)
            if pm is None or (pm.group(2) == "" and not rest.lstrip().startswith(pm.group(1))):
                break
            value = pm.group(2)
            if value.startswith('"'):
                value = re.sub(r"\\(.)", r"\1", value[1:-1])
            params[pm.group(1).lower()] = value
            rest = rest[pm.end():]
            if not rest or re.match(r"[A-Za-z][A-Za-z0-9_-]*\s+[A-Za-z]", rest) \
                    or re.match(r"[A-Za-z][A-Za-z0-9_-]*\s*$", rest):
                break
        out.append(Challenge(scheme, params))
        rest = rest.lstrip(" ,")
    return out


def basic_header(username: str, password: str) -> str:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return f"Basic {token}"


def encode_auth(username: str, password: str) -> str:
    """The `auth` field of config.json: base64 of `user:password`."""
    return base64.b64encode(f"{username}:{password}".encode()).decode()


def decode_auth(value: str) -> tuple[str, str]:
    user, _, password = base64.b64decode(value).decode().partition(":")
    return user, password


def scope_for(repository: str, actions: str) -> str:
    """`repository:library/busybox:pull,push` (the token scope Docker asks for)."""
    return f"repository:{repository}:{actions}"
