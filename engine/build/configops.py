"""Instructions that only change an image's config (CMD, ENV, LABEL, EXPOSE...).

Shared by the builder and `docker commit --change`. Each function takes the
instruction and the state of the stage, changes the config in place, and
returns the history text the classic builder records after `#(nop) `.
"""
from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass, field

from ..errors import InvalidArgument
from ..goduration import format_duration
from .dockerfile import Instruction
from .shellwords import expand, expand_words, split

DEFAULT_SHELL = ["/bin/sh", "-c"]
_DURATION_UNITS = {"ns": 1, "us": 1000, "µs": 1000, "ms": 10**6, "s": 10**9, "m": 60 * 10**9,
                   "h": 3600 * 10**9}


@dataclass
class StageState:
    """What a stage carries from one instruction to the next."""

    config: dict                           # the image's container config (Docker's names)
    escape: str = "\\"
    args: dict[str, str | None] = field(default_factory=dict)   # declared ARGs in scope
    cmd_set: bool = False                  # a CMD was given in this stage (ENTRYPOINT keeps it)

    def env(self) -> dict[str, str]:
        out = {k: v for k, v in self.args.items() if v is not None}
        for item in self.config.get("Env") or []:
            key, _, value = item.partition("=")
            out[key] = value
        return out

    def shell(self) -> list[str]:
        return list(self.config.get("Shell") or DEFAULT_SHELL)

    def word(self, text: str) -> str:
        return expand(text, self.env(), self.escape)

    def words(self, text: str) -> list[str]:
        return expand_words(text, self.env(), self.escape)


def go_quote_list(items: list[str]) -> str:
    """Go's %q of a []string: ["a" "b"]."""
    return "[" + " ".join(json.dumps(i, ensure_ascii=False) for i in items) + "]"


def command_form(ins: Instruction, state: StageState) -> tuple[list[str], bool]:
    """Exec form as given, or the shell form wrapped in SHELL; invalid JSON is shell form."""
    exec_form = ins.json_args
    if exec_form is not None:
        return exec_form, False
    return state.shell() + [ins.value], True


def key_values(ins: Instruction, state: StageState) -> list[tuple[str, str]]:
    """`K=V K2="v 2"` or the old `K V...` form of ENV and LABEL."""
    words = split(ins.value, state.escape)
    if words and "=" not in words[0]:
        rest = ins.value.strip()[len(words[0]):].strip()
        return [(state.word(words[0]), state.word(rest) if ins.keyword == "ENV" else rest)]
    pairs = []
    for w in words:
        if "=" not in w:
            raise InvalidArgument(f"{ins.keyword} names can not be blank" if w.startswith("=")
                                  else f"Syntax error - can't find = in \"{w}\". Must be of the form: name=value")
        key, _, value = w.partition("=")
        if not key:
            raise InvalidArgument(f"{ins.keyword} names can not be blank")
        pairs.append((state.word(key), state.word(value)))
    return pairs


def do_env(ins: Instruction, state: StageState) -> str:
    env = list(state.config.get("Env") or [])
    shown = []
    for key, value in key_values(ins, state):
        env = [e for e in env if e.partition("=")[0] != key] + [f"{key}={value}"]
        state.config["Env"] = env
        shown.append(f"{key}={value}")
    return "ENV " + " ".join(shown)


def do_label(ins: Instruction, state: StageState) -> str:
    labels = dict(state.config.get("Labels") or {})
    shown = []
    for key, value in key_values(ins, state):
        labels[key] = value
        shown.append(f"{key}={value}")
    state.config["Labels"] = labels
    return "LABEL " + " ".join(shown)


def do_cmd(ins: Instruction, state: StageState) -> str:
    cmd, _ = command_form(ins, state)
    state.config["Cmd"] = cmd
    state.config["ArgsEscaped"] = False
    state.cmd_set = True
    return f"CMD {go_quote_list(cmd)}"


def do_entrypoint(ins: Instruction, state: StageState) -> str:
    entry, _ = command_form(ins, state)
    state.config["Entrypoint"] = entry
    if not state.cmd_set:             # Docker: a new ENTRYPOINT resets an inherited CMD
        state.config["Cmd"] = None
    return f"ENTRYPOINT {go_quote_list(entry)}"


def do_expose(ins: Instruction, state: StageState) -> str:
    ports = dict(state.config.get("ExposedPorts") or {})
    given = state.words(ins.value)
    for spec in given:
        port, _, proto = spec.partition("/")
        proto = (proto or "tcp").lower()
        if proto not in ("tcp", "udp", "sctp"):
            raise InvalidArgument(f"invalid proto: {proto}")
        first, _, last = port.partition("-")
        if not first.isdigit() or (last and not last.isdigit()):
            raise InvalidArgument(f"invalid containerPort: {port}")
        for n in range(int(first), int(last or first) + 1):
            ports[f"{n}/{proto}"] = {}
    state.config["ExposedPorts"] = ports
    return "EXPOSE " + " ".join(given)


