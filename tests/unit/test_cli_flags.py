"""cli/flags.py: pflag's parsing rules, docker/cli's option values, help layout.

Error texts are the docker 28.2.2 client's (checked with the real binary,
see test_cli_docker_reference.py for the live comparison).
"""
import pytest

from dockerlab.cli import flags as F
from dockerlab.cli.flags import (BOOL, DURATION, FILTER, INT, LIST, MAP, STRING, STRINGS,
                                 Flag, FlagError, FlagSet)


def _set(interspersed=True):
    return FlagSet([
        Flag("detach", BOOL, "Detached", "d"),
        Flag("interactive", BOOL, "Keep STDIN open", "i"),
        Flag("tty", BOOL, "Allocate a TTY", "t"),
        Flag("name", STRING, "Name"),
        Flag("publish", LIST, "Publish", "p"),
        Flag("env", F.list_of(F.validate_env), "Env", "e"),
        Flag("count", INT, "Count", "c", default=-1),
        Flag("wait", DURATION, "Wait"),
        Flag("filter", FILTER, "Filter", "f"),
        Flag("opt", MAP, "Options", "o"),
        Flag("subnet", STRINGS, "Subnets"),
        Flag("time", INT, "old", deprecated="use --count instead", dest="count"),
        Flag("help", BOOL, "Print usage", "h", hidden=True, shorthand_deprecated="use --help"),
    ], interspersed=interspersed)


def test_long_forms_and_defaults():
    result = _set().parse(["--name=web", "--publish", "80", "--detach", "img"])
    assert result.values["name"] == "web"
    assert result.values["publish"] == ["80"]
    assert result.values["detach"] is True
    assert result.values["count"] == -1          # default kept
    assert result.values["tty"] is False
    assert result.given == ["name", "publish", "detach"]
    assert result.args == ["img"]


def test_long_value_may_start_with_a_dash():
    assert _set().parse(["--name", "-x"]).values["name"] == "-x"


@pytest.mark.parametrize("argv, expected", [
    (["-ti"], {"tty": True, "interactive": True}),
    (["-it=true"], {"interactive": True, "tty": True}),
    (["-it=false"], {"interactive": True, "tty": False}),
    (["-p8080:80"], {"publish": ["8080:80"]}),
    (["-p=8080:80"], {"publish": ["8080:80"]}),
    (["-dp", "80"], {"detach": True, "publish": ["80"]}),
    (["-pd", "80"], {"publish": ["d"]}),          # the rest of the word is p's value
    (["-ie", "A=1"], {"interactive": True, "env": ["A=1"]}),
    (["-eA=1"], {"env": ["A=1"]}),
    (["-e=A"], {"env": ["A"]}),
    (["-p", "1", "-p", "2"], {"publish": ["1", "2"]}),
    (["--detach=false"], {"detach": False}),
    (["--detach=0"], {"detach": False}),
    (["-c", "0x10"], {"count": 16}),
    (["--wait=1m30s"], {"wait": 90 * 10**9}),
    (["-f", "Status = exited", "-f", "status=running", "-f", "status=exited"],
     {"filter": {"status": ["exited", "running"]}}),
    (["-f", ""], {"filter": {}}),
    (["-o", "a=1", "-o", "b", "-o", "a=2"], {"opt": {"a": "2", "b": ""}}),
    (["--subnet", "a,b", "--subnet", '"c,d"'], {"subnet": ["a", "b", "c,d"]}),
])
def test_shorthand_and_value_forms(argv, expected):
    values = _set().parse(argv).values
    assert {k: values[k] for k in expected} == expected


def test_env_without_value_is_read_from_the_client_environment(monkeypatch):
    monkeypatch.setenv("DLT_VAR", "hello")
    monkeypatch.delenv("DLT_UNSET", raising=False)
    values = _set().parse(["-e", "DLT_VAR", "-e", "DLT_UNSET"]).values
    assert values["env"] == ["DLT_VAR=hello", "DLT_UNSET"]


def test_interspersed_false_stops_at_first_positional():
    result = _set(interspersed=False).parse(["-d", "alpine", "ls", "-l", "--name", "x"])
    assert result.args == ["alpine", "ls", "-l", "--name", "x"]
    assert result.values["name"] == ""


def test_interspersed_true_collects_flags_after_positionals():
    result = _set().parse(["a", "-d", "b", "--name", "x"])
    assert result.args == ["a", "b"]
    assert result.values["detach"] is True


def test_double_dash_ends_flags():
    result = _set().parse(["-d", "--", "-t", "--name"])
    assert result.args == ["-t", "--name"]
    assert result.args_len_at_dash == 0
    assert result.values["tty"] is False


