"""The `image:` check: tags, configuration, layers and size from
`docker image inspect` JSON (what `docker build` and `commit` produced)."""
from __future__ import annotations

from dockerlab.tutor.checks.containers import env_reason, subset_reason
from dockerlab.tutor.checks.context import CheckContext
from dockerlab.tutor.checks.imageref import same_image
from dockerlab.tutor.checks.matching import Criterion, differs, judge
from dockerlab.tutor.checks.models import ImageCheck


def name_of(image: dict) -> str:
    tags = image.get("RepoTags") or []
    return tags[0] if tags else image.get("Id", "").removeprefix("sha256:")[:12]


def _config(image: dict) -> dict:
    return image.get("Config") or {}


def _tag(want: str, image: dict) -> str | None:
    tags = image.get("RepoTags") or []
    return None if any(same_image(want, tag) for tag in tags) else differs("tag", tags, want)


def _words(field: str, key: str) -> Criterion:
    def check(want: list[str], image: dict) -> str | None:
        have = _config(image).get(key) or []
        return None if list(have) == list(want) else differs(field, have, want)
    return check


def _text(field: str, key: str) -> Criterion:
    def check(want: str, image: dict) -> str | None:
        have = _config(image).get(key) or ""
        return None if have == want else differs(field, have, want)
    return check


def _layers(image: dict) -> int:
    return len((image.get("RootFS") or {}).get("Layers") or [])


CRITERIA: dict[str, Criterion] = {
    "tag": _tag,
    "cmd": _words("cmd", "Cmd"),
    "entrypoint": _words("entrypoint", "Entrypoint"),
    "exposed_ports": lambda want, i: subset_reason(
        "exposed_ports", want, list((_config(i).get("ExposedPorts") or {}).keys())),
    "env": lambda want, i: env_reason("env", want, _config(i).get("Env")),
    "working_dir": _text("working_dir", "WorkingDir"),
    "labels": lambda want, i: env_reason(
        "labels", want, [f"{k}={v}" for k, v in (_config(i).get("Labels") or {}).items()]),
    "user": _text("user", "User"),
    "layers": lambda want, i: None if _layers(i) == want else differs("layers", _layers(i), want),
    "layers_max": lambda want, i: None if _layers(i) <= want else differs(
        "layers", _layers(i), f"<= {want}"),
    "size_max": lambda want, i: None if (i.get("Size") or 0) <= want else differs(
        "size", i.get("Size"), f"<= {want}"),
}


def evaluate_image(spec: ImageCheck, ctx: CheckContext) -> tuple[bool, str]:
    ok, details, _matched = judge("image", spec, ctx.engine.list_images(), CRITERIA, name_of,
                                  exists=spec.exists)
    return ok, details
