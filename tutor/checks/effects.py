"""Checks on effects: an HTTP answer, a command run in a container, the
output of the student's last command.

HTTP requests go only to loopback (enforced when the lab is loaded) or to
a lab container's private address, without proxies (a `http_proxy` in the
environment must not carry the request out of the machine) and without
following redirects (a redirect could point anywhere).
"""
from __future__ import annotations

import ipaddress
import re
import shlex
import urllib.error
import urllib.request

from dockerlab.tutor.checks.actions import canonical_path, parse_entry, parser_of
from dockerlab.tutor.checks.context import CheckContext, HistoryEntry
from dockerlab.tutor.checks.models import ExecCheck, HttpCheck, OutputCheck
from dockerlab.tutor.i18n import _

BODY_LIMIT = 1 << 20


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002 - urllib's signature
        return None


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


def container_address(ctx: CheckContext, name: str) -> str | None:
    """The private IPv4 address of a lab container, None if it has none."""
    for c in ctx.engine.list_containers(all=True):
        if c.get("Name", "").lstrip("/") == name or c.get("Id", "").startswith(name):
            settings = c.get("NetworkSettings") or {}
            candidates = [settings.get("IPAddress")] + [
                n.get("IPAddress") for n in (settings.get("Networks") or {}).values()]
            for ip in filter(None, candidates):
                if ipaddress.ip_address(ip).is_private:
                    return ip
    return None


def fetch(url: str, timeout: float) -> tuple[int, str]:
    """GET `url`: status and body (error statuses are answers too)."""
    try:
        with _OPENER.open(url, timeout=timeout) as response:
            return response.status, response.read(BODY_LIMIT).decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        body = err.read(BODY_LIMIT).decode("utf-8", "replace") if err.fp else ""
        return err.code, body


def evaluate_http(spec: HttpCheck, ctx: CheckContext) -> tuple[bool, str]:
    url = spec.url
    if url is None:
        ip = container_address(ctx, spec.container)
        if ip is None:
            return False, _("container {name} has no address on a lab network").format(
                name=spec.container)
        url = f"http://{ip}:{spec.port}{spec.path}"
    try:
        status, body = fetch(url, spec.timeout)
    except (urllib.error.URLError, OSError, ValueError) as err:
        reason = getattr(err, "reason", err)
        return False, _("could not reach {url}: {reason}").format(url=url, reason=reason)
    if status != spec.status:
        return False, _("{url} answered {found}, expected {expected}").format(
            url=url, found=status, expected=spec.status)
    return _match_text(body, spec.contains, spec.regex, _("the page at {url}").format(url=url))


def _match_text(text: str, contains: str | None, regex: str | None,
                what: str) -> tuple[bool, str]:
    if contains is not None and contains not in text:
        return False, _("{what} does not contain \"{text}\"").format(what=what, text=contains)
    if regex is not None and not re.search(regex, text, re.MULTILINE):
        return False, _("{what} does not match /{regex}/").format(what=what, regex=regex)
    return True, ""


def evaluate_exec(spec: ExecCheck, ctx: CheckContext) -> tuple[bool, str]:
    code, raw = ctx.engine.exec_run(spec.container, list(spec.cmd), user=spec.user)
    output = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    shown = shlex.join(spec.cmd)
    if spec.exit_code is not None and code != spec.exit_code:
        return False, _("'{cmd}' in {container} exited with {found}, expected {expected}").format(
            cmd=shown, container=spec.container, found=code, expected=spec.exit_code)
    what = _("the output of '{cmd}' in {container}").format(cmd=shown, container=spec.container)
    return _match_text(output, spec.contains, spec.regex, what)


def _last_entry(spec: OutputCheck, ctx: CheckContext) -> HistoryEntry | None:
    entries = ctx.history.newest_first()
    if spec.command is None:
        return entries[0] if entries else None
    parse = parser_of(ctx)
    path = canonical_path(parse, list(spec.command))
    for entry in entries:
        parsed = parse_entry(parse, entry)
        if parsed is not None and tuple(parsed.path) == path:
            return entry
    return None


def evaluate_output(spec: OutputCheck, ctx: CheckContext) -> tuple[bool, str]:
    entry = _last_entry(spec, ctx)
    if entry is None:
        if spec.command:
            return False, _("you have not run 'docker {path}' yet").format(
                path=" ".join(spec.command))
        return False, _("no command has been run yet")
    shown = shlex.join(entry.argv)
    if spec.exit_code is not None and entry.exit_code != spec.exit_code:
        return False, _("'{cmd}' exited with {found}, expected {expected}").format(
            cmd=shown, found=entry.exit_code, expected=spec.exit_code)
    return _match_text(entry.output, spec.contains, spec.regex,
                       _("the output of '{cmd}'").format(cmd=shown))
