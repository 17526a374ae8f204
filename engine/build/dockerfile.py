"""A Dockerfile as stages of instructions, with the line each came from.

`dockerfile-parse` does the lexical part (the escape directive, line
continuations, comments); this module checks each instruction the way
Docker's parser does and reports errors with Docker's wording:
`dockerfile parse error on line 3: unknown instruction: RUNN (did you mean RUN?)`.
"""
from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field

from dockerfile_parse import DockerfileParser

from ..errors import InvalidArgument

KNOWN = ("ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK",
         "LABEL", "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME",
         "WORKDIR")
# instructions whose first words may be --flags, and the flags each accepts
FLAGS = {"FROM": {"platform"}, "COPY": {"from", "chown", "chmod", "link", "parents", "exclude"},
         "ADD": {"chown", "chmod", "link", "checksum", "keep-git-dir", "exclude"},
         "RUN": {"mount", "network", "security"},
         "HEALTHCHECK": {"interval", "timeout", "start-period", "start-interval", "retries"}}
_ESCAPE_RE = re.compile(r"^\s*#\s*escape\s*=\s*(\\|`)\s*$", re.I)


class DockerfileError(InvalidArgument):
    """A Dockerfile Docker would refuse to parse; the message names the line."""

    def __init__(self, line: int, message: str):
        super().__init__(f"dockerfile parse error on line {line}: {message}")
        self.line = line
        self.detail = message


@dataclass
class Instruction:
    keyword: str               # upper case: RUN
    value: str                 # the arguments, continuations joined, flags removed
    line: int                  # 1-based, first line
    original: str              # as Docker prints it in "Step 2/5 : ..."
    flags: dict[str, str] = field(default_factory=dict)

    @property
    def json_args(self) -> list[str] | None:
        """The exec (JSON array of strings) form, or None for the shell form."""
        text = self.value.strip()
        if not text.startswith("["):
            return None
        try:
            data = json.loads(text)
        except ValueError:
            return None
        if isinstance(data, list) and all(isinstance(x, str) for x in data):
            return data
        return None


@dataclass
class Stage:
    base: str                   # FROM's image (unexpanded)
    name: str                   # AS name, lower case, or ""
    index: int
    from_instruction: Instruction
    instructions: list[Instruction] = field(default_factory=list)


@dataclass
class Dockerfile:
    escape: str
    meta_args: list[Instruction]          # ARGs before the first FROM
    stages: list[Stage]

    def total_steps(self, last_stage: int) -> int:
        """Steps the classic builder counts: every instruction of stages 0..last, FROM included."""
        return len(self.meta_args) + sum(1 + len(s.instructions) for s in self.stages[:last_stage + 1])


