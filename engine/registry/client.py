"""An HTTP client for one repository of one registry (distribution spec, API v2).

Scheme: HTTPS first, verified with `certs.d/<host>/ca.crt` when there is one
(dockerlab's `<root>/certs.d` or Docker's `/etc/docker/certs.d`), else with
the system's CAs. A loopback registry (localhost, 127.0.0.0/8, ::1) is also
tried over plain HTTP when HTTPS fails, as Docker treats loopback as an
insecure registry. Auth: on 401 the WWW-Authenticate challenge decides basic
or bearer (see auth.py); the answer is reused for the following requests.
"""
from __future__ import annotations

import ipaddress
import socket
from pathlib import Path
from typing import Iterable

import requests

from ..errors import EngineError
from ..images.oci import digest_of
from .auth import basic_header, parse_challenges, scope_for

TIMEOUT = 30
MANIFEST_TYPES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
)


class RegistryError(EngineError):
    """The registry refused or failed; `code` is the spec's error code when it gave one."""

    def __init__(self, message: str, code: str = "", status: int = 0):
        super().__init__(message)
        self.code, self.http_status = code, status


class NoCredentials(RegistryError):
    """The registry wants basic auth and we have no login for it."""


def is_loopback(host: str) -> bool:
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    name = name.strip("[]")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def ca_file(host: str, certs_dirs: Iterable[Path]) -> Path | None:
    for base in certs_dirs:
        candidate = Path(base) / host / "ca.crt"
        if candidate.is_file():
            return candidate
    return None


def error_from(resp: requests.Response) -> RegistryError:
    """A RegistryError from a registry's JSON error body (`code: message`)."""
    try:
        errors = resp.json().get("errors") or []
    except ValueError:
        errors = []
    if errors:
        first = errors[0]
        code = str(first.get("code", ""))
        text = f"{code.lower().replace('_', ' ')}: {first.get('message', '')}"
        return RegistryError(text, code, resp.status_code)
    return RegistryError(f"received unexpected HTTP status: {resp.status_code} {resp.reason}",
                         "", resp.status_code)


