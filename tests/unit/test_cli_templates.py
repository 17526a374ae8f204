"""cli/templates.py: Go templates with Docker's functions, values and errors.

Reference outputs come from the docker 28.2.2 client run offline:
`docker context inspect default --format ...` executes templates over a
typed Go struct whose content is known (CONTEXT below mirrors it field by
field), and `docker version --format ...` reports template parse errors.
Inspect outputs for containers follow Docker's documentation and the
typed-then-raw logic of docker/cli cli/command/inspect/inspector.go.
"""
import pytest

from dockerlab.cli import templates as T
from dockerlab.cli.templates import GoStruct, TemplateError, parse, render

_ENDPOINT = GoStruct({"Host": "unix:///var/run/docker.sock", "SkipTLSVerify": False},
                     "context.EndpointMeta")
CONTEXT = GoStruct({
    "Name": "default",
    "Metadata": GoStruct({
        "Name": "default",
        "Metadata": GoStruct({"Description": "", "AdditionalFields": {}}),
        "Endpoints": {"docker": _ENDPOINT}}),
    "Endpoints": {"docker": _ENDPOINT},
    "TLSMaterial": {},
    "Storage": GoStruct({"MetadataPath": "<IN MEMORY>", "TLSPath": "<IN MEMORY>"}),
}, "context.contextWithTLSListing")

# template -> what `docker context inspect default --format` printed
DOCKER_OUTPUTS = [
    ("{{.Metadata}}", "{default { map[]} map[docker:{unix:///var/run/docker.sock false}]}"),
    ("{{.Endpoints}}", "map[docker:{unix:///var/run/docker.sock false}]"),
    ("{{.Endpoints.docker}}", "{unix:///var/run/docker.sock false}"),
    ("{{.Endpoints.nope}}", "<no value>"),
    ("{{json .Endpoints}}", '{"docker":{"Host":"unix:///var/run/docker.sock",'
                            '"SkipTLSVerify":false}}'),
    ("{{.Storage}}", "{<IN MEMORY> <IN MEMORY>}"),
    ("{{.Name | upper}}", "DEFAULT"),
    ('{{title "hello world"}}', "Hello World"),
    ('{{split "a,b" ","}}', "[a b]"),
    ('{{join (split "a,b" ",") "-"}}', "a-b"),
    ("{{truncate .Name 3}}", "def"),
    ("{{pad .Name 2 3}}|", "  default   |"),
    ("{{println .Name}}|", "default\n|"),
    ('{{json "<a&b>"}}', '"<a&b>"'),        # Docker's json function keeps < > &
    ("{{range .Endpoints}}{{.Host}}{{end}}", "unix:///var/run/docker.sock"),
    ('{{printf "%q" .Name}}', '"default"'),
    ("{{len .Name}}", "7"),
    ('{{index .Endpoints "docker"}}', "{unix:///var/run/docker.sock false}"),
    ("{{json 1.5}}", "1.5"),
    ("{{json .Metadata}}", '{"Name":"default","Metadata":{"Description":"",'
     '"AdditionalFields":{}},"Endpoints":{"docker":{"Host":"unix:///var/run/docker.sock",'
     '"SkipTLSVerify":false}}}'),
    ("{{.Endpoints.docker.SkipTLSVerify}}", "false"),
    ("{{.TLSMaterial}}", "map[]"),
    ("{{ .Endpoints.nope.Foo }}", "<no value>"),
    ('{{ index .Endpoints "nope" }}', "<no value>"),
    ("{{ title .Name }}", "Default"),
    ('{{ .Name | printf "%s-%d" 3 }}', "%!s(int=3)-%!d(string=default)"),
    ("{{ slice .Name 1 2 }}", "e"),
    ("{{ and 1 0 }}", "0"),
    ("{{ not .Name }}", "false"),
    ('{{ html "<a>" }}', "&lt;a&gt;"),
    ("{{ .Storage.MetadataPath }}", "<IN MEMORY>"),
    ("{{ json .Storage }}", '{"MetadataPath":"<IN MEMORY>","TLSPath":"<IN MEMORY>"}'),
    ('{{ printf "%v" .Metadata }}', "{default { map[]} map[docker:{unix:///var/run/docker.sock false}]}"),
    ("{{ .TLSMaterial.docker }}", "<no value>"),
    ("{{ len .Endpoints }}", "1"),
    ('{{ println "a" "b" 1 }}', "a b 1\n"),
    ('{{ print "a" "b" 1 2 "c" }}', "ab1 2c"),
]


@pytest.mark.parametrize("source, expected", DOCKER_OUTPUTS, ids=[c[0] for c in DOCKER_OUTPUTS])
def test_outputs_match_docker(source, expected):
    assert render(source, CONTEXT) == expected


