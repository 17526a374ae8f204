"""Docker's word processing for Dockerfile arguments: quotes, escapes and `$` substitution.

The builder expands variables itself (not a shell) in ENV, LABEL, COPY,
WORKDIR... with the modifiers Docker knows: `${a:-b}`, `${a:+b}`, `${a-b}`,
`${a+b}`, `${a:?msg}`, `${a?msg}`. A `\\$` (or the escape directive's
character) keeps a dollar sign literal; single quotes keep everything.
"""
from __future__ import annotations

from typing import Mapping

from ..errors import InvalidArgument


class _Lexer:
    """One pass over a word, with the escape character of the Dockerfile."""

    def __init__(self, text: str, env: Mapping[str, str], escape: str):
        self.text, self.env, self.escape = text, env, escape
        self.pos = 0

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def next(self) -> str:
        ch = self.peek()
        self.pos += 1
        return ch

    def word(self, stop: str = "") -> str:
        """Process up to the end (or an unquoted, unescaped character in `stop`)."""
        out = []
        while self.pos < len(self.text):
            ch = self.peek()
            if ch in stop and ch:
                break
            self.pos += 1
            if ch == "'":
                out.append(self._single())
            elif ch == '"':
                out.append(self._double())
            elif ch == self.escape:
                out.append(self.next() if self.pos < len(self.text) else ch)
            elif ch == "$":
                out.append(self._dollar())
            else:
                out.append(ch)
        return "".join(out)

    def _single(self) -> str:
        end = self.text.find("'", self.pos)
        if end < 0:
            raise InvalidArgument("unexpected end of statement while looking for matching single-quote")
        value, self.pos = self.text[self.pos:end], end + 1
        return value

    def _double(self) -> str:
        out = []
        while True:
            if self.pos >= len(self.text):
                raise InvalidArgument("unexpected end of statement while looking for matching double-quote")
            ch = self.next()
            if ch == '"':
                return "".join(out)
            if ch == self.escape and self.peek() in ('"', "$", self.escape) and self.peek():
                out.append(self.next())
            elif ch == "$":
                out.append(self._dollar())
            else:
                out.append(ch)

    def _name(self) -> str:
        start = self.pos
        while self.peek() and (self.peek().isalnum() or self.peek() == "_"):
            self.pos += 1
        return self.text[start:self.pos]

    def _dollar(self) -> str:
        if self.peek() != "{":
            name = self._name()
            return self.env.get(name, "") if name else "$"
        self.pos += 1
        name = self._name()
        if not name:
            raise InvalidArgument("bad substitution: missing variable name")
        ch = self.next()
        if ch == "}":
            return self.env.get(name, "")
        colon = ch == ":"
        modifier = self.next() if colon else ch
        word = self.word(stop="}")
        if self.next() != "}":
            raise InvalidArgument("syntax error: missing '}'")
        return self._modify(name, colon, modifier, word)

    def _modify(self, name: str, colon: bool, modifier: str, word: str) -> str:
        is_set = name in self.env
        usable = is_set and (not colon or self.env[name] != "")
        if modifier == "-":
            return self.env[name] if usable else word
        if modifier == "+":
            return word if usable else ""
        if modifier == "?":
            if not usable:
                raise InvalidArgument(f"{name}: {word or 'is not allowed to be unset'}")
            return self.env[name]
        raise InvalidArgument(f"unsupported modifier ({modifier}) in substitution")


def expand(text: str, env: Mapping[str, str], escape: str = "\\") -> str:
    """One word with quotes removed and variables substituted."""
    return _Lexer(text, env, escape).word()


def split(text: str, escape: str = "\\") -> list[str]:
    """Split on unquoted blanks, keeping quotes and escapes for `expand` (Docker's parseWords)."""
    words, cur, quote, i = [], [], "", 0
    while i < len(text):
        ch = text[i]
        if ch == escape and i + 1 < len(text) and quote != "'":
            cur.append(ch + text[i + 1])
            i += 2
            continue
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch.isspace():
            if cur:
                words.append("".join(cur))
                cur = []
            i += 1
            continue
        cur.append(ch)
        i += 1
    if cur:
        words.append("".join(cur))
    return words


def expand_words(text: str, env: Mapping[str, str], escape: str = "\\") -> list[str]:
    """Split then expand every word (VOLUME, EXPOSE, COPY sources...)."""
    return [expand(w, env, escape) for w in split(text, escape)]
