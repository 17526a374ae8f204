"""cli/tables.py: docker's table writer and list formatting.

`docker context ls` runs offline through the very pipeline `ps`, `images`,
`volume ls` and `network ls` use (formatter.Context.Write + docker's
tabwriter), so its outputs, captured from docker 28.2.2 with four contexts
(CONTEXTS below), check the writer and the template/heading logic exactly.
"""
from datetime import datetime, timedelta, timezone

import pytest

from dockerlab.cli import tables
from dockerlab.cli.tables import HeaderContext, TemplateError, tabwrite, write_rows


class ContextRow(tables._Row):
    """docker/cli's clientContextContext, for the reference outputs."""

    GO_TYPE = "*formatter.clientContextContext"
    FIELDS = ("Current", "Description", "DockerEndpoint", "Error", "Name")

    def __init__(self, name, description, endpoint, current=False):
        self.name, self.description, self.endpoint = name, description, endpoint
        self.current = current

    def Name(self):
        return self.name

    def Description(self):
        return self.description

    def DockerEndpoint(self):
        return self.endpoint

    def Current(self):
        return self.current

    def Error(self):
        return ""


CONTEXTS = [
    ContextRow("ab", "x", "unix:///tmp/a.sock"),
    ContextRow("default", "Current DOCKER_HOST based configuration",
               "unix:///var/run/docker.sock", current=True),
    ContextRow("longer-name-here", "Une description plus longue", "tcp://10.1.2.3:2375"),
    ContextRow("wide", "wide chars 日本語 ok", "unix:///w.sock"),
]
HEADERS = {"Name": "NAME", "Description": "DESCRIPTION", "DockerEndpoint": "DOCKER ENDPOINT",
           "Error": "ERROR"}
DEFAULT = ("table {{.Name}}{{if .Current}} *{{end}}\t{{.Description}}\t{{.DockerEndpoint}}"
           "\t{{.Error}}")

# --format value -> stdout of `docker context ls --format <value>` (docker 28.2.2)
DOCKER_OUTPUTS = [
    (DEFAULT,
     "NAME               DESCRIPTION                               DOCKER ENDPOINT               ERROR\n"
     "ab                 x                                         unix:///tmp/a.sock            \n"
     "default *          Current DOCKER_HOST based configuration   unix:///var/run/docker.sock   \n"
     "longer-name-here   Une description plus longue               tcp://10.1.2.3:2375           \n"
     "wide               wide chars 日本語 ok                      unix:///w.sock                \n"),
    ("table {{.Name}}\\t{{.Description}}\\t{{upper .DockerEndpoint}}",
     "NAME               DESCRIPTION                               DOCKER ENDPOINT\n"
     "ab                 x                                         UNIX:///TMP/A.SOCK\n"
     "default            Current DOCKER_HOST based configuration   UNIX:///VAR/RUN/DOCKER.SOCK\n"
     "longer-name-here   Une description plus longue               TCP://10.1.2.3:2375\n"
     "wide               wide chars 日本語 ok                      UNIX:///W.SOCK\n"),
    ("{{json .}}",
     '{"Current":false,"Description":"x","DockerEndpoint":"unix:///tmp/a.sock","Error":"",'
     '"Name":"ab"}\n'
     '{"Current":true,"Description":"Current DOCKER_HOST based configuration",'
     '"DockerEndpoint":"unix:///var/run/docker.sock","Error":"","Name":"default"}\n'
     '{"Current":false,"Description":"Une description plus longue","DockerEndpoint":'
     '"tcp://10.1.2.3:2375","Error":"","Name":"longer-name-here"}\n'
     '{"Current":false,"Description":"wide chars 日本語 ok","DockerEndpoint":"unix:///w.sock",'
     '"Error":"","Name":"wide"}\n'),
    ("table {{.Name}}", "NAME\nab\ndefault\nlonger-name-here\nwide\n"),
    ("table {{.Name}}\\n{{.Description}}",
     "NAME\nDESCRIPTION\nab\nx\ndefault\nCurrent DOCKER_HOST based configuration\n"
     "longer-name-here\nUne description plus longue\nwide\nwide chars 日本語 ok\n"),
    ("{{.Name}}\\t{{.Current}}",
     "ab\tfalse\ndefault\ttrue\nlonger-name-here\tfalse\nwide\tfalse\n"),
    ("table {{.Name}}\\t{{pad .Description 2 1}}|",
     "NAME                 DESCRIPTION |\n"
     "ab                   x |\n"
     "default              Current DOCKER_HOST based configuration |\n"
     "longer-name-here     Une description plus longue |\n"
     "wide                 wide chars 日本語 ok |\n"),
    ("table {{truncate .Name 3}}\\t{{lower .Description}}\\t{{json .Current}}",
     "NAME      DESCRIPTION                               \n"
     "ab        x                                         false\n"
     "def       current docker_host based configuration   true\n"
     "lon       une description plus longue               false\n"
     "wid       wide chars 日本語 ok                      false\n"),
    ("table {{title .Description}}\\t{{.Error}}\\t{{.Name}}",
     "DESCRIPTION                               ERROR     NAME\n"
     "X                                                   ab\n"
     "Current DOCKER_HOST Based Configuration             default\n"
     "Une Description Plus Longue                         longer-name-here\n"
     "Wide Chars 日本語 Ok                                wide\n"),
]


