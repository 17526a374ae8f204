"""POST /build: the classic builder over a tar context (`DOCKER_BUILDKIT=0 docker build`)."""
from __future__ import annotations

import json
import shutil
import tarfile
import tempfile
from pathlib import Path

from .. import events, tarcompat
from ..errors import InvalidArgument
from .progress import Progress


def _json_param(req, name: str) -> dict:
    raw = req.q(name)
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        raise InvalidArgument(f"invalid {name}: {raw}") from None
    return value if isinstance(value, dict) else {}


class _Padded:
    """A tar stream completed with its padding and end blocks.

    `docker build -f -` appends the Dockerfile with a tar writer it never
    closes: the last member's padding and the end-of-archive blocks are
    missing, which Go's reader tolerates and Python's does not.
    """

    def __init__(self, body):
        self.body, self.count, self.tail = body, 0, None

    def read(self, n: int = -1) -> bytes:
        if self.tail is None:
            data = self.body.read(n)
            if data:
                self.count += len(data)
                return data
            self.tail = b"\0" * ((-self.count) % 512 + 1024)
        data, self.tail = (self.tail, b"") if n < 0 else (self.tail[:n], self.tail[n:])
        return data


def _unpack(body, dest: Path) -> None:
    """The context tar (plain or compressed), with Python's `data` filter: nothing escapes."""
    try:
        with tarfile.open(fileobj=_Padded(body), mode="r|*") as tar:
            tarcompat.extractall(tar, dest, "data")
    except (tarfile.TarError, OSError) as e:
        raise InvalidArgument(f"failed to read the build context: {e}") from None


def build(req) -> None:
    from ..build import build as run_build
    from ..build.builder import BuildFailed, BuildOptions
    if req.q("remote"):
        raise InvalidArgument("dockerlab builds from an uploaded context only (no remote URL)")
    tmp_root = Path(req.engine.images.root) / "tmp"
    tmp_root.mkdir(parents=True, exist_ok=True)
    ctx = Path(tempfile.mkdtemp(prefix="build-", dir=tmp_root))
    try:
        _unpack(req.body(), ctx)
        req.drain()
        dockerfile = ctx / (req.q("dockerfile") or "Dockerfile")
        if not dockerfile.resolve().is_relative_to(ctx.resolve()):
            raise InvalidArgument("the Dockerfile must be within the build context")
        if not dockerfile.exists():
            raise InvalidArgument(f"Cannot locate specified Dockerfile: {req.q('dockerfile') or 'Dockerfile'}")
        opts = BuildOptions(context_dir=ctx, dockerfile=dockerfile, tags=req.qlist("t"),
                            build_args=_json_param(req, "buildargs"), target=req.q("target") or "",
                            no_cache=req.qbool("nocache"), labels=_json_param(req, "labels"),
                            rm=req.qbool("rm", True), force_rm=req.qbool("forcerm"))
        quiet = req.qbool("q")

        def work(progress: Progress) -> None:
            def out(line: str) -> None:
                if not quiet:
                    progress.stream(line + "\n")

            def raw(data: bytes) -> None:
                if not quiet:
                    progress.stream(data.decode(errors="replace"))
            try:
                image_id = run_build(req.engine, opts, out, raw)
            except BuildFailed as e:
                progress.error(str(e), code=e.exit_code)
                return
            progress.aux({"ID": image_id})
            if quiet:
                progress.stream(image_id + "\n")
            for tag in opts.tags:
                events.emit(req.engine.settings, "image", "tag", image_id, {"name": tag})
        progress = Progress(req)
        progress.stream("")          # headers now: the client shows steps as they come
        run_streamed_with(progress, work)
    finally:
        shutil.rmtree(ctx, ignore_errors=True)


def run_streamed_with(progress: Progress, work) -> None:
    try:
        work(progress)
    except Exception as e:  # noqa: BLE001 - shown in the stream, as dockerd does
        progress.error(str(e) or type(e).__name__)
    progress.close()


ROUTES = [("POST", "/build", build)]
