"""Unit tests of the evaluator for state checks (container, image, network,
volume, file). The engine is `RecordedEngine`: recorded `docker inspect`
JSON, not the real engine -- these test the evaluator's logic only."""
from __future__ import annotations

import pytest

from checks_support import RecordedEngine
from dockerlab.tutor.checks import Check, CheckContext, evaluate
from dockerlab.tutor.i18n import use_language


@pytest.fixture(autouse=True)
def english():
    with use_language("en"):
        yield


@pytest.fixture
def ctx(tmp_path):
    (tmp_path / "www").mkdir()
    (tmp_path / "volumes" / "data" / "_data").mkdir(parents=True)
    (tmp_path / "volumes" / "data" / "_data" / "backup.txt").write_text("hello from the volume\n")
    return CheckContext(engine=RecordedEngine(tmp_path), workdir=tmp_path)


def run(ctx, **check):
    return evaluate(Check.model_validate(check), ctx)


@pytest.mark.parametrize("spec", [
    {"name": "web", "image": "nginx", "state": "running"},
    {"image": "docker.io/library/nginx:latest"},
    {"publish": "8080:80"}, {"publish": ["8080:80/tcp"]}, {"ports": 80},
    {"publish": "127.0.0.1::8080"}, {"ports": ["8080/tcp"], "name": "pinger"},
    {"mounts": [{"type": "bind", "source": "www", "destination": "/usr/share/nginx/html",
                 "rw": False}]},
    {"mounts": [{"type": "volume", "source": "data", "destination": "/data"}]},
    {"env": {"MODE": "prod", "NGINX_VERSION": None}},
    {"env": {"EMPTY": ""}, "name": "pinger"},
    {"user": "nobody", "hostname": "box"},
    {"entrypoint": "ping", "cmd": "-c 3 localhost"},
    {"entrypoint": ["/docker-entrypoint.sh"], "cmd": ["nginx", "-g", "daemon off;"]},
    {"network": "bridge", "name": "web"}, {"network": "labnet"},
    {"restart": "on-failure:3"}, {"restart": "on-failure", "name": "web"}, {"restart": "always"},
    {"memory": "32m", "name": "web"}, {"memory": 33554432, "name": "hog"},
    {"cpus": 0.5, "name": "web"}, {"cpus": 0.5, "name": "hog"},
    {"oom_killed": True, "exit_code": 137, "state": "exited"},
    {"auto_remove": True}, {"labels": {"chapter": 4}},
    {"extra_hosts": "db:10.0.0.5"}, {"dns": "10.0.0.53"},
    {"count": 3}, {"image": "alpine", "count": 1}, {"image": "busybox", "count": 0},
])
def test_container_criteria_that_hold(ctx, spec):
    result = run(ctx, container=spec)
    assert result.ok, result.details
    assert result.feedback is None and result.details == ""


@pytest.mark.parametrize("spec, reason", [
    ({"name": "web", "state": "exited"}, "state is running, expected exited"),
    ({"name": "web", "publish": "9090:80"}, "publish: 9090:80 not found"),
    ({"name": "web", "publish": "127.0.0.2:8080:80"}, "publish: 127.0.0.2:8080:80 not found"),
    ({"name": "web", "ports": 443}, "ports: 443/tcp not found"),
    ({"name": "web", "image": "alpine"}, "image is nginx, expected alpine"),
    ({"name": "web", "memory": "64m"}, "memory is 33554432, expected 67108864"),
    ({"name": "web", "cpus": 1.5}, "cpus is 0.5, expected 1.5"),
    ({"name": "web", "env": {"MODE": "dev"}}, "env.MODE is prod, expected dev"),
    ({"name": "web", "env": {"DEBUG": None}}, "env: DEBUG not found"),
    ({"name": "web", "restart": "always"}, "restart is on-failure:3, expected always"),
    ({"name": "web", "restart": "on-failure:5"}, "restart is on-failure:3, expected on-failure:5"),
    ({"name": "web", "network": "labnet"}, 'network is ["bridge"], expected labnet'),
    ({"name": "web", "cmd": "nginx"},
     'cmd is ["nginx", "-g", "daemon off;"], expected ["nginx"]'),
    ({"name": "web", "mounts": [{"source": "www", "destination": "/srv"}]}, "mounts:"),
    ({"name": "web", "mounts": [{"source": "www", "rw": True}]}, "mounts:"),
    ({"name": "hog", "oom_killed": False}, "oom_killed is true, expected false"),
    ({"name": "pinger", "user": "root"}, "user is nobody, expected root"),
])
def test_container_mismatch_names_the_closest_and_why(ctx, spec, reason):
    result = run(ctx, container=spec)
    assert not result.ok
    assert result.details.startswith("no container matches (")
    name = spec["name"]
    assert f"the closest, '{name}', differs: " in result.details
    assert reason in result.details