@pytest.mark.parametrize("fmt, expected", DOCKER_OUTPUTS, ids=[c[0] for c in DOCKER_OUTPUTS])
def test_list_output_matches_docker(fmt, expected):
    assert write_rows(fmt, CONTEXTS, HEADERS) == expected


def test_row_errors_match_docker():
    with pytest.raises(TemplateError) as err:
        write_rows("table {{.Nope}}", CONTEXTS, HEADERS)
    assert str(err.value) == ('template parsing error: template: :1:2: executing "" at '
                              "<.Nope>: can't evaluate field Nope in type "
                              "*formatter.clientContextContext")
    with pytest.raises(TemplateError, match="template: :1: unclosed action"):
        write_rows("{{.Name", CONTEXTS, HEADERS)


@pytest.mark.parametrize("text, expected", [
    ("a\tb\nccc\td\n", "a         b\nccc       d\n"),
    ("a\tb\tc\n", "a         b         c\n"),
    ("aaaaaaaaaaaa\tb\nc\td\n", "aaaaaaaaaaaa   b\nc              d\n"),
    # a line without a tab ends the column block
    ("aaaaaaaaaaaaaaa\tb\nplain\nc\td\n", "aaaaaaaaaaaaaaa   b\nplain\nc         d\n"),
    # columns only span consecutive lines that have them
    ("a\tb\tc\nd\te\nfffffffffffffff\tg\th\n",
     "a                 b         c\nd                 e\nfffffffffffffff   g         h\n"),
    ("", ""), ("no tabs", "no tabs"), ("x\t", "x"),  # a lone cell is no column
    ("日本\tx\n", "日本      x\n"),
])
def test_tabwriter(text, expected):
    assert tabwrite(text) == expected


def test_header_label_and_missing_columns():
    header = HeaderContext({"ID": "CONTAINER ID"})
    assert header.label("com.example.my-label_x") == "my label x"
    rows = [tables.ContainerRow({"Id": "a" * 64, "Labels": {"com.x.y": "v"}})]
    out = write_rows('table {{.ID}}\t{{.Label "com.x.y"}}', rows, tables.CONTAINER_HEADERS)
    assert out == "CONTAINER ID   y\naaaaaaaaaaaa   v\n"
    assert header.headers["ID"] == "CONTAINER ID"


NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
WEB = {
    "Id": "4fa6e0f0c6786287e131c3852c58a2e01cc697a68231826813597e4994f1d6e2",
    "Names": ["/web"], "Image": "nginx:alpine",
    "ImageID": "sha256:" + "b" * 64,
    "Command": "/docker-entrypoint.sh nginx -g 'daemon off;'",
    "Created": int((NOW - timedelta(minutes=5)).timestamp()),
    "Ports": [{"IP": "0.0.0.0", "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"},
              {"IP": "::", "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"}],
    "Labels": {"b": "2", "a": "1"}, "State": "running", "Status": "Up 5 minutes",
    "Mounts": [{"Name": "a-rather-long-volume-name", "Source": "/x", "Driver": "local"}],
    "NetworkSettings": {"Networks": {"bridge": {}}},
}
DB = {
    "Id": "c" * 64, "Names": ["/db", "/web/db"], "Image": "sha256:" + "d" * 64,
    "ImageID": "sha256:" + "d" * 64, "Command": "postgres",
    "Created": int((NOW - timedelta(hours=2)).timestamp()), "Ports": [],
    "State": "exited", "Status": "Exited (0) 8 seconds ago", "SizeRw": 1200,
    "SizeRootFs": 7_800_000,
}


def test_ps_default_table():
    assert tables.render_containers([WEB, DB], now=NOW) == (
        "CONTAINER ID   IMAGE          COMMAND                  CREATED         "
        "STATUS                     PORTS                                     NAMES\n"
        '4fa6e0f0c678   nginx:alpine   "/docker-entrypoint.…"   5 minutes ago   '
        "Up 5 minutes               0.0.0.0:8080->80/tcp, [::]:8080->80/tcp   web\n"
        'cccccccccccc   dddddddddddd   "postgres"               2 hours ago     '
        "Exited (0) 8 seconds ago                                             db\n")


def test_ps_quiet_no_trunc_size_and_custom():
    assert tables.render_containers([WEB, DB], quiet=True) == "4fa6e0f0c678\ncccccccccccc\n"
    assert tables.render_containers([DB], quiet=True, trunc=False) == "c" * 64 + "\n"
    sized = tables.render_containers([DB], size=True, now=NOW)
    assert sized.splitlines()[0].endswith("NAMES     SIZE")
    assert sized.splitlines()[1].endswith("db        1.2kB (virtual 7.8MB)")
    assert tables.render_containers([WEB, DB], "{{.Names}} {{.Labels}} {{.Mounts}} "
                                    "{{.Networks}} {{.LocalVolumes}}", now=NOW) == (
        "web a=1,b=2 a-rather-long-… bridge 1\ndb    0\n")
    assert tables.render_containers([DB], "{{.Names}}", trunc=False) == "db,web/db\n"
    assert tables.render_containers([WEB], "{{.Command}}", trunc=False) == \
        "\"/docker-entrypoint.sh nginx -g 'daemon off;'\"\n"
    # a custom format and -q: docker ps prints IDs
    assert tables.render_containers([WEB], "{{.Names}}", quiet=True) == "4fa6e0f0c678\n"


def test_ps_json_has_every_field_sorted():
    line = tables.render_containers([WEB], "json", now=NOW)
    assert line.startswith('{"Command":"\\"/docker-entrypoint.…\\"","CreatedAt":')
    assert '"Platform":null,"Ports":"0.0.0.0:8080->80/tcp, [::]:8080->80/tcp",' \
           '"RunningFor":"5 minutes ago","Size":"0B","State":"running",' \
           '"Status":"Up 5 minutes"}\n' in line


def test_ps_unknown_field_error():
    with pytest.raises(TemplateError) as err:
        tables.render_containers([WEB], "{{.Foo}}")
    assert str(err.value).endswith(
        "can't evaluate field Foo in type *formatter.ContainerContext")