def do_user(ins: Instruction, state: StageState) -> str:
    state.config["User"] = state.word(ins.value.strip())
    return "USER " + state.config["User"]


def do_workdir(ins: Instruction, state: StageState) -> str:
    path = state.word(ins.value.strip())
    if not path.startswith("/"):
        path = posixpath.join(state.config.get("WorkingDir") or "/", path)
    state.config["WorkingDir"] = posixpath.normpath(path)
    return "WORKDIR " + state.config["WorkingDir"]


def do_volume(ins: Instruction, state: StageState) -> str:
    given = ins.json_args if ins.json_args is not None else state.words(ins.value)
    vols = dict(state.config.get("Volumes") or {})
    for v in given:
        v = v.strip()
        if not v:
            raise InvalidArgument("VOLUME specified can not be an empty string")
        vols[v] = {}
    state.config["Volumes"] = vols
    return "VOLUME [" + " ".join(given) + "]"


def do_stopsignal(ins: Instruction, state: StageState) -> str:
    sig = state.word(ins.value.strip())
    state.config["StopSignal"] = sig
    return "STOPSIGNAL " + sig


def do_shell(ins: Instruction, state: StageState) -> str:
    state.config["Shell"] = ins.json_args
    return "SHELL " + "[" + " ".join(ins.json_args or []) + "]"


def do_onbuild(ins: Instruction, state: StageState) -> str:
    """The trigger is kept as written (flags included), without expansion: it runs later."""
    import re
    trigger = re.sub(r"(?i)^\s*ONBUILD\s*", "", ins.original)
    state.config["OnBuild"] = list(state.config.get("OnBuild") or []) + [trigger]
    return "ONBUILD " + trigger


def parse_duration_ns(text: str) -> int:
    import re
    total, rest = 0, text
    if not rest:
        raise InvalidArgument(f'time: invalid duration "{text}"')
    while rest:
        m = re.match(r"(\d+(?:\.\d*)?)(ns|us|µs|ms|s|m|h)", rest)
        if not m:
            raise InvalidArgument(f'time: invalid duration "{text}"')
        total += int(float(m.group(1)) * _DURATION_UNITS[m.group(2)])
        rest = rest[m.end():]
    return total


def do_healthcheck(ins: Instruction, state: StageState) -> str:
    words = ins.value.split(None, 1)
    kind = words[0].upper() if words else ""
    if kind == "NONE":
        if len(words) > 1 or ins.flags:
            raise InvalidArgument("HEALTHCHECK NONE takes no arguments")
        state.config["Healthcheck"] = {"Test": ["NONE"]}
        return 'HEALTHCHECK &{["NONE"] "0s" "0s" "0s" "0s" \'\\x00\'}'
    if kind != "CMD" or len(words) < 2:
        raise InvalidArgument(f"Unknown type {kind!r} in HEALTHCHECK (try CMD)" if kind != "CMD"
                              else "Missing command after HEALTHCHECK CMD")
    rest = Instruction("CMD", words[1], ins.line, ins.original)
    test = rest.json_args
    test = ["CMD"] + test if test is not None else ["CMD-SHELL", words[1]]
    hc: dict = {"Test": test}
    durations = []
    for flag in ("interval", "timeout", "start-period", "start-interval"):
        ns = parse_duration_ns(ins.flags[flag]) if flag in ins.flags else 0
        durations.append(ns)
        if ns:
            hc["".join(p.capitalize() for p in flag.split("-"))] = ns
    retries = int(ins.flags.get("retries", "0") or 0)
    if retries:
        hc["Retries"] = retries
    state.config["Healthcheck"] = hc
    quoted = " ".join(f'"{format_duration(d)}"' for d in durations)
    return f"HEALTHCHECK &{{{go_quote_list(test)} {quoted} '\\x{retries:02x}'}}"


def do_maintainer(ins: Instruction, state: StageState) -> str:
    return "MAINTAINER " + ins.value.strip()


CONFIG_OPS = {"ENV": do_env, "LABEL": do_label, "CMD": do_cmd, "ENTRYPOINT": do_entrypoint,
              "EXPOSE": do_expose, "USER": do_user, "WORKDIR": do_workdir, "VOLUME": do_volume,
              "STOPSIGNAL": do_stopsignal, "SHELL": do_shell, "ONBUILD": do_onbuild,
              "HEALTHCHECK": do_healthcheck, "MAINTAINER": do_maintainer}
# what `docker commit --change` accepts (Docker's list)
COMMIT_CHANGES = ("CMD", "ENTRYPOINT", "ENV", "EXPOSE", "LABEL", "ONBUILD", "USER", "VOLUME",
                  "STOPSIGNAL", "WORKDIR")
