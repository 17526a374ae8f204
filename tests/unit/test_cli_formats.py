"""cli/formats.py: field-only formats render exactly as the Go template engine does.

Every case renders the same rows both ways (tables._fields_text, the fast
path; tables._template_text, gotpl) and compares; formats that need the
engine must be refused, so they never reach the fast path.
"""
from datetime import datetime, timedelta, timezone

import pytest

from dockerlab.cli import tables
from dockerlab.cli.formats import compile_fields, preformat

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
CONTAINERS = [
    {"Id": "4fa6e0f0c678" + "1" * 52, "Names": ["/web"], "Image": "nginx:alpine",
     "ImageID": "sha256:" + "b" * 64, "Command": "nginx -g 'daemon off;'",
     "Created": int((NOW - timedelta(minutes=5)).timestamp()),
     "Ports": [{"IP": "0.0.0.0", "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"}],
     "Labels": {"a": "1"}, "State": "running", "Status": "Up 5 minutes", "SizeRw": 12,
     "Mounts": [{"Name": "v", "Source": "/x", "Driver": "local"}]},
    {"Id": "c" * 64, "Names": ["/db", "/web/db"], "Image": "sha256:" + "d" * 64,
     "ImageID": "sha256:" + "d" * 64, "Command": "", "Created": 0, "Ports": [],
     "State": "exited", "Status": "Exited (0) 8 seconds ago", "SizeRootFs": 7_800_000},
]
IMAGES = [
    {"Id": "sha256:" + "9" * 64, "RepoTags": ["alpine:3.19"], "RepoDigests": ["alpine@sha256:" + "1" * 64],
     "Created": int((NOW - timedelta(days=3)).timestamp()), "Size": 7_800_000, "Containers": -1},
    {"Id": "sha256:" + "8" * 64, "RepoTags": [], "RepoDigests": [], "Created": 0, "Size": 0},
]


def rows_and_headers():
    containers = [tables.ContainerRow(c, True, NOW) for c in CONTAINERS]
    images = [r for i in IMAGES for r in tables.image_rows(i, digests=True, now=NOW)]
    volumes = [tables.VolumeRow({"Name": "data", "Driver": "local", "Labels": {"x": "1"}})]
    networks = [tables.NetworkRow({"Id": "7" * 64, "Name": "bridge", "Driver": "bridge", "Scope": "local"})]
    return [(containers, tables.CONTAINER_HEADERS), (images, tables.IMAGE_HEADERS),
            (volumes, tables.VOLUME_HEADERS), (networks, tables.NETWORK_HEADERS)]


FORMATS = {
    0: [tables.container_format(""), tables.container_format("", size=True), "{{.ID}}",
        "table {{.Names}}\\t{{ .Status }}", "{{.Names}}: {{.Ports}} }} {", "",
        "table {{if .Ports}}{{.Ports}}{{else}}-{{end}}|{{if .Command}}[{{.Command}}]{{end}}",
        "{{if .Mounts}}{{if .Size}}{{.Mounts}} {{.Size}}{{else}}?{{end}}{{else}}none{{end}}"],
    1: [tables.image_format(""), tables.image_format("", digests=True), "{{.Repository}}:{{.Tag}}",
        "table {{.ID}}\\t{{.CreatedSince}}\\t{{.CreatedAt}}"],
    2: ["table {{.Driver}}\\t{{.Name}}", "{{.Name}} {{.Labels}} {{.Links}}"],
    3: ["table {{.ID}}\\t{{.Name}}\\t{{.Driver}}\\t{{.Scope}}", "{{.Name}}"],
}


@pytest.mark.parametrize("kind", sorted(FORMATS))
def test_fast_path_matches_the_template_engine(kind):
    rows, headers = rows_and_headers()[kind]
    for fmt in FORMATS[kind]:
        is_table, source = preformat(fmt)
        fields = compile_fields(source)
        assert fields is not None, fmt
        fast = tables._fields_text(fields, rows, headers, is_table)
        assert fast == tables._template_text(source, rows, headers, is_table), fmt


@pytest.mark.parametrize("source", [
    "{{json .}}", '{{.Label "a"}}', "{{.ID | printf}}", "{{- .ID}}", "{{.ID -}}",
    "{{range .}}{{end}}", "{{.A.B}}", "{{.ID", "x {{ y", "{{if .A}}x", "{{else}}", "{{end}}",
    "{{if .A}}a{{else}}b{{else}}c{{end}}", "{{/* note */}}", "{{.}}", "{{ .ID\n}}",
    "{{if .A}}{{else if .B}}{{end}}", "{{with .A}}{{end}}", "{{{.ID}}}",
])
def test_formats_that_need_the_engine_are_refused(source):
    assert compile_fields(source) is None


def test_values_the_fast_path_cannot_print_go_to_the_engine():
    rows, headers = rows_and_headers()[0]
    # Platform is None (Go's <nil>), Foo is no field: gotpl prints or reports them
    assert tables.write_rows("{{.Names}} {{.Platform}}", rows[:1], headers) == \
        tables._template_text("{{.Names}} {{.Platform}}", rows[:1], headers, False)[1]
    with pytest.raises(tables.TemplateError, match="can't evaluate field Foo"):
        tables.write_rows("{{.Foo}}", rows, headers)
