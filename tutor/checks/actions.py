"""The `command:` check: did the student type a docker command of this form?

Typed commands are parsed by the CLI's own parser, so `docker run -dp
8080:80 nginx`, `docker container run --publish=8080:80 -d nginx` and
`docker run -d -p 8080:80 nginx` are one and the same. The teacher's
expectation is parsed the same way: `path: run` becomes `container run`,
`-p` becomes `publish`, and `-m: 32m` is compared as 33554432 bytes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dockerlab.cli.flags import UsageError
from dockerlab.tutor.checks.context import CheckContext, HistoryEntry, Parser
from dockerlab.tutor.checks.imageref import same_image
from dockerlab.tutor.checks.matching import show
from dockerlab.tutor.checks.models import CommandCheck
from dockerlab.tutor.i18n import _

RUN_LIKE = {("container", "run"), ("container", "create")}
FILLERS = ("dlt-arg",) * 4  # satisfy argument counts when parsing a bare path


def default_parser() -> Parser:
    from dockerlab.cli.spec import parse_docker_command
    return parse_docker_command


def parser_of(ctx: CheckContext) -> Parser:
    return ctx.parse or default_parser()


def _parse_with_fillers(parse: Parser, argv: list[str]) -> Any:
    """Parse `argv`, adding placeholder arguments until the count is accepted.

    The teacher writes a path and flags, not a whole command; `docker run`
    alone is refused for its missing image. A flag error (unknown flag, bad
    value) is what the caller wants to hear about, so it wins over count
    errors.
    """
    errors: list[UsageError] = []
    for extra in range(len(FILLERS) + 1):
        try:
            return parse(argv + list(FILLERS[:extra]))
        except UsageError as err:
            errors.append(err)
    flag_errors = [e for e in errors if "flag" in str(e).splitlines()[0]]
    raise (flag_errors or errors)[0]


def canonical_path(parse: Parser, words: list[str]) -> tuple[str, ...]:
    """`run` -> `("container", "run")`, as the CLI resolves aliases."""
    return tuple(_parse_with_fillers(parse, list(words)).path)


@dataclass(frozen=True)
class Expected:
    """One teacher flag, as the parser stores it: key and converted value."""

    written: str
    key: str
    value: Any
    presence_only: bool


def canonical_flag(parse: Parser, path: tuple[str, ...], flag: str, value: Any) -> Expected:
    """Parse `docker PATH FLAG [VALUE]` to learn the flag's key and value.

    Raises the parser's error for an unknown flag or a refused value.
    """
    if isinstance(value, bool):
        argv = list(path) + [flag]
    elif isinstance(value, list):
        argv = list(path) + [part for item in value for part in (flag, str(item))]
    else:
        argv = list(path) + [flag, str(value)]
    parsed = _parse_with_fillers(parse, argv)
    key = list(parsed.given)[0]
    return Expected(flag, key, parsed.flags[key], isinstance(value, bool))


def expected_flags(parse: Parser, spec: CommandCheck, path: tuple[str, ...]) -> list[tuple[Expected, Any]]:
    return [(canonical_flag(parse, path, flag, value), value)
            for flag, value in (spec.flags or {}).items()]


def _value_ok(want: Any, have: Any) -> bool:
    if isinstance(want, list) and isinstance(have, list):
        return all(item in have for item in want)
    if isinstance(want, dict) and isinstance(have, dict):
        return all(have.get(k) == v for k, v in want.items())
    return want == have


def _flag_reason(exp: Expected, wanted: Any, parsed: Any) -> str | None:
    given = exp.key in set(parsed.given)
    have = parsed.flags.get(exp.key)
    if wanted is False:
        used = given and have not in (False, None)
        return _("flag {flag} should not be used").format(flag=exp.written) if used else None
    if not given or have is False:
        return _("flag {flag} is missing").format(flag=exp.written)
    if exp.presence_only or _value_ok(exp.value, have):
        return None
    return _("flag {flag} is {found}, expected {expected}").format(
        flag=exp.written, found=show(have), expected=show(wanted))


def mismatches(spec: CommandCheck, entry: HistoryEntry, parsed: Any,
               flags: list[tuple[Expected, Any]]) -> list[str]:
    """Why a typed command (already parsed, right path) is not the one wanted."""
    found = [r for exp, wanted in flags if (r := _flag_reason(exp, wanted, parsed))]
    args = list(parsed.args)
    if tuple(parsed.path) in RUN_LIKE:
        image, args = (args[0] if args else ""), args[1:]
        if spec.image and not same_image(spec.image, image):
            found.append(_("image is {found}, expected {expected}").format(
                found=image or "-", expected=spec.image))
    if spec.args is not None and args != list(spec.args):
        found.append(_("arguments are {found}, expected {expected}").format(
            found=show(args), expected=show(spec.args)))
    if spec.exit_code is not None and entry.exit_code != spec.exit_code:
        found.append(_("exit code is {found}, expected {expected}").format(
            found=entry.exit_code, expected=spec.exit_code))
    return found


def parse_entry(parse: Parser, entry: HistoryEntry) -> Any | None:
    """The parsed form of a `docker ...` history entry, None if it did not parse."""
    if not entry.is_docker:
        return None
    try:
        return parse(list(entry.argv[1:]))
    except UsageError:  # a command Docker refused is not the command asked for
        return None


def evaluate_command(spec: CommandCheck, ctx: CheckContext) -> tuple[bool, str]:
    parse = parser_of(ctx)
    path = canonical_path(parse, list(spec.path))
    flags = expected_flags(parse, spec, path)
    closest: list[str] | None = None
    for entry in ctx.history.newest_first():
        parsed = parse_entry(parse, entry)
        if parsed is None or tuple(parsed.path) != path:
            continue
        why = mismatches(spec, entry, parsed, flags)
        if not why:
            return True, ""
        closest = why if closest is None else closest
    shown = " ".join(path)
    if closest is None:
        return False, _("you have not run 'docker {path}' yet").format(path=shown)
    return False, _("your last 'docker {path}' differs: {reasons}").format(
        path=shown, reasons="; ".join(closest))