# template -> the error docker printed (context inspect / version --format)
DOCKER_ERRORS = [
    ("{{.Missing}}", 'template: :1:2: executing "" at <.Missing>: can\'t evaluate field '
     "Missing in type context.contextWithTLSListing"),
    ("abc {{ .Foo }} def", 'template: :1:7: executing "" at <.Foo>: can\'t evaluate field '
     "Foo in type context.contextWithTLSListing"),
    ('{{template "x"}}', 'template: :1:11: executing "" at <{{template "x"}}>: '
     'template "x" not defined'),
    ("{{ 3 .Name }}", 'template: :1:3: executing "" at <3>: can\'t give argument to '
     "non-function 3"),
    ("{{ .Name 1 }}", 'template: :1:3: executing "" at <.Name>: Name has arguments but '
     "cannot be invoked as function"),
    ("{{ json }}", 'template: :1:3: executing "" at <json>: wrong number of args for json: '
     "want 1 got 0"),
    ("{{ printf }}", 'template: :1:3: executing "" at <printf>: wrong number of args for '
     "printf: want at least 1 got 0"),
    ("{{ truncate .Name }}", 'template: :1:3: executing "" at <truncate>: wrong number of '
     "args for truncate: want 2 got 1"),
    ("{{ pad .Name 1 }}", 'template: :1:3: executing "" at <pad>: wrong number of args for '
     "pad: want 3 got 2"),
    ("{{ split .Name }}", 'template: :1:3: executing "" at <split>: wrong number of args for '
     "split: want 2 got 1"),
]


@pytest.mark.parametrize("source, message", DOCKER_ERRORS, ids=[c[0] for c in DOCKER_ERRORS])
def test_execution_errors_match_docker(source, message):
    with pytest.raises(TemplateError) as err:
        render(source, CONTEXT)
    assert str(err.value) == "template parsing error: " + message


PARSE_ERRORS = [  # `docker version --format <source>`: template "version"
    ("{{.Foo", "unclosed action"),
    ("{{nofunc .}}", 'function "nofunc" not defined'),
    ("{{end}}", "unexpected {{end}}"),
    ("{{ else }}", "unexpected {{else}}"),
    ("{{if .}}", "unexpected EOF"),
    ('{{define "a"}}', "unexpected EOF"),
    ('{{ "abc }}', "unterminated quoted string"),
    ("{{ $x }}", 'undefined variable "$x"'),
    ("{{ .A ) }}", "unexpected right paren"),
    ("{{ ( .A }}", "unclosed left paren"),
    ("{{}}", "missing value for command"),
    ("{{/* unclosed", "unclosed comment"),
    ("{{ break }}", "{{break}} outside {{range}}"),
]


@pytest.mark.parametrize("source, message", PARSE_ERRORS, ids=[c[0] for c in PARSE_ERRORS])
def test_parse_errors_match_docker(source, message):
    with pytest.raises(TemplateError) as err:
        parse(source, "version")
    assert str(err.value) == f"template parsing error: template: version:1: {message}"
    assert err.value.exit_code == 64


# A container as the Engine API returns it (abridged), for docker inspect.
CONTAINER = {
    "Id": "4fa6e0f0c6786287e131c3852c58a2e01cc697a68231826813597e4994f1d6e2",
    "Name": "/web",
    "State": {"Status": "running", "Running": True, "Pid": 4242, "ExitCode": 0},
    "Config": {"Hostname": "4fa6e0f0c678", "Env": ["PATH=/usr/bin"],
               "ExposedPorts": {"80/tcp": {}}, "Labels": {"b": "2", "a": "<1>"},
               "Image": "nginx"},
    "Mounts": [{"Type": "volume", "Source": "/var/lib/dockerlab/volumes/data/_data",
                "Destination": "/data"},
               {"Type": "bind", "Source": "/srv", "Destination": "/srv"}],
    "NetworkSettings": {"IPAddress": "172.17.0.2", "Ports": {"80/tcp": None},
                        "Networks": {"bridge": {"IPAddress": "172.17.0.2",
                                                "Aliases": None}}},
}


@pytest.fixture
def container():
    return T.typed(CONTAINER, T.CONTAINER_MAPS)


