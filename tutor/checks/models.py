"""What a check may say, as pydantic models (the `check:` part of a lab).

A check is a mapping with exactly one *kind* key (`container`, `http`,
`all`...) and an optional `fail:` feedback. Every criterion is optional:
a check only constrains what the teacher wrote. Kinds look at state
(container, image, network, volume, file), actions (command), effects
(http, exec, output), quiz answers, or combine other checks.
"""
from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from dockerlab.tutor.checks.fields import (
    EnvMatch, ImageBytes, ImageName, Labels, MemoryBytes, PortList, PublishList, Regex, StrList,
    Words,
)
from dockerlab.tutor.checks.rules import rule_error
from dockerlab.tutor.i18n import Localized

ContainerState = Literal["created", "running", "paused", "restarting", "removing",
                         "exited", "dead"]
HealthStatus = Literal["starting", "healthy", "unhealthy", "none"]
RestartPolicy = Annotated[str, AfterValidator(lambda v: _check_restart(v))]


def _check_restart(value: str) -> str:
    if not re.fullmatch(r"no|always|unless-stopped|on-failure(:\d+)?", value):
        raise rule_error("restart_format", "invalid restart policy '{value}': expected no, "
                         "always, unless-stopped or on-failure[:max-retries]", value=value)
    return value


class Strict(BaseModel):
    """Unknown keys are errors: a typo must not silently weaken a check."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class MountMatch(Strict):
    """One entry of the container's `Mounts` (bind paths relative to the lab dir)."""

    type: Literal["bind", "volume", "tmpfs"] | None = None
    source: str | None = None
    destination: str | None = None
    rw: bool | None = None


class ContainerCheck(Strict):
    """At least one container (or exactly `count`) matches every criterion."""

    name: str | None = None
    image: ImageName | None = None
    state: ContainerState | None = None
    exit_code: int | None = None
    ports: PortList | None = None
    publish: PublishList | None = None
    mounts: list[MountMatch] | None = None
    env: EnvMatch | None = None
    user: str | None = None
    hostname: str | None = None
    entrypoint: Words | None = None
    cmd: Words | None = None
    network: str | None = None
    restart: RestartPolicy | None = None
    memory: MemoryBytes | None = None
    cpus: float | None = Field(None, gt=0)
    oom_killed: bool | None = None
    auto_remove: bool | None = None
    health: HealthStatus | None = None        # State.Health.Status; "none" without a check
    labels: Labels | None = None
    extra_hosts: StrList | None = None
    dns: StrList | None = None
    count: int | None = Field(None, ge=0)


class ImageCheck(Strict):
    """An image with this tag and configuration exists (or, `exists: false`, none)."""

    tag: ImageName | None = None
    exists: bool = True
    cmd: Words | None = None
    entrypoint: Words | None = None
    exposed_ports: PortList | None = None
    env: EnvMatch | None = None
    working_dir: str | None = None
    labels: Labels | None = None
    user: str | None = None
    layers: int | None = Field(None, ge=0)
    layers_max: int | None = Field(None, ge=0)
    size_max: ImageBytes | None = None


