"""The image store on a real temporary state root: create, find, tag, inspect, rmi.

Layers are real tars unpacked as root; `rmi` messages are compared with
Docker's exact wording.
"""
from __future__ import annotations

import io
import json
import multiprocessing
import shutil
import tempfile
from pathlib import Path

import pytest

from dockerlab.engine.errors import Conflict, InvalidArgument, NotFound
from dockerlab.engine.images import oci
from dockerlab.engine.images.store import ImageStore, ImageUser
from dockerlab.engine.images.treetar import TreeTar
from dockerlab.engine.reset import mounts_under, unmount_all
from dockerlab.engine.settings import Settings

pytestmark = pytest.mark.root

CREATED = "2024-05-01T10:00:00Z"
C1 = "c1" * 32          # container ids
C2 = "c2" * 32


@pytest.fixture
def store() -> ImageStore:
    root = Path(tempfile.mkdtemp(prefix="dlt-store-"))
    try:
        yield ImageStore(Settings.load(root))
    finally:
        unmount_all(root)
        assert not mounts_under(root)
        shutil.rmtree(root)


def layer_tar(files: dict[str, str]) -> io.BytesIO:
    tree = TreeTar(mtime=1_700_000_000)
    for path, text in files.items():
        tree.file(path, text)
    out = io.BytesIO()
    tree.write(out)
    out.seek(0)
    return out


def make_base(store: ImageStore, tags=("base",)):
    layer = store.add_layer(layer_tar({"etc/os": "base\n", "bin/tool": "tool" * 100}))
    config = {"created": CREATED, "config": {"Cmd": ["sh"], "Env": ["PATH=/bin"]},
              "history": [{"created": CREATED, "created_by": "ADD base /"},
                          {"created": CREATED, "created_by": 'CMD ["sh"]', "empty_layer": True}]}
    return store.create_image(config, [layer], tags=tags), layer


def make_child(store: ImageStore, base, base_layer, tags=("child:1",)):
    top = store.add_layer(layer_tar({"app/run": "echo app\n"}), parent=base_layer)
    history = base.config["history"] + [{"created": "2024-05-02T10:00:00Z",
                                         "created_by": "COPY run /app/"}]
    config = {"created": "2024-05-02T10:00:00Z", "history": history,
              "config": {"Cmd": ["/app/run"], "ExposedPorts": {"80/tcp": {}},
                         "Labels": {"k": "v"}, "WorkingDir": "/app"}}
    return store.create_image(config, [base_layer, top], tags=tags, parent=base.id), top


# -- creating and finding -----------------------------------------------------------

def test_image_id_is_the_digest_of_its_config(store):
    image, layer = make_base(store)
    raw = store.config_bytes(image)
    assert image.id == oci.digest_of(raw)
    assert json.loads(raw)["rootfs"] == {"type": "layers", "diff_ids": [layer.diff_id]}
    assert image.created == CREATED and image.size == layer.size == len("base\n") + 400
    manifest = store.manifest(image)
    assert manifest["config"]["digest"] == image.id
    assert manifest["layers"] == [layer.descriptor()]
    with store.layers.open_tar(layer) as tar:            # the blob, or rebuilt from tar-split
        assert oci.digest_of(tar.read()) == layer.blob == layer.diff_id
    again = store.create_image(json.loads(raw), [layer.diff_id])     # by diff ids, idempotent
    assert again.id == image.id and again.repo_tags == ["base:latest"]


def test_get_by_every_kind_of_reference(store):
    image, _ = make_base(store)
    hexid = image.id.split(":")[1]
    for ref in ("base", "base:latest", "docker.io/library/base", "library/base:latest",
                image.id, hexid, hexid[:12], hexid[:4], "sha256:" + hexid[:12]):
        assert store.get(ref).id == image.id, ref
    assert store.lookup("nothere") is None
    with pytest.raises(NotFound) as err:
        store.get("nothere")
    assert str(err.value) == "No such image: nothere:latest"
    with pytest.raises(NotFound, match="No such image: sha256:" + "0" * 64):
        store.get("0" * 64)
    with pytest.raises(InvalidArgument) as err:
        store.get("Base")
    assert str(err.value) == "invalid reference format: repository name (library/Base) must be lowercase"


