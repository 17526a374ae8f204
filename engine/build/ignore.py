""".dockerignore: which files of the build context the builder may see.

Docker's rules: one pattern a line, `#` comments, Go's filepath.Match syntax
(`*`, `?`, `[a-z]`, `\\` escapes) plus `**` for any number of directories, a
pattern also covers everything under a directory it matches, `!` re-includes,
and the last matching line wins. The Dockerfile and .dockerignore are always
sent, as the docker client does.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path


@dataclass(frozen=True)
class Pattern:
    text: str
    exclusion: bool
    regex: re.Pattern


def _translate(pattern: str) -> re.Pattern:
    """Go filepath.Match syntax with `**`, as a regex over '/'-separated paths."""
    out, i = ["^"], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "*":
            if pattern.startswith("**", i):
                i += 2
                if pattern.startswith("/", i):       # "**/" : zero or more directories
                    i += 1
                    out.append("(?:.*/)?")
                else:
                    out.append(".*")
                continue
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "[":
            end = pattern.find("]", i + 1)
            if end < 0:
                raise ValueError(f"syntax error in pattern {pattern!r}")
            body = pattern[i + 1:end]
            if body.startswith("^") or body.startswith("!"):
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = end
        elif ch == "\\" and i + 1 < len(pattern):
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(ch))
        i += 1
    out.append("$")
    return re.compile("".join(out))


def _clean(path: str) -> str:
    path = os.path.normpath(path.strip()).lstrip("/")
    return "" if path == "." else path


def parse(text: str) -> list[Pattern]:
    patterns = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        exclusion = line.startswith("!")
        body = _clean(line[1:] if exclusion else line)
        if not body:
            continue
        patterns.append(Pattern(body, exclusion, _translate(body)))
    return patterns


class Matcher:
    """Answers "is this context path excluded?" for '/'-separated relative paths."""

    def __init__(self, patterns: list[Pattern]):
        self.patterns = patterns

    @classmethod
    def for_context(cls, root: Path, dockerfile_rel: str | None = "Dockerfile") -> "Matcher":
        ignore = root / ".dockerignore"
        patterns = parse(ignore.read_text()) if ignore.is_file() else []
        if patterns:
            for keep in (".dockerignore", dockerfile_rel):
                if keep:
                    patterns.append(Pattern(keep, True, _translate(re.sub(r"([*?\[\\])", r"\\\1", keep))))
        return cls(patterns)

    @lru_cache(maxsize=None)
    def excluded(self, path: str) -> bool:
        if not self.patterns:
            return False
        parents = _parents(path)
        result = False
        for p in self.patterns:
            if any(p.regex.match(candidate) for candidate in parents):
                result = not p.exclusion
        return result


def _parents(path: str) -> list[str]:
    """`a/b/c` -> [a/b/c, a, a/b]: a pattern on a directory covers what is under it."""
    parts = path.split("/")
    return [path] + ["/".join(parts[:n]) for n in range(1, len(parts))]
