"""The Dockerfile builder on the real engine: instructions, cache, multi-stage, failures."""
from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from dockerlab.engine.build import build
from dockerlab.engine.build.builder import BuildFailed, BuildOptions
from dockerlab.engine.build.runstep import run_attached
from dockerlab.engine.errors import StartFailure

pytestmark = pytest.mark.root


@pytest.fixture
def engine(state_root):
    from dockerlab.engine.engine import Engine
    return Engine(state_root)


def do_build(engine, ctx: Path, dockerfile: str, **kw) -> tuple[str, list[str], bytes]:
    (ctx / "Dockerfile").write_text(dockerfile)
    lines: list[str] = []
    raw = io.BytesIO()
    image_id = build(engine, BuildOptions(ctx, **kw), lines.append, raw.write)
    return image_id, lines, raw.getvalue()


def run(engine, image: str, cmd: list[str] | None = None) -> tuple[int, str]:
    body = {"Image": image, "Cmd": cmd, "AttachStdout": True, "AttachStderr": True,
            "HostConfig": {"NetworkMode": "none"}}
    cid = engine.create(body)["Id"]
    out = io.BytesIO()
    try:
        code = run_attached(engine, cid, out.write)
    finally:
        engine.remove(cid, force=True)
    return code, out.getvalue().decode()


def test_each_instruction_lands_in_the_image(engine, tmp_path):
    (tmp_path / "a.txt").write_text("hello\n")
    with tarfile.open(tmp_path / "arch.tar.gz", "w:gz") as tar:
        info = tarfile.TarInfo("inside/b.txt")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"bee"))
    image_id, lines, raw = do_build(engine, tmp_path, """\
FROM busybox
MAINTAINER someone
ARG GREETING=hi
ENV NAME=world PLACE="over there"
LABEL version="1.0" who=$NAME
EXPOSE 80 53/udp
WORKDIR /srv/app
COPY a.txt ./
ADD arch.tar.gz /unpacked/
COPY --chown=nobody a.txt /owned.txt
RUN echo "$GREETING $NAME" > greeting && id -u > uid
USER nobody
VOLUME /data
STOPSIGNAL SIGINT
HEALTHCHECK --interval=30s CMD true
SHELL ["/bin/sh", "-c"]
CMD ["cat", "/srv/app/greeting"]
""", tags=["every:1"])
    assert lines[0] == "Step 1/17 : FROM busybox"
    assert lines[-2:] == [f"Successfully built {image_id[7:19]}", "Successfully tagged every:1"]
    cfg = engine.images.get("every:1").container_config
    assert cfg["Env"][-2:] == ["NAME=world", "PLACE=over there"]
    assert cfg["Labels"] == {"version": "1.0", "who": "world", "org.dockerlab.standin": "true"} or \
        {"version": "1.0", "who": "world"}.items() <= cfg["Labels"].items()
    assert cfg["ExposedPorts"] == {"80/tcp": {}, "53/udp": {}}
    assert (cfg["WorkingDir"], cfg["User"], cfg["StopSignal"]) == ("/srv/app", "nobody", "SIGINT")
    assert cfg["Volumes"] == {"/data": {}}
    assert cfg["Healthcheck"] == {"Test": ["CMD-SHELL", "true"], "Interval": 30 * 10**9}
    assert engine.images.get("every:1").config["author"] == "someone"
    assert run(engine, "every:1") == (0, "hi world\n")
    code, out = run(engine, "every:1", ["sh", "-c", "cat a.txt /unpacked/inside/b.txt; "
                                        "stat -c %U /owned.txt /srv/app/a.txt; cat uid"])
    assert (code, out) == (0, "hello\nbee" + "nobody\nroot\n0\n")


def test_cache_hits_and_a_changed_copy_source_invalidates_the_rest(engine, tmp_path):
    (tmp_path / "f.txt").write_text("one")
    dockerfile = "FROM busybox\nRUN echo first > /1\nCOPY f.txt /f.txt\nRUN cat /f.txt > /2\n"
    first, lines1, _ = do_build(engine, tmp_path, dockerfile)
    assert " ---> Using cache" not in lines1
    again, lines2, raw2 = do_build(engine, tmp_path, dockerfile)
    assert again == first and lines2.count(" ---> Using cache") == 3 and raw2 == b""
    (tmp_path / "f.txt").write_text("two")
    changed, lines3, _ = do_build(engine, tmp_path, dockerfile)
    assert changed != first
    assert lines3.count(" ---> Using cache") == 1          # only the RUN before the COPY
    assert run(engine, changed, ["cat", "/2"]) == (0, "two")
    nocache, lines4, _ = do_build(engine, tmp_path, dockerfile, no_cache=True)
    assert " ---> Using cache" not in lines4 and nocache != changed