class NetworkCheck(Strict):
    """A network with this name/driver/subnet, joined by these containers."""

    name: str | None = None
    exists: bool = True
    driver: str | None = None
    subnet: str | None = None
    containers: StrList | None = None

    @field_validator("subnet")
    @classmethod
    def _cidr(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ipaddress.ip_network(value, strict=False)
            except ValueError:
                raise rule_error("subnet_format", "invalid subnet '{value}': expected CIDR "
                                 "notation such as 172.28.0.0/16", value=value) from None
        return value


class VolumeCheck(Strict):
    """A volume exists (or not); optionally a file in it contains a text."""

    name: str | None = None
    exists: bool = True
    file: str | None = None
    contains: str | None = None

    @model_validator(mode="after")
    def _contains_needs_file(self) -> "VolumeCheck":
        if self.contains is not None and self.file is None:
            raise rule_error("needs_key", "'{key}' needs '{other}'", key="contains", other="file")
        return self


class FileCheck(Strict):
    """A file on the host (relative to the lab's working directory)."""

    path: str
    exists: bool = True
    contains: str | None = None
    regex: Regex | None = None


class CommandCheck(Strict):
    """The student typed a docker command with this parsed form.

    `path` is the canonical command (`container run` also matches `docker
    run`); `flags` maps a flag as the teacher writes it (`-p`, `--publish`)
    to its value, `true` (given) or `false` (not given); `image` is the first
    argument of `run`/`create`; `args` the arguments after it (or all of
    them for other commands).
    """

    path: Words
    flags: dict[str, str | bool | int | float | list[str]] | None = None
    image: ImageName | None = None
    args: Words | None = None
    exit_code: int | None = None

    @field_validator("flags")
    @classmethod
    def _flag_names(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        for name in value or {}:
            if not re.fullmatch(r"-[A-Za-z]|--[a-z0-9][a-z0-9-]*", name):
                raise rule_error("flag_name", "invalid flag '{value}': write it as on the "
                                 "command line, e.g. -p or --publish", value=name)
        return value


_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def _is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class HttpCheck(Strict):
    """An HTTP GET from the host answers with this status and body.

    Only loopback URLs (`url`) or a lab container's own address (`container`
    + `port`) are allowed: a check must never send traffic out of the lab.
    """

    url: str | None = None
    container: str | None = None
    port: int = Field(80, ge=1, le=65535)
    path: str = "/"
    status: int = Field(200, ge=100, le=599)
    contains: str | None = None
    regex: Regex | None = None
    timeout: float = Field(3.0, gt=0, le=30)

    @field_validator("url")
    @classmethod
    def _loopback_only(cls, value: str | None) -> str | None:
        if value is None:
            return value
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise rule_error("url_format", "invalid URL '{value}': expected http://host:port/path",
                             value=value)
        if not _is_loopback(parts.hostname):
            raise rule_error("url_outside", "URL '{value}' leaves the lab: http checks may only "
                             "reach localhost (or use 'container' and 'port')", value=value)
        return value

    @model_validator(mode="after")
    def _one_target(self) -> "HttpCheck":
        if (self.url is None) == (self.container is None):
            raise rule_error("one_of", "exactly one of {keys} is required", keys="'url', 'container'")
        return self


class ExecCheck(Strict):
    """A command run inside a container exits with `exit_code` (default 0)
    and prints `contains` / matches `regex`. It must not change anything."""

    container: str
    cmd: Words
    user: str | None = None
    exit_code: int | None = 0
    contains: str | None = None
    regex: Regex | None = None


class OutputCheck(Strict):
    """The output of the student's last command (optionally: last of `command`)."""

    command: Words | None = None
    contains: str | None = None
    regex: Regex | None = None
    exit_code: int | None = None


KINDS = ("container", "image", "network", "volume", "file", "command", "http", "exec",
         "output", "quiz", "all", "any", "not")


class Check(Strict):
    """One check: exactly one kind, plus the feedback shown when it fails."""

    model_config = ConfigDict(json_schema_extra={"oneOf": [{"required": [k]} for k in KINDS]})

    container: ContainerCheck | None = None
    image: ImageCheck | None = None
    network: NetworkCheck | None = None
    volume: VolumeCheck | None = None
    file: FileCheck | None = None
    command: CommandCheck | None = None
    http: HttpCheck | None = None
    exec_: ExecCheck | None = Field(None, alias="exec")
    output: OutputCheck | None = None
    quiz: str | None = None
    all_: list[Check] | None = Field(None, alias="all", min_length=1)
    any_: list[Check] | None = Field(None, alias="any", min_length=1)
    not_: Check | None = Field(None, alias="not")
    fail: Localized | None = None

    @model_validator(mode="after")
    def _exactly_one_kind(self) -> "Check":
        given = [k for k in KINDS if self.spec_of(k) is not None]
        if not given:
            raise rule_error("check_kind", "a check needs a kind: {kinds}", kinds=", ".join(KINDS))
        if len(given) > 1:
            raise rule_error("check_kind", "a check has exactly one kind (found: {found}); "
                             "combine several with 'all'", found=", ".join(given))
        return self

    def spec_of(self, kind: str) -> Any:
        """The value of one kind key (`exec` is stored as `exec_`...)."""
        return getattr(self, kind + "_" if kind in ("exec", "all", "any", "not") else kind)

    @property
    def kind(self) -> str:
        return next(k for k in KINDS if self.spec_of(k) is not None)

    @property
    def spec(self) -> Any:
        return self.spec_of(self.kind)


Check.model_rebuild()
