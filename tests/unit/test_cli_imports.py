"""A `dockerlab docker` process imports only what its command uses.

Start-up is most of a CLI call's cost (issues #2 and #4): gotpl alone is
~55 ms, pyroute2 ~90 ms, ADD's downloader (ssl, http, email) ~15 ms. Each
case runs a fresh interpreter with `-X importtime` and reads which modules
it loaded, so a top-level import that drags one of them back in fails here,
whatever the machine's load. tests/integration/test_cli_process_imports.py checks
real `run` and cached `build` calls, shim included.
"""
from __future__ import annotations

import os

from importcheck import run

ENV = dict(os.environ, DOCKERLAB_LANG="en")


def test_version_loads_no_template_engine_nor_engine():
    report = run(["docker", "version"], ENV)
    assert report.code == 0, report.err
    assert report.out.startswith("Client: dockerlab")
    assert report.heavy() == set()
    assert "dockerlab.cli.templates" not in report.modules     # gotpl: only inspect and --format
    assert "dockerlab.engine.engine" not in report.modules     # nothing to ask the engine


def test_help_loads_nothing_heavy():
    for argv in (["--help"], ["docker", "--help"], ["docker", "run", "--help"]):
        report = run(argv, ENV)
        assert report.code == 0, (argv, report.err)
        assert report.heavy() == set(), argv


RUN_PATH = """
from dockerlab.cli.commands import handler_for
from dockerlab.cli.spec import parse_docker_command
p = parse_docker_command(["run", "--rm", "--network", "none", "busybox", "true"])
handler_for(tuple(p.path))
import dockerlab.engine.engine, dockerlab.engine.images.store, dockerlab.engine.runtime.shim
"""


def test_run_path_leaves_out_networking_templates_and_unpacking():
    """What `run --network none` of a stored image imports before the shim starts."""
    report = run([], ENV, code=RUN_PATH)
    assert report.code == 0, report.err
    assert report.heavy() == set()
    for module in ("dockerlab.engine.network.manager", "dockerlab.cli.templates",
                   "dockerlab.engine.images.fastunpack", "tarfile", "fractions", "gettext"):
        assert module not in report.modules, module


BUILD_PATH = """
from dockerlab.cli.commands import handler_for
handler_for(("image", "build"))
import dockerlab.engine.build.builder, dockerlab.engine.build.remote, dockerlab.engine.engine
"""


def test_build_path_leaves_cache_miss_work_out():
    """A rebuild that hits the cache needs neither commit, RUN containers nor a downloader."""
    report = run([], ENV, code=BUILD_PATH)
    assert report.code == 0, report.err
    assert report.heavy() == set()
    for module in ("dockerlab.engine.images.commit", "dockerlab.engine.build.runstep",
                   "dockerlab.engine.build.copystep", "dockerlab.engine.runtime.shim", "tarfile"):
        assert module not in report.modules, module


LIST_TABLES = """
from dockerlab.cli import tables
rows = [{"Id": "a" * 64, "Names": ["/web"], "Image": "busybox", "Command": "sh", "Created": 0,
         "Status": "Up", "Ports": []}]
tables.render_containers(rows)
tables.render_containers(rows, "table {{.Names}}\\t{{.Status}}")
tables.render_images([{"Id": "sha256:" + "b" * 64, "RepoTags": ["busybox:latest"], "Created": 0}])
tables.render_volumes([{"Name": "data", "Driver": "local"}])
"""


def test_default_list_tables_need_no_template_engine():
    """`ps`, `images`, `volume ls` tables and field-only --format strings (cli/formats.py)."""
    report = run([], ENV, code=LIST_TABLES)
    assert report.code == 0, report.err
    assert "gotpl" not in report.modules and "dockerlab.cli.templates" not in report.modules
