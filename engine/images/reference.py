"""Image references the way Docker reads them: `alpine` is `docker.io/library/alpine:latest`.

Students type short ("familiar") names; the store keeps familiar names too,
but every comparison goes through `normalize` so `alpine`, `alpine:latest`,
`docker.io/library/alpine` and `index.docker.io/library/alpine:latest` are
one and the same tag. The grammar, the domain rules and the error messages
follow Docker's reference parser, so a student who mistypes a name gets the
sentence Docker would print.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace

from ..errors import InvalidArgument

DEFAULT_DOMAIN = "docker.io"
LEGACY_DEFAULT_DOMAIN = "index.docker.io"
OFFICIAL_PREFIX = "library/"
DEFAULT_TAG = "latest"
NAME_MAX = 255

# -- grammar (same productions as Docker's reference package) ---------------
_ALNUM = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|[-]+)"
_PATH_COMPONENT = rf"{_ALNUM}(?:{_SEPARATOR}{_ALNUM})*"
_REMOTE_NAME = rf"{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN_NAME = rf"{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*"
_IPV6 = r"\[(?:[a-fA-F0-9:]+)\]"
_DOMAIN = rf"(?:{_DOMAIN_NAME}|{_IPV6})(?::[0-9]+)?"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}"
_NAME = rf"(?:{_DOMAIN}/)?{_REMOTE_NAME}"

_REFERENCE_RE = re.compile(rf"^({_NAME})(?::({_TAG}))?(?:@({_DIGEST}))?$", re.ASCII)
_ANCHORED_NAME_RE = re.compile(rf"^(?:({_DOMAIN})/)?({_REMOTE_NAME})$", re.ASCII)
_IDENTIFIER_RE = re.compile(r"^[a-f0-9]{64}$")
_TAG_RE = re.compile(rf"^{_TAG}$", re.ASCII)

# digest algorithms Docker accepts, with the length of their hex form
_DIGEST_HEX_LEN = {"sha256": 64, "sha384": 96, "sha512": 128}


def _go_quote(text: str) -> str:
    """Quote like Go's %q, as Docker does in its messages."""
    return json.dumps(text, ensure_ascii=False)


@dataclass(frozen=True)
class Reference:
    """A parsed image reference: `domain/path[:tag][@digest]`."""

    domain: str
    path: str
    tag: str | None = None
    digest: str | None = None

    @property
    def name(self) -> str:
        """Full repository name, e.g. `docker.io/library/alpine`."""
        return f"{self.domain}/{self.path}" if self.domain else self.path

    @property
    def familiar_name(self) -> str:
        """Repository name as Docker prints it, e.g. `alpine` or `localhost:5000/x`."""
        if self.domain != DEFAULT_DOMAIN:
            return self.name
        rest = self.path
        if rest.startswith(OFFICIAL_PREFIX) and "/" not in rest[len(OFFICIAL_PREFIX):]:
            rest = rest[len(OFFICIAL_PREFIX):]
        return rest

    def _suffix(self) -> str:
        out = f":{self.tag}" if self.tag else ""
        return out + (f"@{self.digest}" if self.digest else "")

    def familiar(self) -> str:
        """What `docker images` shows: `alpine:latest`, `localhost:5000/x:1`."""
        return self.familiar_name + self._suffix()

    def __str__(self) -> str:
        return self.name + self._suffix()

    def with_default_tag(self) -> "Reference":
        """Add `:latest` when the reference has neither tag nor digest."""
        if self.tag is None and self.digest is None:
            return replace(self, tag=DEFAULT_TAG)
        return self

    def with_tag(self, tag: str) -> "Reference":
        if not _TAG_RE.match(tag):
            raise InvalidArgument("invalid tag format")
        return replace(self, tag=tag, digest=None)

    def repository(self) -> "Reference":
        """The reference without tag or digest."""
        return replace(self, tag=None, digest=None)