def test_changed_instruction_invalidates_following_steps(engine, tmp_path):
    do_build(engine, tmp_path, "FROM busybox\nENV A=1\nRUN echo x > /x\n")
    _, lines, _ = do_build(engine, tmp_path, "FROM busybox\nENV A=2\nRUN echo x > /x\n")
    assert " ---> Using cache" not in lines


def test_dockerignore_hides_files_and_keeps_exceptions(engine, tmp_path):
    for name in ("keep.log", "drop.log", "app.py"):
        (tmp_path / name).write_text(name)
    (tmp_path / ".dockerignore").write_text("*.log\n!keep.log\n")
    image_id, _, _ = do_build(engine, tmp_path, "FROM busybox\nCOPY . /ctx/\n")
    assert run(engine, image_id, ["ls", "/ctx"]) == (0, "Dockerfile\napp.py\nkeep.log\n")
    with pytest.raises(BuildFailed, match="excluded by .dockerignore: stat drop.log"):
        do_build(engine, tmp_path, "FROM busybox\nCOPY drop.log /\n")


def test_build_args_and_target(engine, tmp_path):
    dockerfile = ("ARG BASE=busybox\nFROM ${BASE} AS first\nARG WHO=nobody\nRUN echo $WHO > /who\n"
                  "FROM first AS second\nRUN echo second > /s\n")
    image_id, lines, _ = do_build(engine, tmp_path, dockerfile, build_args={"WHO": "me", "UNUSED": "x"},
                                  target="first")
    assert run(engine, image_id, ["cat", "/who"]) == (0, "me\n")
    assert "[Warning] One or more build-args [UNUSED] were not consumed" in lines
    history = engine.images.history(engine.images.get(image_id))
    assert history[0]["CreatedBy"] == "|1 WHO=me /bin/sh -c echo $WHO > /who"
    assert lines[-1].startswith("Successfully built") and "Step 4/4 : RUN echo $WHO > /who" in lines


def test_multi_stage_to_scratch_with_a_static_binary(engine, tmp_path):
    image_id, lines, _ = do_build(engine, tmp_path, """\
FROM busybox AS build
RUN echo built-in-stage-one > /out.txt
FROM scratch
COPY --from=build /bin/busybox /bin/busybox
COPY --from=build /out.txt /
ENTRYPOINT ["/bin/busybox"]
CMD ["cat", "/out.txt"]
""", tags=["tiny"])
    assert "Step 3/7 : FROM scratch" in lines and " ---> " in lines
    image = engine.images.get("tiny")
    assert len(image.diff_ids) == 2 and image.parent
    assert run(engine, "tiny") == (0, "built-in-stage-one\n")


def test_failing_run_reports_docker_error_and_exit_code(engine, tmp_path):
    with pytest.raises(BuildFailed) as err:
        do_build(engine, tmp_path, "FROM busybox\nRUN echo before-failing && exit 3\n")
    assert str(err.value) == "The command '/bin/sh -c echo before-failing && exit 3' returned a non-zero code: 3"
    assert err.value.exit_code == 3


def test_entrypoint_and_cmd_exercise(engine, tmp_path):
    ep, _, _ = do_build(engine, tmp_path, 'FROM busybox\nENTRYPOINT ["echo", "hello"]\n')
    cmd, _, _ = do_build(engine, tmp_path, 'FROM busybox\nCMD ["echo", "hello"]\n')
    both, _, _ = do_build(engine, tmp_path, 'FROM busybox\nENTRYPOINT ["echo"]\nCMD ["default"]\n')
    assert run(engine, ep) == (0, "hello\n")
    assert run(engine, ep, ["world"]) == (0, "hello world\n")
    assert run(engine, cmd) == (0, "hello\n")
    with pytest.raises(StartFailure, match='exec: "world": executable file not found in \\$PATH'):
        run(engine, cmd, ["world"])
    assert run(engine, both) == (0, "default\n")
    assert run(engine, both, ["other"]) == (0, "other\n")


def test_run_deletes_files_as_whiteouts(engine, tmp_path):
    image_id, _, _ = do_build(engine, tmp_path, "FROM busybox\nRUN rm /bin/ls && mkdir /new\n")
    top = engine.images.layers_of(engine.images.get(image_id))[-1]
    assert (top.diff_dir / "bin" / "ls").is_char_device()
    assert sorted(p.name for p in top.diff_dir.iterdir()) == ["bin", "new"]   # no /etc/hosts, /proc stubs
    code, out = run(engine, image_id, ["sh", "-c", "test -e /bin/ls; echo $?"])
    assert (code, out) == (0, "1\n")
