"""`ADD <url>`: the classic builder's download of a remote file.

dockerd fetches the URL itself (the builder's side, not a container), so
here the builder process does, with Docker's rules: the file is named from
the URL's path (else from Content-Disposition), written with mode 0600,
its mtime taken from Last-Modified (else the epoch), and never unpacked
even when it is an archive. An answer of 400 or more fails the step with
dockerd's wording: `failed to GET <url> with status 404 Not Found: <body>`.
The step's cache key is a hash of the downloaded name and content, so the
file is fetched on every build, as Docker does, and an unchanged file hits
the cache.
"""
from __future__ import annotations

import hashlib
import ipaddress
import os
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import EngineError

if TYPE_CHECKING:
    import urllib.request

# urllib.request, http.client, email and socket (with ssl: ~15 ms) are imported by
# the functions that fetch: the builder asks is_url() of every COPY and ADD source.

UNNAMED = "__unnamed__"            # Docker's name when neither the URL nor the answer gives one
TIMEOUT = 120                      # seconds without data before giving up
_CHUNK = 1 << 16


class DownloadError(EngineError):
    """The URL could not be fetched; the message reads like dockerd's (Go's net/http)."""


@dataclass
class Download:
    path: Path                     # the downloaded file (in the caller's temporary folder)
    name: str                      # the name Docker derives, "" when it cannot tell
    digest: str                    # what the history and the cache key show for this source


def is_url(source: str) -> bool:
    """Docker's urlutil.IsURL: only http:// and https:// sources are downloaded."""
    return source.startswith(("http://", "https://"))


def download(url: str, folder: Path) -> Download:
    """Fetch `url` into a new file under `folder`; raises DownloadError."""
    import http.client
    import urllib.error
    parts = urllib.parse.urlsplit(url)
    try:
        resp = _opener(parts.hostname or "").open(url, timeout=TIMEOUT)
    except urllib.error.HTTPError as e:
        body = e.read().strip().decode(errors="replace")
        raise DownloadError(f"failed to GET {url} with status {e.code} {e.reason}: {body}") from None
    except (urllib.error.URLError, OSError, ValueError) as e:
        raise DownloadError(_go_error(url, parts, e)) from None
    with resp:
        name = _filename(urllib.parse.unquote(parts.path), resp.headers.get("Content-Disposition"))
        target = folder / (name or UNNAMED)
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256(f"{name}\0{0o600}\0".encode())
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            try:
                while chunk := resp.read(_CHUNK):
                    f.write(chunk)
                    digest.update(chunk)
            except http.client.IncompleteRead:
                raise DownloadError("unexpected EOF") from None
            except (OSError, ValueError, http.client.HTTPException) as e:
                raise DownloadError(_go_error(url, parts, e)) from None
        os.chmod(target, 0o600)                 # whatever the umask
        mtime = _last_modified(resp.headers.get("Last-Modified"))
    os.utime(target, (mtime, mtime))
    return Download(target, name, digest.hexdigest())


def _opener(host: str) -> urllib.request.OpenerDirector:
    """Go's ProxyFromEnvironment never proxies loopback addresses; urllib would."""
    import urllib.request
    if host == "localhost" or _loopback(host):
        return urllib.request.build_opener(urllib.request.ProxyHandler({}))
    return urllib.request.build_opener()


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _filename(path: str, disposition: str | None) -> str:
    """Docker's getFilenameForDownload: the URL path's last part, else Content-Disposition's."""
    if path and not path.endswith("/"):
        return _safe(os.path.basename(path))
    if disposition:
        from email.message import Message
        msg = Message()
        msg["Content-Disposition"] = disposition
        given = msg.get_filename() or ""
        if given and not given.endswith("/"):
            return _safe(os.path.basename(given))
    return ""


def _safe(name: str) -> str:
    """`.` and `..` would name the download's folder or its parent: no name instead."""
    return "" if name in (".", "..") else name


def _last_modified(header: str | None) -> float:
    """Last-Modified as a timestamp; 0 (the epoch, where Docker's zero time lands) otherwise."""
    if not header:
        return 0.0
    from email.utils import parsedate_to_datetime
    try:
        return parsedate_to_datetime(header).timestamp()
    except (TypeError, ValueError, IndexError):
        return 0.0


def _go_error(url: str, parts: urllib.parse.SplitResult, error: BaseException) -> str:
    """An error as Go's http.Get words it: `Get "URL": dial tcp HOST:PORT: connect: ...`."""
    import socket
    reason = getattr(error, "reason", error)
    host = parts.hostname or ""
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return f'parse "{url}": invalid port'
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    if isinstance(reason, socket.gaierror):
        text = f"dial tcp: lookup {host}: no such host"
    elif isinstance(reason, ConnectionRefusedError):
        text = f"dial tcp {address}: connect: connection refused"
    elif isinstance(reason, (TimeoutError, socket.timeout)):
        text = f"dial tcp {address}: i/o timeout"
    elif isinstance(reason, OSError) and reason.strerror:
        text = f"dial tcp {address}: connect: {reason.strerror.lower()}"
    else:
        text = str(reason) or type(reason).__name__
    return f'Get "{url}": {text}'
