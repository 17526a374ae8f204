"""A real archive written by Docker 20.10 loads, reads and runs like in Docker.

tests/data/docker/real-image.tar.gz was made by `docker build` + `docker save`
(see its README.md); the expected values below are what Docker itself printed
for that archive after loading it into a fresh daemon. Docker is not needed
here: only dockerlab loads the archive.
"""
from __future__ import annotations

import json
import os
import stat
import tarfile
from pathlib import Path

import pytest

from cli_support import Docker

pytestmark = pytest.mark.root

ARCHIVE = Path(__file__).resolve().parents[1] / "data" / "docker" / "real-image.tar.gz"
REAL_ID = "sha256:914e07b1017a9d5d8b77ec3796058e7942e3cfe28359a08dcedd9df862328fc4"
BASE_ID = "sha256:4fbb7d9b809f2af930e5b985297b80e397e91cc17d8b65116f754bfb59be0f4f"
TAGS = {"dlab/real:1.0": REAL_ID, "dlab/real:latest": REAL_ID, "dlab/base:1.35": BASE_ID}
LOADED = "Loaded image: dlab/real:1.0\nLoaded image: dlab/real:latest\nLoaded image: dlab/base:1.35\n"
DIFF_IDS = ["sha256:878404914b41acea572ee6df0c89e7578fa8393321ff73600d9ee5c1fd4b92ad",
            "sha256:224fa3528c4612156bc46fedda72bb756c20b21a18f08875d815a659666dfb5e",
            "sha256:b20935e77ef137c755482c0cbbe21f157efe762befa976e36fb1dd7c041ff571",
            "sha256:a92f4c795dacc5054f0a750845861a3f3c28bfd38dfd0576af2f1d8bd45b024f",
            "sha256:89a366faf307bf4f1f7ff8b7ed12b4742223c26ead417453e527df58b51a2063"]
CMD = "echo $GREETING from $(pwd); cat /opt/data/new symlink; ls /opt/data"
HISTORY = f"""\
{REAL_ID}|/bin/sh -c #(nop)  CMD ["sh" "-c" "{CMD}"]|0B|
<missing>|/bin/sh -c #(nop)  EXPOSE 8080|0B|
<missing>|/bin/sh -c echo shared > original && ln original hardlink && ln -s original symlink|15B|
<missing>|/bin/sh -c rm -rf /opt/data && mkdir /opt/data && echo new > /opt/data/new|4B|
<missing>|/bin/sh -c rm /etc/removed-by-docker|0B|
<missing>|/bin/sh -c #(nop) WORKDIR /srv/app|0B|
<missing>|/bin/sh -c #(nop)  LABEL org.dockerlab.case=whiteout opaque links org.dockerlab.source=docker 20.10 classic builder|0B|
<missing>|/bin/sh -c #(nop)  ENV GREETING=bonjour PATH=/bin|0B|
<missing>||1.98MB|Imported from -
"""
HISTORY_FORMAT = "{{.ID}}|{{.CreatedBy}}|{{.Size}}|{{.Comment}}"
# Docker 20.10's `inspect --format '{{json .Config}}'`, but "Image": dockerlab speaks
# API 1.45+, where that field is deprecated and left empty (moby/moby#47941).
CONFIG = {"Hostname": "", "Domainname": "", "User": "", "AttachStdin": False,
          "AttachStdout": False, "AttachStderr": False, "ExposedPorts": {"8080/tcp": {}},
          "Tty": False, "OpenStdin": False, "StdinOnce": False,
          "Env": ["PATH=/bin", "GREETING=bonjour"], "Cmd": ["sh", "-c", CMD], "Image": "",
          "Volumes": None, "WorkingDir": "/srv/app", "Entrypoint": None, "OnBuild": None,
          "Labels": {"org.dockerlab.case": "whiteout opaque links",
                     "org.dockerlab.source": "docker 20.10 classic builder"}}
RUN_OUTPUT = "bonjour from /srv/app\nnew\nshared\nnew\n"


@pytest.fixture
def docker(state_root) -> Docker:
    """The CLI layer in this process, with Docker's archive already loaded."""
    d = Docker(state_root)
    r = d("load", "-i", str(ARCHIVE))
    assert (r.code, r.out, r.err) == (0, LOADED, "")
    return d


def ids(docker: Docker) -> dict[str, str]:
    return {tag: docker.ok("image", "inspect", "-f", "{{.Id}}", tag).strip() for tag in TAGS}