@pytest.mark.parametrize("ports, text", [
    ([], ""),
    ([{"PrivatePort": 80, "Type": "tcp"}], "80/tcp"),
    ([{"PrivatePort": p, "Type": "tcp"} for p in (8000, 8001, 8002, 9000)],
     "8000-8002/tcp, 9000/tcp"),
    ([{"IP": "0.0.0.0", "PrivatePort": 80, "PublicPort": 80, "Type": "tcp"}],
     "0.0.0.0:80->80/tcp"),
    ([{"IP": "0.0.0.0", "PrivatePort": p, "PublicPort": p, "Type": "tcp"} for p in (80, 81)],
     "0.0.0.0:80-81->80-81/tcp"),
    ([{"IP": "0.0.0.0", "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"},
      {"PrivatePort": 53, "Type": "udp"}], "53/udp, 0.0.0.0:8080->80/tcp"),
])
def test_display_ports(ports, text):
    assert tables.display_ports(ports) == text


def test_ellipsis_and_truncate_id():
    assert tables.ellipsis("docker-entrypoint.sh postgres", 20) == "docker-entrypoint.s…"
    assert tables.ellipsis("short", 20) == "short"
    assert tables.ellipsis("日本語日本語日本語日本語", 7) == "日本語…"
    assert tables.truncate_id("sha256:" + "e" * 64) == "e" * 12


IMAGE = {"Id": "sha256:" + "9" * 64, "RepoTags": ["alpine:3.19", "docker.io/library/alpine:latest"],
         "RepoDigests": ["alpine@sha256:" + "1" * 64], "Created": int((NOW - timedelta(days=3)).timestamp()),
         "Size": 7_800_000, "Containers": -1}
DANGLING = {"Id": "sha256:" + "8" * 64, "RepoTags": [], "RepoDigests": [],
            "Created": int((NOW - timedelta(weeks=3)).timestamp()), "Size": 187_000_000}


def test_images_default_table_and_digests():
    assert tables.render_images([IMAGE, DANGLING], now=NOW) == (
        "REPOSITORY   TAG       IMAGE ID       CREATED       SIZE\n"
        "alpine       3.19      999999999999   3 days ago    7.8MB\n"
        "alpine       latest    999999999999   3 days ago    7.8MB\n"
        "<none>       <none>    888888888888   3 weeks ago   187MB\n")
    digested = tables.render_images([IMAGE], digests=True, now=NOW).splitlines()
    assert digested[0] == ("REPOSITORY   TAG       DIGEST                                      "
                           "                              IMAGE ID       CREATED      SIZE")
    assert digested[1].startswith("alpine       3.19      sha256:" + "1" * 64)
    assert tables.render_images([IMAGE], quiet=True) == "999999999999\n999999999999\n"
    assert tables.render_images([IMAGE], "{{.Repository}}:{{.Tag}} {{.Containers}}") == \
        "alpine:3.19 N/A\nalpine:latest N/A\n"


def test_volume_and_network_tables():
    volumes = [{"Name": "data", "Driver": "local", "Scope": "local", "Labels": {"x": "1"}},
               {"Name": "cache", "Driver": "local"}]
    assert tables.render_volumes(volumes) == (
        "DRIVER    VOLUME NAME\nlocal     data\nlocal     cache\n")
    assert tables.render_volumes(volumes, quiet=True) == "data\ncache\n"
    assert tables.render_volumes(volumes, "{{.Name}} {{.Labels}} {{.Links}}") == \
        "data x=1 N/A\ncache  N/A\n"
    networks = [{"Id": "7fca4eb8c647" + "0" * 52, "Name": "bridge", "Driver": "bridge",
                 "Scope": "local"},
                {"Id": "9f904ee27bf5" + "0" * 52, "Name": "none", "Driver": "null",
                 "Scope": "local", "Internal": True}]
    assert tables.render_networks(networks) == (
        "NETWORK ID     NAME      DRIVER    SCOPE\n"
        "7fca4eb8c647   bridge    bridge    local\n"
        "9f904ee27bf5   none      null      local\n")
    assert tables.render_networks(networks, "{{.Name}} {{.IPv4}} {{.Internal}}") == \
        "bridge true false\nnone true true\n"
