"""Recipe of real-image.tar.gz: an image archive written by Docker itself.

Run as root on a machine with Debian's docker.io and busybox-static:
    /tmp/venv2/bin/python tests/data/docker/make_archive.py [OUT_DIR]
It starts a private dockerd (bench/dockerref.py: no network, own roots,
deleted at the end), imports a base made from /bin/busybox, builds
Dockerfile.real with the classic builder and no network, saves both images
(three tags) and gzips the archive. It then loads the result into a second,
fresh private dockerd and prints what that Docker says of it (IDs, load
output, history, Config): the figures the test compares dockerlab with.
"""
from __future__ import annotations

import gzip
import io
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2] / "bench"))
from dockerref import private_docker  # noqa: E402

MTIME = 1_700_000_000
APPLETS = ["sh", "cat", "echo", "ln", "ls", "mkdir", "pwd", "rm", "stat", "test"]
TAGS = ["dlab/real:1.0", "dlab/real:latest", "dlab/base:1.35"]


def base_tar() -> bytes:
    """/bin/busybox, a few applet links and the files the Dockerfile changes."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        def add(name: str, kind: str = "dir", data: bytes = b"", link: str = "", mode: int = 0o755):
            info = tarfile.TarInfo(name)
            info.mtime, info.mode, info.uid, info.gid = MTIME, mode, 0, 0
            info.type = {"dir": tarfile.DIRTYPE, "file": tarfile.REGTYPE, "sym": tarfile.SYMTYPE}[kind]
            info.linkname, info.size = link, len(data)
            tar.addfile(info, io.BytesIO(data) if kind == "file" else None)
        add("bin")
        add("bin/busybox", "file", Path("/bin/busybox").read_bytes())
        for applet in APPLETS:
            add(f"bin/{applet}", "sym", link="busybox", mode=0o777)
        add("etc")
        add("etc/passwd", "file", b"root:x:0:0:root:/root:/bin/sh\n", mode=0o644)
        add("etc/removed-by-docker", "file", b"this file is deleted by a RUN step\n", mode=0o644)
        add("opt")
        add("opt/data")
        add("opt/data/old1", "file", b"old one\n", mode=0o644)
        add("opt/data/old2", "file", b"old two\n", mode=0o644)
        add("tmp", mode=0o1777)
    return buf.getvalue()


def build(ref, work: Path) -> None:
    (work / "base.tar").write_bytes(base_tar())
    ref.run("import", str(work / "base.tar"), TAGS[2])
    ctx = work / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text((HERE / "Dockerfile.real").read_text())
    out = ref.run("build", "--network", "none", "-t", TAGS[0], "-t", TAGS[1], str(ctx))
    print(out.stdout)


def describe(ref, tags: list[str]) -> None:
    """What Docker says of the images: the figures recorded in README.md and the test."""
    for tag in tags:
        print(tag, ref.run("inspect", "--format", "{{.Id}} {{.Size}} {{.Created}}", tag).stdout.strip())
    image = tags[0]
    for tag in (image, tags[-1]):
        print(ref.run("history", "--no-trunc", "--format",
                      "{{.ID}}|{{.CreatedBy}}|{{.Size}}|{{.Comment}}", tag).stdout)
    print(ref.run("inspect", "--format", "{{json .Config}}", image).stdout)
    print(ref.run("inspect", "--format", "{{json .RootFS}}", image).stdout)
    print(ref.run("run", "--rm", "--network", "none", image).stdout)


def describe_only(archive: Path) -> None:
    """--describe ARCHIVE: load an existing archive into a fresh private dockerd and report."""
    with private_docker() as fresh:
        if fresh is None:
            raise SystemExit("needs root and Debian's docker.io (dockerd)")
        print("docker", fresh.version(), "storage driver", fresh.driver)
        print(fresh.run("load", "-i", str(archive)).stdout)
        describe(fresh, TAGS)


def main() -> None:
    if sys.argv[1:2] == ["--describe"]:
        return describe_only(Path(sys.argv[2]))
    out_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
    archive = out_dir / "real-image.tar.gz"
    with tempfile.TemporaryDirectory(prefix="dlab-mkarchive-") as tmp:
        work = Path(tmp)
        with private_docker() as ref:
            if ref is None:
                raise SystemExit("needs root and Debian's docker.io (dockerd)")
            print("docker", ref.version(), "storage driver", ref.driver)
            build(ref, work)
            raw = ref.run("save", *TAGS, text=False).stdout
            archive.write_bytes(gzip.compress(raw, 9, mtime=0))
        print(f"{archive}: {archive.stat().st_size} bytes ({len(raw)} before gzip)")
        with private_docker() as fresh:              # what a fresh Docker makes of it
            print(fresh.run("load", "-i", str(archive)).stdout)
            describe(fresh, TAGS)


if __name__ == "__main__":
    main()
