"""ONBUILD triggers and `ADD <url>` in the classic builder, on the real engine.

The URL points to an HTTP server the test starts on 127.0.0.1: the builder
fetches from its own process (the host side), never from a container.
"""
from __future__ import annotations

import io
import os
import tarfile
from email.utils import formatdate
from pathlib import Path

import pytest

from dockerlab.engine.build import build
from dockerlab.engine.build.builder import BuildFailed, BuildOptions
from dockerlab.engine.build.dockerfile import DockerfileError, parse
from http_support import server  # noqa: F401 - the file server fixture

pytestmark = pytest.mark.root
LAST_MODIFIED = 1_500_000_000            # 2017-07-14T02:40:00Z


@pytest.fixture
def engine(state_root):
    from dockerlab.engine.engine import Engine
    return Engine(state_root)


def do_build(engine, ctx: Path, dockerfile: str, **kw) -> tuple[str, list[str]]:
    (ctx / "Dockerfile").write_text(dockerfile)
    lines: list[str] = []
    image_id = build(engine, BuildOptions(ctx, **kw), lines.append, io.BytesIO().write)
    return image_id, lines


def top_layer(engine, image_id: str) -> Path:
    return engine.images.layers_of(engine.images.get(image_id))[-1].diff_dir


def _targz() -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo("inside/b.txt")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"bee"))
    return buf.getvalue()


# ---------------------------------------------------------------------------
# ADD <url>
# ---------------------------------------------------------------------------

def test_add_url_names_the_file_keeps_0600_and_last_modified(engine, tmp_path, server):
    server.table["/files/hello.txt"] = (b"hello over http\n",
                                        {"Last-Modified": formatdate(LAST_MODIFIED, usegmt=True)})
    archive = _targz()
    server.table["/pkg.tar.gz"] = (archive, {})
    image_id, lines = do_build(engine, tmp_path, f"""\
FROM busybox
ADD {server.base}/files/hello.txt /dl/
ADD --chown=nobody {server.base}/files/hello.txt /renamed.txt
ADD {server.base}/pkg.tar.gz /archives/
""")
    image = engine.images.get(image_id)
    layers = engine.images.layers_of(image)
    first, second, third = (layer.diff_dir for layer in layers[-3:])
    got = first / "dl" / "hello.txt"
    assert got.read_bytes() == b"hello over http\n"
    st = os.stat(got)
    assert (st.st_mode & 0o7777, st.st_uid, st.st_gid) == (0o600, 0, 0)
    assert int(st.st_mtime) == LAST_MODIFIED
    owned = os.stat(second / "renamed.txt")
    assert (owned.st_mode & 0o7777, owned.st_uid, owned.st_gid) == (0o600, 65534, 65534)
    assert (third / "archives" / "pkg.tar.gz").read_bytes() == archive     # not unpacked
    assert not (third / "archives" / "inside").exists()
    assert int(os.stat(third / "archives" / "pkg.tar.gz").st_mtime) == 0   # no Last-Modified
    step = lines.index(f"Step 2/4 : ADD {server.base}/files/hello.txt /dl/")
    assert lines[step + 1] == "" and lines[step + 2].startswith(" ---> ")   # dockerd's blank line
    history = engine.images.history(image)
    assert history[1]["CreatedBy"].startswith("/bin/sh -c #(nop) ADD --chown=nobody ")
    assert history[1]["CreatedBy"].endswith(" in /renamed.txt ")


def test_add_url_cache_follows_the_downloaded_content(engine, tmp_path, server):
    server.table["/v.txt"] = (b"one\n", {})
    dockerfile = f"FROM busybox\nADD {server.base}/v.txt /v.txt\nRUN cat /v.txt > /copy\n"
    first, _ = do_build(engine, tmp_path, dockerfile)
    again, lines = do_build(engine, tmp_path, dockerfile)
    assert again == first and lines.count(" ---> Using cache") == 2
    assert server.hits["/v.txt"] == 2                       # fetched again to know its content
    server.table["/v.txt"] = (b"two\n", {})
    changed, lines = do_build(engine, tmp_path, dockerfile)
    assert changed != first and " ---> Using cache" not in lines
    assert (top_layer(engine, changed) / "copy").read_bytes() == b"two\n"


def test_add_url_404_and_copy_url_errors(engine, tmp_path, server):
    url = f"{server.base}/missing.txt"
    with pytest.raises(BuildFailed) as err:
        do_build(engine, tmp_path, f"FROM busybox\nADD {url} /x\n")
    assert str(err.value) == f"ADD failed: failed to GET {url} with status 404 Not Found: no such file"
    assert err.value.exit_code == 1
    with pytest.raises(BuildFailed, match="^COPY failed: source can't be a URL for COPY$"):
        do_build(engine, tmp_path, f"FROM busybox\nCOPY {url} /x\n")
    server.table["/dir/"] = (b"listing", {})                # no name in the URL nor the answer
    with pytest.raises(BuildFailed, match=f"^ADD failed: cannot determine filename for source "
                                          f"{server.base}/dir/$"):
        do_build(engine, tmp_path, f"FROM busybox\nADD {server.base}/dir/ /x/\n")


