"""The Debian-based recipes as data: OCI configs like the official images, honest labels,
the apt proxy script, and what `dockerlab images prepare` shows. No root, no network."""
from __future__ import annotations

import subprocess

import pytest
import yaml

from dockerlab.engine.images import catalog, debootstrap
from dockerlab.engine.images.recipes import files
from dockerlab.engine.images.recipes.debian import _config_steps
from dockerlab.engine.images.recipes.specs import GCC, NGINX, PYTHON, REGISTRY, SPECS, STRESS
from dockerlab.prepare import MILESTONES, milestone

DEBIAN_BASED = ("debian", "ubuntu", "nginx", "python", "gcc", "stress", "registry")


def test_every_debian_recipe_is_registered_bilingual_and_honest():
    for name in DEBIAN_BASED:
        rec = catalog.recipe(name)
        assert rec.needs == "mmdebstrap"
        assert rec.summary["fr"] and rec.summary["en"] and rec.summary["fr"] != rec.summary["en"]
    for spec in SPECS:
        assert spec.description.startswith("dockerlab stand-in for ")
        assert "Debian" in spec.description and spec.packages


def test_configs_follow_the_official_images():
    assert NGINX.config["Cmd"] == ["nginx", "-g", "daemon off;"]
    assert NGINX.config["ExposedPorts"] == {"80/tcp": {}} and NGINX.config["StopSignal"] == "SIGQUIT"
    assert "root   /usr/share/nginx/html;" in NGINX.files["etc/nginx/conf.d/default.conf"][0]
    assert "Welcome to nginx!" in NGINX.files["usr/share/nginx/html/index.html"][0]
    assert "/var/log/nginx/access.log" in NGINX.after and "sites-enabled/default" in NGINX.after
    assert PYTHON.config["Cmd"] == ["python3"] and "LANG=C.UTF-8" in PYTHON.config["Env"]
    assert {"gcc", "libc6-dev"} <= set(GCC.packages)
    assert STRESS.config["Entrypoint"] == ["/usr/bin/stress", "--verbose"]
    assert REGISTRY.packages == ("docker-registry",)
    assert REGISTRY.config["ExposedPorts"] == {"5000/tcp": {}}
    assert REGISTRY.config["Volumes"] == {"/var/lib/registry": {}}
    registry = yaml.safe_load(REGISTRY.files["etc/docker/registry/config.yml"][0])
    assert registry["http"]["addr"] == ":5000"
    assert registry["storage"]["filesystem"]["rootdirectory"] == "/var/lib/registry"


def test_history_lines_read_like_docker_history():
    assert _config_steps({"Env": ["A=1"], **NGINX.config}) == [
        ("ENV A=1", True), ("EXPOSE 80/tcp", True), ("STOPSIGNAL SIGQUIT", True),
        ('CMD ["nginx", "-g", "daemon off;"]', True)]
    assert ('VOLUME /var/lib/registry', True) in _config_steps(REGISTRY.config)


def test_ubuntu_stand_in_says_it_is_debian():
    fields = dict(line.split("=", 1) for line in files.UBUNTU_OS_RELEASE.splitlines())
    assert fields["ID"] == "ubuntu" and fields["ID_LIKE"] == "debian"
    assert "stand-in" in fields["NAME"] and "Debian GNU/Linux 12" in fields["PRETTY_NAME"]


@pytest.mark.parametrize("route, expected", [
    ("eth0\t00000000\t0100FE0A\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
     "eth0\t0000FE0A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n", "http://10.254.0.1:3142"),
    ("eth0\t0000FE0A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n", "DIRECT"),
])
def test_apt_proxy_script_names_the_gateway(tmp_path, route, expected):
    table = tmp_path / "route"
    table.write_text("Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\n" + route)
    script = files.APT_PROXY_SCRIPT.replace("/proc/net/route", str(table))
    for shell in ("dash", "busybox sh"):
        out = subprocess.run([*shell.split(), "-c", script], capture_output=True, text=True)
        assert out.stdout == expected + "\n", (shell, out.stderr)


def test_missing_build_tools_name_the_debian_packages(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(debootstrap.MissingTools, match="apt-get install .*mmdebstrap"):
        debootstrap.require_tools()


def test_prepare_bar_moves_forward_only():
    done = milestone("debian: mmdebstrap: I: downloading packages with apt...", 0)
    assert done == MILESTONES.index("downloading packages") + 1
    assert milestone("mmdebstrap: I: running apt-get update...", done) == done
    assert milestone("nginx: Setting up nginx (1.22.1-9)", done) > done