def test_container_count_mismatch(ctx):
    result = run(ctx, container={"state": "running", "count": 1})
    assert not result.ok
    assert result.details == "2 containers match (state=running), expected 1"


def test_container_absent_when_no_container_at_all(ctx):
    ctx.engine.containers = []
    result = run(ctx, container={"image": "nginx"}, fail={"fr": "Pas de nginx", "en": "No nginx"})
    assert not result.ok
    assert result.details == "no container matches (image=nginx): there is no container at all"
    assert result.text("en") == "No nginx" and result.text("fr") == "Pas de nginx"


def test_container_image_matched_by_image_id(ctx):
    """A container run from an image later re-tagged still matches the tag."""
    ctx.engine.containers[0]["Config"]["Image"] = "sha256:a6bd71f48f68"
    assert run(ctx, container={"name": "web", "image": "nginx:latest"}).ok
    assert not run(ctx, container={"name": "web", "image": "alpine"}).ok


def test_bind_source_resolved_against_workdir(ctx, tmp_path):
    ctx.workdir = tmp_path / "elsewhere"
    assert not run(ctx, container={"mounts": [{"source": "www"}]}).ok
    assert run(ctx, container={"mounts": [{"source": str(tmp_path / "www")}]}).ok


@pytest.mark.parametrize("spec", [
    {"tag": "nginx"}, {"tag": "alpine:3.19"}, {"tag": "localhost:5000/pong:v1.0"},
    {"tag": "ping:3.0", "entrypoint": "ping", "cmd": "localhost"},
    {"tag": "localhost:5000/pong:v1.0", "exposed_ports": 8080, "working_dir": "/app",
     "user": "app", "env": {"PORT": "8080"}},
    {"tag": "nginx", "exposed_ports": ["80/tcp"], "labels": {"maintainer": "NGINX Docker Maintainers"}},
    {"tag": "alpine", "layers": 1, "size_max": "8MB"}, {"tag": "nginx", "layers_max": 7},
    {"tag": "busybox", "exists": False}, {"tag": "ping:2.0", "exists": False},
    {"cmd": ["/bin/sh"]},
])
def test_image_criteria_that_hold(ctx, spec):
    result = run(ctx, image=spec)
    assert result.ok, result.details


@pytest.mark.parametrize("spec, details", [
    ({"tag": "alpine", "size_max": "5MB"},
     "no image matches (tag=alpine, size_max=5000000); the closest, 'alpine:latest', "
     "differs: size is 7800000, expected <= 5000000"),
    ({"tag": "nginx", "layers": 3},
     "no image matches (tag=nginx, layers=3); the closest, 'nginx:latest', "
     "differs: layers is 7, expected 3"),
    ({"tag": "ping:3.0", "cmd": "-c 1 localhost"},
     "no image matches (tag=ping:3.0, cmd=[\"-c\", \"1\", \"localhost\"]); the closest, "
     "'ping:3.0', differs: cmd is [\"localhost\"], expected [\"-c\", \"1\", \"localhost\"]"),
    ({"tag": "nginx", "exists": False},
     "image 'nginx:latest' matches (tag=nginx) but should not exist"),
])
def test_image_failures(ctx, spec, details):
    result = run(ctx, image=spec)
    assert not result.ok
    assert result.details == details


def test_image_none_at_all(ctx):
    ctx.engine.images = []
    assert run(ctx, image={"tag": "nginx"}).details == \
        "no image matches (tag=nginx): there is no image at all"
    assert run(ctx, image={"tag": "nginx", "exists": False}).ok