def test_add_url_404_through_the_cli(engine, tmp_path, server):
    from dockerlab.cli.commands.build import cmd_build
    from dockerlab.cli.context import Context
    from dockerlab.cli.spec import parse_docker_command
    url = f"{server.base}/gone.bin"
    (tmp_path / "Dockerfile").write_text(f"FROM busybox\nADD {url} /gone.bin\n")
    ctx = Context(out=io.StringIO(), err=io.StringIO(), _engine=engine)
    code = cmd_build(ctx, parse_docker_command(["build", str(tmp_path)]))
    assert (code, ctx.err.getvalue()) == \
        (1, f"ADD failed: failed to GET {url} with status 404 Not Found: no such file\n")
    assert ctx.out.getvalue().splitlines()[-1] == f"Step 2/2 : ADD {url} /gone.bin"


# ---------------------------------------------------------------------------
# ONBUILD
# ---------------------------------------------------------------------------

def test_onbuild_triggers_run_in_order_in_the_child_build(engine, tmp_path):
    base_dir, child_dir = tmp_path / "base", tmp_path / "child"
    base_dir.mkdir(), child_dir.mkdir()
    (child_dir / "msg.txt").write_text("from the child's context\n")
    base, base_lines = do_build(engine, base_dir, """\
FROM busybox
ONBUILD RUN echo first >> /order
ONBUILD COPY msg.txt /msg.txt
ONBUILD RUN echo second >> /order
""", tags=["onbase"])
    assert "# Executing" not in " ".join(base_lines)
    config = engine.images.get(base).container_config
    assert config["OnBuild"] == ["RUN echo first >> /order", "COPY msg.txt /msg.txt",
                                 "RUN echo second >> /order"]
    assert not (top_layer(engine, base) / "order").exists()           # not run in the base
    child, lines = do_build(engine, child_dir, "FROM onbase\nRUN cat /order /msg.txt > /seen\n")
    start = lines.index("Step 1/2 : FROM onbase")
    assert lines[start + 1] == "# Executing 3 build triggers"
    runs = [i for i, line in enumerate(lines) if line.startswith(" ---> Running in ")]
    assert len(runs) == 3 and runs[0] == start + 2                      # RUN, RUN, then the child's RUN
    step2 = lines.index("Step 2/2 : RUN cat /order /msg.txt > /seen")
    assert lines[step2 - 1].startswith(" ---> ") and lines[step2 - 2].startswith(" ---> Removed")
    assert (top_layer(engine, child) / "seen").read_text() == \
        "first\nsecond\nfrom the child's context\n"
    assert not engine.images.get(child).container_config.get("OnBuild")
    history = [h["CreatedBy"] for h in engine.images.history(engine.images.get(child))]
    assert history[:4] == ["/bin/sh -c cat /order /msg.txt > /seen", "/bin/sh -c echo second >> /order",
                           history[2], "/bin/sh -c echo first >> /order"]
    assert " #(nop) COPY file:" in history[2]
    grandchild, lines = do_build(engine, child_dir, "FROM " + child + "\n")
    assert "# Executing" not in " ".join(lines) and grandchild == child


def test_one_trigger_and_a_failing_trigger(engine, tmp_path):
    do_build(engine, tmp_path, "FROM busybox\nONBUILD RUN exit 4\n", tags=["failing"])
    lines: list[str] = []
    (tmp_path / "Dockerfile").write_text("FROM failing\n")
    with pytest.raises(BuildFailed) as err:
        build(engine, BuildOptions(tmp_path), lines.append)
    assert str(err.value) == "The command '/bin/sh -c exit 4' returned a non-zero code: 4"
    assert err.value.exit_code == 4
    assert lines[:2] == ["Step 1/1 : FROM failing", "# Executing 1 build trigger"]
    assert lines[2].startswith(" ---> Running in ")


@pytest.mark.parametrize("trigger, message", [
    ("ONBUILD RUN true", "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"),
    ("FROM busybox", "FROM isn't allowed as an ONBUILD trigger"),
    ("maintainer me", "MAINTAINER isn't allowed as an ONBUILD trigger"),
])
def test_onbuild_refuses_what_docker_refuses(trigger, message):
    with pytest.raises(DockerfileError) as err:
        parse(f"FROM busybox\nONBUILD {trigger}\n")
    assert str(err.value) == f"dockerfile parse error on line 2: {message}"