def test_single_dash_is_positional():
    assert _set().parse(["-"]).args == ["-"]


def test_deprecated_flags_write_to_their_destination_and_notice():
    result = _set().parse(["--time", "3", "-h"])
    assert result.values["count"] == 3 and "count" in result.given
    assert result.notices == [
        "Flag --time has been deprecated, use --count instead",
        "Flag shorthand -h has been deprecated, use --help",
    ]


@pytest.mark.parametrize("argv, message", [
    (["--foo"], "unknown flag: --foo"),
    (["--foo=1"], "unknown flag: --foo"),
    (["-z"], "unknown shorthand flag: 'z' in -z"),
    (["-dz"], "unknown shorthand flag: 'z' in -z"),
    (["--name"], "flag needs an argument: --name"),
    (["-p"], "flag needs an argument: 'p' in -p"),
    (["-dp"], "flag needs an argument: 'p' in -p"),
    (["---x"], "bad flag syntax: ---x"),
    (["--=x"], "bad flag syntax: --=x"),
    (["--detach=maybe"],
     'invalid argument "maybe" for "-d, --detach" flag: strconv.ParseBool: parsing "maybe": '
     'invalid syntax'),
    (["-c", "x"], 'invalid argument "x" for "-c, --count" flag: strconv.ParseInt: parsing "x": '
     'invalid syntax'),
    (["--wait", "5"], 'invalid argument "5" for "--wait" flag: time: missing unit in duration "5"'),
    (["-f", "x"], 'invalid argument "x" for "-f, --filter" flag: bad format of filter '
     '(expected name=value)'),
    (["-e", "=x"], 'invalid argument "=x" for "-e, --env" flag: invalid environment variable: =x'),
    (["--name", "a", "--subnet", 'x"y'],
     'invalid argument "x\\"y" for "--subnet" flag: parse error on line 1, column 2: '
     'bare " in non-quoted-field'),
])
def test_errors_are_pflags(argv, message):
    with pytest.raises(FlagError) as err:
        _set().parse(argv)
    assert str(err.value) == message
    assert err.value.exit_code == 125


def test_go_quote():
    assert F.go_quote('a"b\\c\n\x01\u00e9') == '"a\\"b\\\\c\\n\\x01\u00e9"'


@pytest.mark.parametrize("text, fields", [
    ("a,b", ["a", "b"]), ('"a,b",c', ["a,b", "c"]), ('"a""b"', ['a"b']),
    ("a,", ["a", ""]), (",a", ["", "a"]), ('""', [""]),
])
def test_read_csv_record(text, fields):
    assert F.read_csv_record(text) == fields


@pytest.mark.parametrize("text, message", [
    ("", "EOF"),
    ('a"b', 'parse error on line 1, column 2: bare " in non-quoted-field'),
    ('"ab', 'parse error on line 1, column 4: extraneous or missing " in quoted-field'),
    ('"a"b', 'parse error on line 1, column 4: extraneous or missing " in quoted-field'),
])
def test_read_csv_record_errors(text, message):
    with pytest.raises(F.OptionValueError) as err:
        F.read_csv_record(text)
    assert str(err.value) == message


def test_parse_mount_bind_readonly(tmp_path, monkeypatch):
    assert F.parse_mount("type=bind,src=/a,dst=/b,ro") == {
        "Type": "bind", "Source": "/a", "Target": "/b", "ReadOnly": True}
    monkeypatch.chdir(tmp_path)
    assert F.parse_mount("type=bind,source=./d,target=/x")["Source"] == str(tmp_path / "d")


def test_parse_mount_volume_and_tmpfs_options():
    volume = F.parse_mount("target=/data,src=vol,volume-opt=o=1,volume-label=l=2,volume-nocopy")
    assert volume["Type"] == "volume"
    assert volume["VolumeOptions"] == {"Labels": {"l": "2"}, "DriverConfig": {"Options": {"o": "1"}},
                                       "NoCopy": True}
    tmpfs = F.parse_mount("type=tmpfs,dst=/t,tmpfs-size=10m,tmpfs-mode=1777")
    assert tmpfs["TmpfsOptions"] == {"SizeBytes": 10 * 1024**2, "Mode": 0o1777}


@pytest.mark.parametrize("text, message", [
    ("type=bind", "target is required"),
    ("type=,target=/x", "type is required"),
    ("target=/x,bogus=1", "unexpected key 'bogus' in 'bogus=1'"),
    ("foo", "invalid field 'foo' must be a key=value pair"),
    ("type=bind,target=/x,volume-nocopy", "cannot mix 'volume-*' options with mount type 'bind'"),
    ("target=/x,tmpfs-size=1x", "invalid value for tmpfs-size: 1x"),
    ("target=/x,ro=maybe", "invalid value for ro: maybe"),
    ("type=tmpfs,target=/x,tmpfs-mode=9", "invalid value for tmpfs-mode: 9"),
    ("type=bind,target=/y,bind-recursive=readonly",
     "option 'bind-recursive=readonly' requires 'readonly' to be specified in conjunction"),
])
def test_parse_mount_errors(text, message):
    with pytest.raises(F.OptionValueError) as err:
        F.parse_mount(text)
    assert str(err.value) == message