def test_layers_must_form_a_chain(store):
    _, a = make_base(store)
    b = store.add_layer(layer_tar({"other": "x"}))
    with pytest.raises(InvalidArgument, match="do not form a chain"):
        store.create_image({}, [a, b])
    with pytest.raises(NotFound, match="layer does not exist"):
        store.create_image({}, ["sha256:" + "9" * 64])


def test_tags_move_and_digests_are_refused(store):
    base, layer = make_base(store)
    child, _ = make_child(store, base, layer, tags=())
    store.tag("base", "team/app:1.0")
    store.tag("base", "localhost:5000/app")
    assert store.get("base").repo_tags == ["base:latest", "localhost:5000/app:latest",
                                           "team/app:1.0"]
    store.tag(child.id, "team/app:1.0")                      # a tag moves, as in Docker
    assert store.get("team/app:1.0").id == child.id
    assert "team/app:1.0" not in store.get("base").repo_tags
    with pytest.raises(InvalidArgument, match="refusing to create a tag with a digest reference"):
        store.tag("base", "base@sha256:" + "a" * 64)
    with pytest.raises(NotFound, match="No such image: ghost:latest"):
        store.tag("ghost", "x")
    assert store.untag("docker.io/library/base") == "base:latest"
    assert store.get("team/app:1.0").last_tag_time != "0001-01-01T00:00:00Z"
    with pytest.raises(NotFound):
        store.untag("base")


def test_list_is_newest_first_and_includes_untagged_images(store):
    base, layer = make_base(store)
    child, _ = make_child(store, base, layer)
    store.untag("base")
    listed = store.list()
    assert [i.id for i in listed] == [child.id, base.id]
    assert listed[1].repo_tags == []


# -- inspect and history ---------------------------------------------------------------

def test_inspect_has_dockers_shape(store):
    base, layer = make_base(store)
    child, top = make_child(store, base, layer)
    doc = store.inspect(child)
    assert list(doc) == ["Id", "RepoTags", "RepoDigests", "Parent", "Comment", "Created",
                         "DockerVersion", "Author", "Config", "Architecture", "Os", "Size",
                         "GraphDriver", "RootFS", "Metadata"]
    assert doc["Id"] == child.id and doc["RepoTags"] == ["child:1"] and doc["RepoDigests"] == []
    assert doc["Parent"] == base.id and doc["Os"] == "linux"
    assert doc["Size"] == layer.size + top.size
    assert doc["RootFS"] == {"Type": "layers", "Layers": [layer.diff_id, top.diff_id]}
    cfg = doc["Config"]
    assert cfg["Cmd"] == ["/app/run"] and cfg["ExposedPorts"] == {"80/tcp": {}}
    assert cfg["WorkingDir"] == "/app" and cfg["Labels"] == {"k": "v"}
    assert cfg["Entrypoint"] is None and cfg["Volumes"] is None and cfg["Tty"] is False
    assert doc["GraphDriver"]["Name"] == "overlay2"
    assert doc["GraphDriver"]["Data"]["UpperDir"] == str(top.diff_dir)
    assert doc["GraphDriver"]["Data"]["LowerDir"] == str(layer.diff_dir)
    assert store.layer_dirs(child) == [layer.diff_dir, top.diff_dir]
    json.dumps(doc)


def test_history_walks_local_parents_like_docker(store):
    base, layer = make_base(store)
    child, top = make_child(store, base, layer)
    hist = store.history(child)
    assert [h["CreatedBy"] for h in hist] == ["COPY run /app/", 'CMD ["sh"]', "ADD base /"]
    assert [h["Id"] for h in hist] == [child.id, base.id, "<missing>"]
    assert [h["Tags"] for h in hist] == [["child:1"], ["base:latest"], None]
    assert [h["Size"] for h in hist] == [top.size, 0, layer.size]
    assert hist[0]["Created"] == int(oci.parse_time("2024-05-02T10:00:00Z"))


# -- rmi ---------------------------------------------------------------------------------

def users(mapping: dict[str, list]):
    return lambda image_id: mapping.get(image_id, [])


def test_rmi_untags_then_deletes_image_and_unused_layers(store):
    base, layer = make_base(store)
    store.tag("base", "again")
    assert store.remove("again") == ["Untagged: again:latest"]
    lines = store.remove("base")
    assert lines == ["Untagged: base:latest", f"Deleted: {base.id}", f"Deleted: {layer.chain_id}"]
    assert store.list() == [] and store.layers.all() == []
    assert list(store.layers.blobs_dir.iterdir()) == []
    assert json.loads(store.repos_path.read_text()) == {}


