"""kill -9 of the CLI in the middle of `docker build` and `docker commit` (issue 9, item 3).

After each kill: `ps` tells the truth, nothing is mounted under the root, every
image listed can be inspected and run, every container can be removed, and the
same build or commit then succeeds.
"""
from __future__ import annotations

import random
import time

import pytest
from test_crash import assert_all_removable, assert_consistent, cli, engine  # noqa: F401 - fixture

pytestmark = pytest.mark.root

DOCKERFILE = """FROM busybox
RUN echo one > /one && sleep 0.2
RUN echo two > /two && sleep 0.2
COPY data.txt /data.txt
RUN cat /one /two /data.txt > /all
CMD ["cat", "/all"]
"""


def assert_images_whole(engine) -> None:
    """Whatever a killed CLI left, every image the store lists is complete."""
    for image in engine.list_images():
        engine.inspect_image(image["Id"])
        dirs = engine.images.layer_dirs(engine.images.get(image["Id"]))
        assert all(d.is_dir() for d in dirs), image["RepoTags"]


def quiet(engine, seconds: float = 15) -> None:
    """Let a killed build's RUN container finish (its veth vanishes with its netns a moment
    before its shim records the exit: a window every engine has, Docker's too)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(c["State"]["Running"] for c in engine.list_containers(all=True)):
        time.sleep(0.05)
    time.sleep(0.2)


def test_build_killed_at_random_moments(engine, tmp_path):
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    (tmp_path / "data.txt").write_text("data\n")
    rng = random.Random(4)
    for i in range(6):
        proc = cli(engine.settings, "build", "--no-cache", "-t", f"crash{i}", str(tmp_path), wait=False)
        time.sleep(rng.uniform(0.1, 1.5))
        proc.kill()
        proc.communicate()
        quiet(engine)
        assert_consistent(engine)
        assert_images_whole(engine)
    code, out, err = cli(engine.settings, "build", "-t", "whole", str(tmp_path))
    assert code == 0, out + err
    code, out, err = cli(engine.settings, "run", "--rm", "whole")
    assert (code, out) == (0, "one\ntwo\ndata\n"), err
    assert_all_removable(engine)


def test_commit_killed_at_random_moments(engine):
    code, out, err = cli(engine.settings, "run", "--name", "src", "busybox", "sh", "-c",
                         "dd if=/dev/zero of=/big bs=1M count=20 2>/dev/null; echo ok > /mark")
    assert code == 0, err
    rng = random.Random(7)
    for i in range(5):
        proc = cli(engine.settings, "commit", "src", f"snap{i}", wait=False)
        time.sleep(rng.uniform(0.05, 0.6))
        proc.kill()
        proc.communicate()
        assert_consistent(engine)
        assert_images_whole(engine)
    code, out, err = cli(engine.settings, "commit", "src", "snap")
    assert code == 0, err
    code, out, err = cli(engine.settings, "run", "--rm", "snap", "cat", "/mark")
    assert (code, out) == (0, "ok\n"), err
    assert_all_removable(engine)