def _split_docker_domain(name: str) -> tuple[str, str]:
    """Split `name` into domain and remote name, the way Docker guesses domains."""
    first, sep, rest = name.partition("/")
    if not sep:
        return DEFAULT_DOMAIN, OFFICIAL_PREFIX + name
    if first == "localhost":
        domain, remote = first, rest
    elif first == LEGACY_DEFAULT_DOMAIN:
        domain, remote = DEFAULT_DOMAIN, rest
    elif "." in first or ":" in first or first.lower() != first:
        domain, remote = first, rest
    else:
        domain, remote = DEFAULT_DOMAIN, name
    if domain == DEFAULT_DOMAIN and "/" not in remote:
        remote = OFFICIAL_PREFIX + remote
    return domain, remote


def _check_digest(digest: str) -> None:
    algorithm, _, hexpart = digest.partition(":")
    want = _DIGEST_HEX_LEN.get(algorithm)
    if want is None:
        raise InvalidArgument("unsupported digest algorithm")
    if len(hexpart) != want:
        raise InvalidArgument("invalid checksum digest length")
    if not re.fullmatch(r"[a-f0-9]+", hexpart):
        raise InvalidArgument("invalid checksum digest format")


def _parse_full(text: str) -> Reference:
    """Parse an already-qualified reference (Docker's `reference.Parse`)."""
    m = _REFERENCE_RE.match(text)
    if m is None:
        if text == "":
            raise InvalidArgument("repository name must have at least one component")
        if _REFERENCE_RE.match(text.lower()):
            raise InvalidArgument("repository name must be lowercase")
        raise InvalidArgument("invalid reference format")
    name, tag, digest = m.group(1), m.group(2), m.group(3)
    nm = _ANCHORED_NAME_RE.match(name)
    domain, path = (nm.group(1) or "", nm.group(2)) if nm else ("", name)
    if len(path) > NAME_MAX:
        raise InvalidArgument(f"repository name must not be more than {NAME_MAX} characters")
    if digest:
        _check_digest(digest)
    return Reference(domain=domain, path=path, tag=tag, digest=digest)


def parse(text: str) -> Reference:
    """Parse a name as typed by a user, without adding a default tag.

    `alpine` -> docker.io/library/alpine; raises InvalidArgument with
    Docker's message (`invalid reference format...`) when it is not a name.
    """
    if _IDENTIFIER_RE.match(text):
        raise InvalidArgument(
            f"invalid repository name ({text}), cannot specify 64-byte hexadecimal strings")
    domain, remainder = _split_docker_domain(text)
    remote = remainder.split(":", 1)[0]
    if remote.lower() != remote:
        raise InvalidArgument(
            f"invalid reference format: repository name ({remote}) must be lowercase")
    return _parse_full(f"{domain}/{remainder}")


def normalize(text: str) -> Reference:
    """Parse and add `:latest` when no tag or digest is given."""
    return parse(text).with_default_tag()


def familiar(text: "str | Reference") -> str:
    """`docker.io/library/alpine` -> `alpine:latest` (the form the store keys on)."""
    ref = text if isinstance(text, Reference) else parse(text)
    return ref.with_default_tag().familiar()


def is_full_id(text: str) -> bool:
    """True for a full image id: 64 hex digits, with or without `sha256:`."""
    hexpart = text[len("sha256:"):] if text.startswith("sha256:") else text
    return bool(_IDENTIFIER_RE.match(hexpart))


def is_id_prefix(image_id: str, candidate: str) -> bool:
    """True when `candidate` is a prefix of `image_id` (with or without `sha256:`)."""
    if not candidate:
        return False
    if image_id.startswith(candidate):
        return True
    _, _, hexpart = image_id.partition(":")
    return bool(hexpart) and hexpart.startswith(candidate)


def quote(text: str) -> str:
    """Go-style double-quoted string for messages that quote a reference."""
    return _go_quote(text)