def _distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def _unknown(word: str) -> str:
    best = min(KNOWN, key=lambda k: _distance(word.upper(), k))
    hint = f" (did you mean {best.lower() if word.islower() else best}?)" \
        if _distance(word.upper(), best) <= max(1, len(word) // 3) else ""
    return f"unknown instruction: {word}{hint}"


def _split_flags(keyword: str, value: str, line: int) -> tuple[dict[str, str], str]:
    flags: dict[str, str] = {}
    rest = value
    while rest.startswith("--"):
        word, _, after = rest.partition(" ")
        name, eq, val = word[2:].partition("=")
        if name == "":                     # a bare "--" ends the flags
            rest = after.lstrip()
            break
        if name not in FLAGS.get(keyword, set()):
            raise DockerfileError(line, f"unknown flag: {name}")
        flags[name] = val if eq else "true"
        rest = after.lstrip()
    return flags, rest


def _original(content: str, escape: str) -> str:
    parts = []
    for raw in content.splitlines():
        text = raw.rstrip()
        if text.lstrip().startswith("#") and parts:
            continue
        if text.endswith(escape):
            text = text[:-1]
        parts.append(text)
    return "".join(parts).strip()


def _check(ins: Instruction) -> None:
    kw, value, line = ins.keyword, ins.value.strip(), ins.line
    if not value and kw not in ("HEALTHCHECK",):
        raise DockerfileError(line, f"{kw} requires at least one argument")
    words = value.split()
    if kw == "FROM" and len(words) not in (1, 3):
        raise DockerfileError(line, "FROM requires either one or three arguments")
    if kw == "FROM" and len(words) == 3 and words[1].upper() != "AS":
        raise DockerfileError(line, "FROM requires either one or three arguments")
    if kw in ("COPY", "ADD"):
        args = ins.json_args if ins.json_args is not None else words
        if len(args) < 2:
            raise DockerfileError(line, f"{kw} requires at least two arguments, but only one was "
                                        "provided. Destination could not be determined")
    if kw == "SHELL" and ins.json_args is None:
        raise DockerfileError(line, "SHELL requires the arguments to be in JSON form")
    if kw == "HEALTHCHECK" and not value:
        raise DockerfileError(line, "HEALTHCHECK requires at least one argument")
    if kw in ("ENV", "LABEL") and "=" not in words[0] and len(words) < 2:
        raise DockerfileError(line, f"{kw} must have two arguments")
    if kw == "ONBUILD" and words[0].upper() == "ONBUILD":
        raise DockerfileError(line, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed")
    if kw == "ONBUILD" and words[0].upper() in ("FROM", "MAINTAINER"):
        raise DockerfileError(line, f"{words[0].upper()} isn't allowed as an ONBUILD trigger")


def _escape_of(text: str) -> str:
    for line in text.splitlines():
        m = _ESCAPE_RE.match(line)
        if m:
            return m.group(1)
        if not re.match(r"^\s*#\s*\w+\s*=", line):
            break
    return "\\"


def parse(text: str) -> Dockerfile:
    """Parse a Dockerfile's text; raises DockerfileError."""
    escape = _escape_of(text)
    structure = DockerfileParser(fileobj=io.BytesIO(text.encode()), env_replace=False).structure
    meta: list[Instruction] = []
    stages: list[Stage] = []
    for item in structure:
        word = item["instruction"]
        if word == "COMMENT":
            continue
        line = item["startline"] + 1
        if word not in KNOWN:
            typed = item["content"].split(None, 1)[0]
            raise DockerfileError(line, _unknown(typed))
        flags, value = _split_flags(word, item["value"].strip(), line)
        ins = Instruction(word, value, line, _original(item["content"], escape), flags)
        _check(ins)
        if word == "FROM":
            words = value.split()
            stages.append(Stage(words[0], words[2].lower() if len(words) == 3 else "",
                                len(stages), ins))
        elif not stages:
            if word != "ARG":
                raise DockerfileError(line, "no build stage in current context")
            meta.append(ins)
        else:
            stages[-1].instructions.append(ins)
    if not stages:
        raise InvalidArgument("the Dockerfile (Dockerfile) cannot be empty" if not structure
                              else "dockerfile parse error: no build stage in current context")
    return Dockerfile(escape, meta, stages)


def parse_instruction(text: str) -> Instruction:
    """One instruction outside a Dockerfile (`docker commit --change 'CMD ["sh"]'`)."""
    structure = [s for s in DockerfileParser(fileobj=io.BytesIO(text.encode()), env_replace=False)
                 .structure if s["instruction"] != "COMMENT"]
    if len(structure) != 1:
        raise InvalidArgument(f"dockerfile parse error on line 1: expected one instruction, got {text!r}")
    item = structure[0]
    word = item["instruction"]
    if word not in KNOWN:
        raise DockerfileError(1, _unknown(item["content"].split(None, 1)[0]))
    flags, value = _split_flags(word, item["value"].strip(), 1)
    ins = Instruction(word, value, 1, _original(item["content"], "\\"), flags)
    _check(ins)
    return ins


def parse_trigger(text: str) -> Instruction:
    """An ONBUILD trigger from a base image's config, checked as dockerd checks it.

    dockerd parses each trigger on its own when a build uses the image: one
    instruction, and never ONBUILD, FROM or MAINTAINER (a config written by
    other tools may hold them).
    """
    ins = parse_instruction(text)
    if ins.keyword == "ONBUILD":
        raise DockerfileError(1, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed")
    if ins.keyword in ("FROM", "MAINTAINER"):
        raise DockerfileError(1, f"{ins.keyword} isn't allowed as an ONBUILD trigger")
    return ins