def test_ids_diff_ids_and_sizes_are_dockers(docker):
    assert ids(docker) == TAGS
    fields = docker.ok("image", "inspect", "-f", "{{json .RootFS.Layers}} {{.Size}}", "dlab/real:1.0")
    layers, size = fields.split()
    assert json.loads(layers) == DIFF_IDS
    assert size == "1982426"
    assert docker.ok("image", "inspect", "-f", "{{.Size}}", "dlab/base:1.35").strip() == "1982407"


def test_history_and_config_read_like_dockers(docker):
    assert docker.ok("history", "--no-trunc", "--format", HISTORY_FORMAT, "dlab/real:1.0") == HISTORY
    assert docker.ok("history", "--no-trunc", "--format", HISTORY_FORMAT, "dlab/base:1.35") == \
        f"{BASE_ID}||1.98MB|Imported from -\n"
    assert json.loads(docker.ok("image", "inspect", "-f", "{{json .Config}}", "dlab/real")) == CONFIG


def test_docker_version_is_the_one_that_wrote_the_image(docker):
    """DockerVersion comes from the config's `docker_version` (Docker prints it as is)."""
    for tag in ("dlab/real:1.0", "dlab/base:1.35"):
        assert docker.ok("image", "inspect", "-f", "{{.DockerVersion}}", tag) == "20.10.24+dfsg1\n"


def layer_dir(docker: Docker, diff_id: str) -> Path:
    """The extracted layer of the real image whose diff id is `diff_id`."""
    images = docker.engine.images
    dirs = images.layer_dirs(images.get("dlab/real:1.0"))
    return dirs[DIFF_IDS.index(diff_id)]


def test_layers_keep_whiteout_opaque_dir_and_hard_link(docker):
    whiteout = layer_dir(docker, DIFF_IDS[2]) / "etc" / "removed-by-docker"
    st = whiteout.lstat()
    assert stat.S_ISCHR(st.st_mode) and st.st_rdev == 0          # overlayfs whiteout
    opaque = layer_dir(docker, DIFF_IDS[3]) / "opt" / "data"
    assert os.getxattr(opaque, "trusted.overlay.opaque") == b"y"
    assert sorted(os.listdir(opaque)) == ["new"]
    app = layer_dir(docker, DIFF_IDS[4]) / "srv" / "app"
    assert (app / "original").stat().st_ino == (app / "hardlink").stat().st_ino
    assert (app / "original").stat().st_nlink == 2
    assert os.readlink(app / "symlink") == "original"
    assert (app / "hardlink").read_text() == "shared\n"


def test_a_container_sees_the_merged_tree_and_prints_what_the_cmd_prints(docker, capfd):
    capfd.readouterr()
    r = docker("run", "--rm", "--network", "none", "dlab/real:1.0")
    assert (r.code, r.err) == (0, "")
    assert r.out + capfd.readouterr().out == RUN_OUTPUT
    script = ("test -e /etc/removed-by-docker && echo whiteout-missed; ls /opt/data; "
              "stat -c %i original hardlink; cat /etc/passwd; pwd")
    r = docker("run", "--rm", "--network", "none", "dlab/real:latest", "sh", "-c", script)
    lines = (r.out + capfd.readouterr().out).splitlines()
    assert r.code == 0, lines
    assert lines[0] == "new"
    assert lines[1] == lines[2]                                   # one inode, two names
    assert lines[3:] == ["root:x:0:0:root:/root:/bin/sh", "/srv/app"]


def test_dockerlab_save_then_load_keeps_the_ids(docker, tmp_path):
    out = tmp_path / "again.tar"
    docker.ok("save", "-o", str(out), *TAGS)
    with tarfile.open(out) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert [m["RepoTags"] for m in manifest] == [["dlab/real:1.0", "dlab/real:latest"],
                                                ["dlab/base:1.35"]]
    assert [m["Config"].rsplit("/", 1)[-1] for m in manifest] == [REAL_ID[7:], BASE_ID[7:]]
    history = docker.ok("history", "--no-trunc", "--format", HISTORY_FORMAT, "dlab/real:1.0")
    docker.ok("rmi", *TAGS)
    assert docker.ok("images", "-q") == ""
    r = docker("load", "-i", str(out))
    assert (r.code, r.out, r.err) == (0, LOADED, "")
    assert ids(docker) == TAGS
    assert docker.ok("history", "--no-trunc", "--format", HISTORY_FORMAT, "dlab/real:1.0") == history