@pytest.mark.parametrize("source, expected", [
    ("{{ .NetworkSettings.IPAddress }}", "172.17.0.2"),
    ("{{.State.Status}}", "running"),
    ("{{.State.Pid}}", "4242"),
    ("{{ .Config.ExposedPorts }}", "map[80/tcp:{}]"),
    ("{{range .Mounts}}{{.Source}} {{end}}", "/var/lib/dockerlab/volumes/data/_data /srv "),
    ("{{json .Config}}", '{"Hostname":"4fa6e0f0c678","Env":["PATH=/usr/bin"],'
     '"ExposedPorts":{"80/tcp":{}},"Labels":{"a":"<1>","b":"2"},"Image":"nginx"}'),
    ("{{.Config.Labels}}", "map[a:<1> b:2]"),
    ('{{index .Config.Labels "a"}}', "<1>"),
    ("{{.Config.Labels.missing}}", "<no value>"),
    ("{{range $net, $conf := .NetworkSettings.Networks}}{{$net}}={{$conf.IPAddress}}{{end}}",
     "bridge=172.17.0.2"),
    ("{{.NetworkSettings.Ports}}", "map[80/tcp:<nil>]"),
    ("{{.Name}}", "/web"),
])
def test_docker_inspect_format_examples(container, source, expected):
    out, errors = T.render_inspect(source, [container])
    assert (out, errors) == (expected + "\n", [])


def test_inspect_unknown_field_falls_back_to_raw_and_fails_like_docker(container):
    out, errors = T.render_inspect("{{.NetworkSettings.Foo}}", [container, container])
    assert out == "\n"
    assert errors == ['template parsing error: template: :1:18: executing "" at '
                      '<.NetworkSettings.Foo>: map has no entry for key "Foo"'] * 2
    # Go cuts node texts longer than 20 characters.
    out, errors = T.render_inspect("{{.NetworkSettings.Nope.Deeper}}", [container])
    assert errors == ['template parsing error: template: :1:18: executing "" at '
                      '<.NetworkSettings.Nop...>: map has no entry for key "Nope"']


def test_inspect_missing_map_key_is_no_value(container):
    assert T.render_inspect("{{.NetworkSettings.Networks.foo}}", [container]) == (
        "<no value>\n", [])


def test_inspect_raw_fallback_sorts_json_keys(container):
    # A struct field Docker's typed struct lacks (Swarm injects such fields):
    # the raw retry succeeds, and the raw map encodes with sorted keys.
    doc = T.typed({**CONTAINER, "Extra": {"z": 1, "a": 2}}, T.CONTAINER_MAPS)
    doc.fields["Extra"] = GoStruct({"z": 1, "a": 2})
    out, errors = T.render_inspect("{{json .Extra}} {{.Nope}}", [doc])
    assert errors and out == "\n"
    out, errors = T.render_inspect("{{json .Extra}}", [doc])
    assert (out, errors) == ('{"z":1,"a":2}\n', [])
    out, errors = T.render_inspect("{{json .Config.Labels}}", [T.raw(doc)])
    assert (out, errors) == ('{"a":"<1>","b":"2"}\n', [])


def test_inspect_without_format_is_indented_html_escaped_json(container):
    out, errors = T.render_inspect(None, [GoStruct({"Name": "/web", "Labels": {"a": "<1>"},
                                                    "Empty": {}, "List": []})])
    assert errors == []
    assert out == ('[\n    {\n        "Name": "/web",\n        "Labels": {\n'
                   '            "a": "\\u003c1\\u003e"\n        },\n        "Empty": {},\n'
                   '        "List": []\n    }\n]\n')
    assert T.render_inspect(None, []) == ("[]\n", [])
    assert T.render_inspect("json", [GoStruct({"A": "&"})]) == ('[{"A":"\\u0026"}]\n', [])


def test_inspect_parse_error_is_exit_64(container):
    with pytest.raises(TemplateError) as err:
        T.render_inspect("{{.Foo", [container])
    assert (str(err.value), err.value.exit_code) == (
        "template parsing error: template: :1: unclosed action", 64)


@pytest.mark.parametrize("value, text", [
    (1.0, "1"), (100.0, "100"), (1e20, "100000000000000000000"), (1e21, "1e+21"),
    (1e-6, "0.000001"), (1e-7, "1e-7"), (0.1, "0.1"), (1.234e-5, "0.00001234"),
    (-0.0, "-0"), (2.5e-10, "2.5e-10"),
])
def test_go_json_floats(value, text):
    assert T.go_json(value) == text


def test_go_json_strings_and_order():
    assert T.go_json({"b": "\u2028\x01\t", "a": None}) == '{"a":null,"b":"\\u2028\\u0001\\t"}'
    assert T.go_json(GoStruct({"b": 1, "a": 2})) == '{"b":1,"a":2}'


def test_preformat():
    assert T.preformat("table {{.ID}}\\t{{.Names}}") == (True, "{{.ID}}\t{{.Names}}")
    assert T.preformat("json") == (False, "{{json .}}")
    assert T.preformat(" {{.ID}}\\n ") == (False, "{{.ID}}\n")


def test_functions_on_missing_values_fail_like_go():
    with pytest.raises(TemplateError, match="invalid value; expected string"):
        render("{{upper .Nope}}", {})


def test_header_rendering_keeps_partial_output():
    template = parse("{{.A}}\t{{json .B}}\t{{.C}}")
    assert template.execute_header({"A": "A", "C": "C"}) == "A\t"