def test_parse_network_short_and_long_syntax():
    assert F.parse_network("mynet")["Target"] == "mynet"
    long = F.parse_network("name=Net,alias=web,alias=w2,ip=10.0.0.5,driver-opt=a=b")
    assert (long["Target"], long["Aliases"], long["IPv4Address"], long["DriverOpts"]) == (
        "net", ["web", "w2"], "10.0.0.5", {"a": "b"})  # Docker lower-cases fields


@pytest.mark.parametrize("text, message", [
    ("alias=b", "network name/id is not specified"),
    ("name=a,bogus=b", "invalid field key bogus"),
    ("name=a,gw-priority=x", "invalid gw-priority (x): invalid syntax"),
    ("name=a,driver-opt=x", "invalid key value pair format in driver options"),
])
def test_parse_network_errors(text, message):
    with pytest.raises(F.OptionValueError) as err:
        F.parse_network(text)
    assert str(err.value) == message


def test_parse_ulimit():
    assert F.parse_ulimit("nofile=1024:2048") == {"Name": "nofile", "Hard": 2048, "Soft": 1024}
    assert F.parse_ulimit("nproc=5") == {"Name": "nproc", "Hard": 5, "Soft": 5}
    assert F.parse_ulimit("nofile=-1") == {"Name": "nofile", "Hard": -1, "Soft": -1}


@pytest.mark.parametrize("text, message", [
    ("nofile", "invalid ulimit argument: nofile"),
    ("bogus=1", "invalid ulimit type: bogus"),
    ("as=1", "invalid ulimit type: as"),
    ("nofile=1:2:3", "too many limit value arguments - 1:2:3, can only have up to two, "
     "`soft[:hard]`"),
    ("nofile=x", 'strconv.ParseInt: parsing "x": invalid syntax'),
    ("nofile=10:5", "ulimit soft limit must be less than or equal to hard limit: 10 > 5"),
    ("nofile=-1:5", "ulimit soft limit must be less than or equal to hard limit: "
     "soft: -1 (unlimited), hard: 5"),
])
def test_parse_ulimit_errors(text, message):
    with pytest.raises(F.OptionValueError) as err:
        F.parse_ulimit(text)
    assert str(err.value) == message


def test_ulimit_kind_keeps_last_per_name_sorted():
    flags = FlagSet([Flag("ulimit", F.ULIMIT, "u")])
    values = flags.parse(["--ulimit", "nproc=3", "--ulimit", "nofile=1:2",
                          "--ulimit", "nproc=4"]).values
    assert [(u["Name"], u["Soft"]) for u in values["ulimit"]] == [("nofile", 1), ("nproc", 4)]


@pytest.mark.parametrize("validator, value, result", [
    (F.validate_extra_host, "a:1.2.3.4", "a:1.2.3.4"),
    (F.validate_extra_host, "a=[::1]", "a:::1"),
    (F.validate_extra_host, "a:host-gateway", "a:host-gateway"),
    (F.validate_ip, " 1.2.3.4 ", "1.2.3.4"),
    (F.validate_ip, "::ffff:1.2.3.4", "1.2.3.4"),
    (F.validate_dns_search, "example.com", "example.com"),
    (F.validate_dns_search, ".", "."),
    (F.validate_label, " a=b", " a=b"),
    (F.validate_attach, "Stdout", "stdout"),
    (F.validate_sysctl, "net.ipv4.ip_forward=1", "net.ipv4.ip_forward=1"),
    (F.validate_device_cgroup_rule, "c *:* rwm", "c *:* rwm"),
    (F.validate_link, "a:b", "a:b"),
])
def test_validators_accept(validator, value, result):
    assert validator(value) == result