class RegistryClient:
    """Talks to `host` about `repository` (e.g. "library/busybox")."""

    def __init__(self, host: str, repository: str, credentials: tuple[str, str] | None = None,
                 certs_dirs: Iterable[Path] = (), actions: str = "pull"):
        self.host, self.repository = host, repository
        self.credentials = credentials
        self.actions = actions
        self.session = requests.Session()
        self.session.trust_env = False          # never through an HTTP proxy
        ca = ca_file(host, certs_dirs)
        self.session.verify = str(ca) if ca else True
        self.base = ""
        self.authorization = ""

    # -- connection --------------------------------------------------------
    def ping(self) -> requests.Response:
        """GET /v2/ over HTTPS, then HTTP for loopback; sets the base URL."""
        schemes = ["https", "http"] if is_loopback(self.host) else ["https"]
        last: Exception | None = None
        for scheme in schemes:
            url = f"{scheme}://{self.host}/v2/"
            try:
                resp = self.session.get(url, timeout=TIMEOUT)
            except requests.exceptions.SSLError as e:
                last = e
                continue
            except requests.exceptions.ConnectionError as e:
                last = e
                continue
            if scheme == "http" and resp.status_code == 400 and "HTTPS" in resp.text:
                continue      # a TLS server answering plain HTTP: the HTTPS error is the real one
            self.base = f"{scheme}://{self.host}"
            return resp
        raise self._connection_error(schemes[-1] if not isinstance(last, requests.exceptions.SSLError)
                                     else "https", last)

    def _connection_error(self, scheme: str, err: Exception | None) -> RegistryError:
        url = f"{scheme}://{self.host}/v2/"
        if isinstance(err, requests.exceptions.SSLError):
            return RegistryError(f'Get "{url}": tls: failed to verify certificate: '
                                 "x509: certificate signed by unknown authority")
        host, _, port = self.host.rpartition(":")
        try:
            addr = socket.gethostbyname(host.strip("[]") or self.host)
        except OSError:
            return RegistryError(f'Get "{url}": dial tcp: lookup {host or self.host}: no such host')
        return RegistryError(f'Get "{url}": dial tcp {addr}:{port or 443}: connect: '
                             "connection refused")

    def request(self, method: str, path: str, **kw) -> requests.Response:
        """A request with auth; `path` is relative to /v2/<repository>/ unless absolute."""
        if not self.base:
            self.ping()
        url = path if path.startswith("http") else f"{self.base}/v2/{self.repository}/{path}"
        kw.setdefault("timeout", TIMEOUT)
        headers = dict(kw.pop("headers", {}) or {})
        for attempt in range(2):
            if self.authorization:
                headers["Authorization"] = self.authorization
            resp = self.session.request(method, url, headers=headers, **kw)
            if resp.status_code != 401 or attempt:
                return resp
            self.authenticate(resp, f'{method.title()} "{url}"')
            data = kw.get("data")
            if hasattr(data, "seek"):
                data.seek(0)
        return resp

    # -- auth ----------------------------------------------------------------
    def authenticate(self, resp: requests.Response, what: str) -> None:
        """Answer a 401's challenge: a bearer token, or basic auth with our login."""
        challenges = parse_challenges(resp.headers.get("WWW-Authenticate", ""))
        for ch in challenges:
            if ch.scheme == "bearer" and ch.params.get("realm"):
                self.authorization = "Bearer " + self._token(ch.params)
                return
        for ch in challenges:
            if ch.scheme == "basic":
                if self.credentials is None:
                    raise NoCredentials(f"{what}: no basic auth credentials", "NO_CREDENTIALS", 401)
                self.authorization = basic_header(*self.credentials)
                return
        raise error_from(resp)

    def _token(self, params: dict) -> str:
        query = {"scope": scope_for(self.repository, self.actions)}
        if params.get("service"):
            query["service"] = params["service"]
        if self.credentials is not None:
            query["account"] = self.credentials[0]
        auth = self.credentials if self.credentials is not None else None
        try:
            resp = self.session.get(params["realm"], params=query, auth=auth, timeout=TIMEOUT)
        except requests.exceptions.RequestException as e:
            raise RegistryError(f"failed to fetch a token from {params['realm']}: {e}") from None
        if resp.status_code == 401:
            raise RegistryError("unauthorized: incorrect username or password", "UNAUTHORIZED", 401)
        if resp.status_code != 200:
            raise error_from(resp)
        try:
            doc = resp.json()
        except ValueError:
            raise RegistryError(f"the token server {params['realm']} did not answer JSON") from None
        token = doc.get("token") or doc.get("access_token")
        if not token:
            raise RegistryError(f"the token server {params['realm']} gave no token")
        return str(token)

    def login(self) -> None:
        """Check the credentials: /v2/ must answer 200 with them (Docker's loginV2)."""
        resp = self.ping()
        if resp.status_code == 401:
            try:
                self.authenticate(resp, f'Get "{self.base}/v2/"')
            except RegistryError:
                raise RegistryError(f"login attempt to {self.base}/v2/ failed with status: "
                                    "401 Unauthorized") from None
            resp = self.session.get(f"{self.base}/v2/", timeout=TIMEOUT,
                                    headers={"Authorization": self.authorization})
        if resp.status_code != 200:
            raise RegistryError(f"login attempt to {self.base}/v2/ failed with status: "
                                f"{resp.status_code} {resp.reason}")

    # -- content ---------------------------------------------------------------
    def get_manifest(self, reference: str) -> tuple[bytes, str, str]:
        """(bytes, media type, digest) of a manifest or index by tag or digest."""
        resp = self.request("GET", f"manifests/{reference}",
                            headers={"Accept": ", ".join(MANIFEST_TYPES)})
        if resp.status_code != 200:
            raise error_from(resp)
        data = resp.content
        return data, resp.headers.get("Content-Type", "").split(";")[0], digest_of(data)

    def get_blob(self, digest: str) -> requests.Response:
        resp = self.request("GET", f"blobs/{digest}", stream=True)
        if resp.status_code != 200:
            raise error_from(resp)
        return resp

    def has_blob(self, digest: str) -> bool:
        resp = self.request("HEAD", f"blobs/{digest}")
        if resp.status_code in (200, 307):
            return True
        if resp.status_code == 404:
            return False
        raise error_from(resp)

    def upload_blob(self, digest: str, path: Path) -> None:
        """Monolithic upload: POST to open a session, PUT the bytes with ?digest=."""
        resp = self.request("POST", "blobs/uploads/")
        if resp.status_code not in (202, 201):
            raise error_from(resp)
        location = resp.headers["Location"]
        if location.startswith("/"):
            location = self.base + location
        sep = "&" if "?" in location else "?"
        with open(path, "rb") as f:
            resp = self.request("PUT", f"{location}{sep}digest={digest}", data=f,
                                headers={"Content-Type": "application/octet-stream"})
        if resp.status_code not in (201, 204):
            raise error_from(resp)

    def put_manifest(self, reference: str, data: bytes, media_type: str) -> None:
        resp = self.request("PUT", f"manifests/{reference}", data=data,
                            headers={"Content-Type": media_type})
        if resp.status_code not in (201, 200):
            raise error_from(resp)