@pytest.mark.parametrize("spec, ok", [
    ({"name": "labnet", "driver": "bridge", "subnet": "172.28.0.0/16"}, True),
    ({"name": "labnet", "subnet": "172.28.5.0/16"}, True),
    ({"name": "labnet", "containers": "pinger"}, True),
    ({"name": "bridge", "containers": ["web"]}, True),
    ({"name": "labnet", "containers": ["web"]}, False),
    ({"name": "labnet", "subnet": "10.0.0.0/8"}, False),
    ({"name": "isolated", "exists": False}, True),
    ({"name": "host", "exists": False}, False),
    ({"driver": "null"}, True),
])
def test_network(ctx, spec, ok):
    assert run(ctx, network=spec).ok is ok


def test_network_failure_details(ctx):
    result = run(ctx, network={"name": "labnet", "containers": ["web"]})
    assert result.details == ("no network matches (name=labnet, containers=[\"web\"]); the "
                              "closest, 'labnet', differs: containers: web not found")


def test_volume(ctx, tmp_path):
    assert run(ctx, volume={"name": "data"}).ok
    assert run(ctx, volume={"name": "data", "file": "backup.txt", "contains": "hello"}).ok
    assert run(ctx, volume={"name": "nope", "exists": False}).ok
    missing = run(ctx, volume={"name": "data", "file": "other.txt"})
    assert not missing.ok and "file other.txt not found in the volume" in missing.details
    wrong = run(ctx, volume={"name": "data", "file": "backup.txt", "contains": "bye"})
    assert not wrong.ok and 'backup.txt does not contain "bye"' in wrong.details
    gone = run(ctx, volume={"name": "data", "exists": False})
    assert not gone.ok and gone.details == "volume 'data' matches (name=data) but should not exist"


def test_volume_file_cannot_escape_the_volume(ctx, tmp_path):
    """A student's symlink must not let a check read files outside the volume."""
    (tmp_path / "secret.txt").write_text("hello")
    data = tmp_path / "volumes" / "data" / "_data"
    (data / "link.txt").symlink_to(tmp_path / "secret.txt")
    assert not run(ctx, volume={"name": "data", "file": "link.txt"}).ok
    assert not run(ctx, volume={"name": "data", "file": "../../../secret.txt"}).ok


def test_file(ctx, tmp_path):
    (tmp_path / "www" / "index.html").write_text("<h1>Bonjour</h1>\n")
    assert run(ctx, file={"path": "www/index.html", "contains": "Bonjour"}).ok
    assert run(ctx, file={"path": "www/index.html", "regex": r"^<h1>\w+</h1>$"}).ok
    assert run(ctx, file={"path": "www/missing.html", "exists": False}).ok
    assert run(ctx, file={"path": "www/index.html", "contains": "Hello"}).details == \
        'www/index.html does not contain "Hello"'
    assert run(ctx, file={"path": "www/index.html", "regex": "^Hello"}).details == \
        "www/index.html does not match /^Hello/"
    assert run(ctx, file={"path": "nothing.txt"}).details == "file nothing.txt not found"
    assert run(ctx, file={"path": "www/index.html", "exists": False}).details == \
        "www/index.html exists but should not"


def test_checks_do_not_change_the_recorded_state(ctx):
    import copy
    before = copy.deepcopy((ctx.engine.containers, ctx.engine.images))
    for spec in ({"container": {"name": "web"}}, {"image": {"tag": "nginx"}},
                 {"volume": {"name": "data", "file": "backup.txt"}}):
        evaluate(Check.model_validate(spec), ctx)
    assert (ctx.engine.containers, ctx.engine.images) == before


def test_unreadable_file_is_a_verdict(ctx, tmp_path, monkeypatch):
    """An OSError while reading is a failed check with the system's message
    (simulated: as root, permissions would not stop the read)."""
    import builtins
    (tmp_path / "dir.txt").mkdir()
    assert run(ctx, file={"path": "dir.txt"}).details == "file dir.txt not found"
    target = tmp_path / "locked.txt"
    target.write_text("secret")
    real_open = builtins.open

    def refusing_open(path, *args, **kwargs):
        if str(path) == str(target):
            raise PermissionError(13, "Permission denied", str(target))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", refusing_open)
    result = run(ctx, file={"path": "locked.txt", "contains": "secret"})
    monkeypatch.undo()
    assert not result.ok and result.details == f"{target}: Permission denied"