@pytest.mark.parametrize("validator, value, message", [
    (F.validate_extra_host, "foo", 'bad format for add-host: "foo"'),
    (F.validate_extra_host, "foo:bar", 'invalid IP address in add-host: "bar"'),
    (F.validate_extra_host, ":1.2.3.4", 'bad format for add-host: ":1.2.3.4"'),
    (F.validate_extra_host, "a:01.2.3.4", 'invalid IP address in add-host: "01.2.3.4"'),
    (F.validate_extra_host, "a:fe80::1%eth0", 'invalid IP address in add-host: "fe80::1%eth0"'),
    (F.validate_ip, "8.8.8.8.8", "IP address is not correctly formatted: 8.8.8.8.8"),
    (F.validate_dns_search, "1.2.3", "1.2.3 is not a valid domain"),
    (F.validate_dns_search, "-bad", "-bad is not a valid domain"),
    (F.validate_label, "=x", "invalid label '=x': empty name"),
    (F.validate_label, "a b=c", "label 'a b' contains whitespaces"),
    (F.validate_link, "a:b:c", "bad format for links: a:b:c"),
    (F.validate_link, "", "empty string specified for links"),
    (F.validate_attach, "foo", "valid streams are STDIN, STDOUT and STDERR"),
    (F.validate_sysctl, "kernel.foo=1", "sysctl 'kernel.foo=1' is not allowed"),
    (F.validate_device_cgroup_rule, "x", "invalid device cgroup format 'x'"),
    (F.validate_env, "=x", "invalid environment variable: =x"),
])
def test_validators_refuse_with_dockers_text(validator, value, message):
    with pytest.raises(F.OptionValueError) as err:
        validator(value)
    assert str(err.value) == message


@pytest.mark.parametrize("kind, value, message", [
    (F.WEIGHT_DEVICE, "sda:500", "bad format for device path: sda:500"),
    (F.WEIGHT_DEVICE, "/dev/sda:5", "invalid weight for device: /dev/sda:5"),
    (F.WEIGHT_DEVICE, "nocolon", "bad format: nocolon"),
    (F.THROTTLE_BPS, "/dev/sda:1x", "invalid rate for device: /dev/sda:1x. The correct format "
     "is <device-path>:<number>[<unit>]. Number must be a positive integer. Unit is optional "
     "and can be kb, mb, or gb"),
    (F.THROTTLE_IOPS, "/dev/sda:1.5", "invalid rate for device: /dev/sda:1.5. The correct "
     "format is <device-path>:<number>. Number must be a positive integer"),
])
def test_device_limits(kind, value, message):
    with pytest.raises(F.OptionValueError) as err:
        kind.convert(value)
    assert str(err.value) == message
    assert F.THROTTLE_BPS.convert("/dev/sda:1mb") == {"Path": "/dev/sda", "Rate": 1024**2}
    assert F.WEIGHT_DEVICE.convert("/dev/sda:0") == {"Path": "/dev/sda", "Weight": 0}


def test_usages_layout_sorting_hiding_and_defaults():
    # Sorted by name; hidden and deprecated flags left out; text starts three
    # spaces after the longest left part; zero defaults are not shown.
    assert _set().usages(80) == (
        "  -c, --count int        Count (default -1)\n"
        "  -d, --detach           Detached\n"
        "  -e, --env list         Env\n"
        "  -f, --filter filter    Filter\n"
        "  -i, --interactive      Keep STDIN open\n"
        "      --name string      Name\n"
        "  -o, --opt map          Options (default map[])\n"
        "  -p, --publish list     Publish\n"
        "      --subnet strings   Subnets\n"
        "  -t, --tty              Allocate a TTY\n"
        "      --wait duration    Wait\n")


def test_usages_wrapping_follows_pflag():
    flags = FlagSet([Flag("x", STRING, "word " * 12 + "end", default="d")])
    assert flags.usages(50) == (
        "      --x string   word word word word word\n"
        "                   word word word word word\n"
        '                   word word end (default "d")\n')
    # Too little room: pflag moves the text under the flag, indented 16...
    flags = FlagSet([Flag("a-very-long-flag-name-for-test", STRING, "word " * 12 + "end")])
    assert flags.usages(50) == (
        "      --a-very-long-flag-name-for-test string   \n"
        "                word word word word word\n"
        "                word word word word word\n"
        "                word word end\n")
    # ...and with even less, it stops wrapping.
    flags = FlagSet([Flag("x", STRING, "word " * 30 + "end")])
    assert flags.usages(40) == "      --x string   " + "word " * 30 + "end\n"


def test_usages_keep_newlines_of_multi_line_texts():
    flags = FlagSet([Flag("x", STRING, "line one\nline two is here", default="d")])
    assert flags.usages(80) == ("      --x string   line one\n"
                                '                   line two is here (default "d")\n')


def test_quoted_word_in_usage_names_the_value():
    flags = FlagSet([Flag("file", STRING, "Read from `path` instead")])
    assert flags.usages(80) == "      --file path   Read from path instead\n"


def test_shorthand_clash_is_refused():
    with pytest.raises(ValueError, match="shorthand"):
        FlagSet([Flag("a", BOOL, "", "x"), Flag("b", BOOL, "", "x")])