def test_rmi_keeps_layers_other_images_use_and_prunes_dangling_parents(store):
    base, layer = make_base(store)
    child, top = make_child(store, base, layer)
    store.untag("base")                                   # base is now an untagged parent
    lines = store.remove("child:1")
    assert lines == ["Untagged: child:1", f"Deleted: {child.id}", f"Deleted: {top.chain_id}",
                     f"Deleted: {base.id}", f"Deleted: {layer.chain_id}"]
    base2, layer2 = make_base(store)
    child2, top2 = make_child(store, base2, layer2)
    assert store.remove("child:1") == ["Untagged: child:1", f"Deleted: {child2.id}",
                                       f"Deleted: {top2.chain_id}"]
    assert store.layers.exists(layer2.chain_id)


def test_rmi_conflicts_use_dockers_words(store):
    base, layer = make_base(store)
    short = base.id.split(":")[1][:12]
    stopped = users({base.id: [(C1, False)]})
    running = users({base.id: [ImageUser(C2, True)]})

    with pytest.raises(NotFound, match="^No such image: ghost:latest$"):
        store.remove("ghost")
    with pytest.raises(Conflict) as err:
        store.remove("base", containers_using=stopped)
    assert str(err.value) == (f'conflict: unable to remove repository reference "base" (must force)'
                              f" - container {C1[:12]} is using its referenced image {short}")
    with pytest.raises(Conflict) as err:
        store.remove(short, containers_using=stopped)
    assert str(err.value) == (f"conflict: unable to delete {short} (must be forced) - "
                              f"image is being used by stopped container {C1[:12]}")
    for force in (False, True):
        with pytest.raises(Conflict) as err:
            store.remove(short, force=force, containers_using=running)
        assert str(err.value) == (f"conflict: unable to delete {short} (cannot be forced) - "
                                  f"image is being used by running container {C2[:12]}")

    store.tag("base", "other/name:2")
    with pytest.raises(Conflict) as err:
        store.remove(short)
    assert str(err.value) == (f"conflict: unable to delete {short} (must be forced) - "
                              "image is referenced in multiple repositories")
    # with two tags, removing one by name is allowed even while a container uses the image
    assert store.remove("other/name:2", containers_using=running) == ["Untagged: other/name:2"]

    child, _ = make_child(store, base, layer)
    with pytest.raises(Conflict) as err:
        store.remove(short, force=True)
    assert str(err.value) == (f"conflict: unable to delete {short} (cannot be forced) - "
                              "image has dependent child images")
    assert store.get("base").id == base.id and store.get("child:1").id == child.id


def test_forced_rmi_with_containers(store):
    base, layer = make_base(store)
    running = users({base.id: [{"Id": C2, "State": {"Running": True}}]})
    # by name, forced, image in use by a running container: untagged but kept (dangling)
    assert store.remove("base", force=True, containers_using=running) == ["Untagged: base:latest"]
    assert store.get(base.id).repo_tags == []
    # by id, forced, a stopped container: deleted, but its layers stay for the container
    store.tag(base.id, "base")
    lines = store.remove(base.id, force=True, containers_using=users({base.id: [C1]}))
    assert lines == ["Untagged: base:latest", f"Deleted: {base.id}"]
    assert store.layers.exists(layer.chain_id)
    assert store.prune_layers(in_use=[layer.chain_id]) == []
    assert store.prune_layers() == [layer.chain_id]
    assert store.layers.all() == []


def _tag_many(root: str, prefix: str, count: int) -> None:
    store = ImageStore(Settings.load(root))
    for i in range(count):
        store.tag("base", f"{prefix}:{i}")


def test_concurrent_taggers_do_not_lose_tags(store):
    make_base(store)
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_tag_many, args=(str(store.settings.root), p, 15))
             for p in ("left", "right", "third")]
    for p in procs:
        p.start()
    try:
        for p in procs:
            p.join(60)
            assert p.exitcode == 0
    finally:
        for p in procs:
            if p.is_alive():
                p.kill()
                p.join()
    tags = store.get("base").repo_tags
    assert len(tags) == 1 + 45
    assert {f"right:{i}" for i in range(15)} <= set(tags)
