"""docker build / commit / history / image prune through the CLI handlers."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from dockerlab.cli.commands import build as build_cmd, imagecmds
from dockerlab.cli.context import Context
from dockerlab.cli.spec import parse_docker_command

pytestmark = pytest.mark.root
TABLE = {**build_cmd.COMMANDS, **imagecmds.COMMANDS}


@pytest.fixture
def ctx(state_root):
    from dockerlab.engine.engine import Engine
    return Context(out=io.StringIO(), err=io.StringIO(), _engine=Engine(state_root))


def docker(ctx: Context, *argv: str) -> tuple[int, str, str]:
    ctx.out.seek(0), ctx.out.truncate(), ctx.err.seek(0), ctx.err.truncate()
    p = parse_docker_command(list(argv))
    code = TABLE[tuple(p.path)](ctx, p)
    return code, ctx.out.getvalue(), ctx.err.getvalue()


def test_build_output_like_the_classic_builder(ctx, tmp_path: Path):
    (tmp_path / "Dockerfile").write_text("FROM busybox\nENV A=1\nRUN echo from-run\n")
    code, out, err = docker(ctx, "build", "-t", "demo:1", "--label", "k=v", str(tmp_path))
    lines = out.splitlines()
    assert code == 0 and err == ""
    assert lines[0].startswith("Sending build context to Docker daemon  ")
    assert lines[1:3] == ["Step 1/4 : FROM busybox", "latest: Preparing busybox from dockerlab's offline catalog"]
    lines = lines[lines.index(f" ---> {ctx.engine.images.get('busybox').short_id}") - 1:]
    assert lines[1] == f" ---> {ctx.engine.images.get('busybox').short_id}"
    assert lines[2] == "Step 2/4 : ENV A=1" and lines[3].startswith(" ---> Running in ")
    assert lines[4] == " ---> Removed intermediate container " + lines[3][-12:]
    assert "from-run" in lines and lines[-1] == "Successfully tagged demo:1"
    assert ctx.engine.images.get("demo:1").labels["k"] == "v"
    code, out, _ = docker(ctx, "build", "-q", str(tmp_path))
    assert code == 0 and out.startswith("sha256:")


def test_build_errors(ctx, tmp_path: Path):
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN false\n")
    code, _, err = docker(ctx, "build", str(tmp_path))
    assert (code, err) == (1, "The command '/bin/sh -c false' returned a non-zero code: 1\n")
    from dockerlab.cli.context import CliExit
    with pytest.raises(CliExit, match='unable to prepare context: path "/nonexistent" not found'):
        docker(ctx, "build", "/nonexistent")


def test_commit_with_change_and_history(ctx, tmp_path: Path):
    engine = ctx.engine
    from dockerlab.cli.commands.images_pull import ensure_image
    ensure_image(ctx, "busybox", quiet=True)
    cid = engine.create({"Image": "busybox", "Cmd": ["sh", "-c", "echo data > /made; rm /bin/ls"],
                         "HostConfig": {"NetworkMode": "none"}})["Id"]
    from dockerlab.engine.build.runstep import run_attached
    run_attached(engine, cid, lambda b: None)
    code, out, _ = docker(ctx, "commit", "-m", "added a file", "-c", 'CMD ["cat", "/made"]', cid, "snap:1")
    image = engine.images.get("snap:1")
    assert code == 0 and out == image.id + "\n"
    assert image.container_config["Cmd"] == ["cat", "/made"] and image.parent == engine.images.get("busybox").id
    top = engine.images.layers_of(image)[-1].diff_dir
    assert (top / "made").read_text() == "data\n" and (top / "bin" / "ls").is_char_device()
    code, out, _ = docker(ctx, "history", "snap:1")
    lines = out.splitlines()
    assert lines[0].split() == ["IMAGE", "CREATED", "CREATED", "BY", "SIZE", "COMMENT"]
    assert lines[1].startswith(image.short_id) and "sh -c echo data > /made; rm /bin/ls" in lines[1]
    assert lines[1].rstrip().endswith("5B        added a file")
    assert "<missing>" in out
    code, out, _ = docker(ctx, "history", "--no-trunc", "-H=false", "-q", "snap:1")
    assert out.splitlines()[0] == image.id
    with pytest.raises(Exception, match="run is not a valid change command"):
        docker(ctx, "commit", "-c", "RUN true", cid)
    engine.remove(cid)


def test_image_prune_removes_dangling_then_unused(ctx, tmp_path: Path):
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN echo 1 > /v\n")
    docker(ctx, "build", "-t", "p:1", str(tmp_path))
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN echo 2 > /v\n")
    old = ctx.engine.images.get("p:1").id
    docker(ctx, "build", "-t", "p:1", str(tmp_path))           # the old image becomes dangling
    code, out, _ = docker(ctx, "image", "prune", "-f")
    assert code == 0 and f"deleted: {old}" in out and "Total reclaimed space: " in out
    assert ctx.engine.images.lookup(old) is None and ctx.engine.images.lookup("p:1") is not None
    code, out, _ = docker(ctx, "image", "prune", "-a", "-f")
    assert "untagged: p:1" in out and ctx.engine.images.list() == []
