"""The lab loader: every kind of problem, with its exact message and
`file:line:column`, in English and in French (the default)."""
from __future__ import annotations

import textwrap

import pytest

from dockerlab.tutor.i18n import use_language
from dockerlab.tutor.labs import Diagnostic, LabError, load_lab, read_lab

HEAD = """\
format_version: 1
id: demo
title: {fr: Démo, en: Demo}
steps:
"""
STEP = """\
- id: s1
  title: {fr: Un, en: One}
  check: [{file: {path: x}}]
"""


def problems(tmp_path, text: str, lang: str = "en", head: str = HEAD) -> list[str]:
    """The rendered diagnostics of a lab made of `head` + `text` (file name cut)."""
    path = tmp_path / "lab.yaml"
    body = textwrap.dedent(text)
    path.write_text(head + textwrap.indent(body, "  ") if head else body)
    with use_language(lang):
        return [d.render().removeprefix(str(path)) for d in read_lab(path)[1]]


def at(tmp_path, line: int, token: str, nth: int = 1) -> str:
    """`:line:column` of the `nth` `token` on `line` of the last lab written.

    Expected positions are derived from the file's text, so each assertion
    says *which token* a diagnostic must point at.
    """
    text = (tmp_path / "lab.yaml").read_text().splitlines()[line - 1]
    column = -1
    for _ in range(nth):
        column = text.index(token, column + 1)
    return f":{line}:{column + 1}"


def test_valid_lab_has_no_problem(tmp_path):
    assert problems(tmp_path, STEP) == []


def test_unknown_key_suggests_the_closest(tmp_path):
    text = """\
    - id: s1
      title: {fr: Un, en: One}
      hint: [{fr: a, en: b}]
      check: [{file: {path: x}}]
    """
    found = problems(tmp_path, text)
    assert found == [at(tmp_path, 7, "hint") + ": unknown key 'hint' (did you mean 'hints'?)"]
    assert found[0].startswith(":7:5:")
    assert problems(tmp_path, text, "fr") == [
        at(tmp_path, 7, "hint") + ": clé inconnue « hint » (vouliez-vous dire « hints » ?)"]


def test_unknown_key_without_suggestion(tmp_path):
    found = problems(tmp_path, STEP + "  zzz: 1\n")
    assert found == [at(tmp_path, 8, "zzz") + ": unknown key 'zzz'"]


def test_unknown_key_at_top_level(tmp_path):
    text = "format_version: 1\nid: demo\ntitel: Démo\nsteps: []\n"
    assert problems(tmp_path, text, head="") == [
        ":1:1: missing required key 'title'",
        ":3:1: unknown key 'titel' (did you mean 'title'?)",
        at(tmp_path, 4, "[]") + ": needs at least 1 item",
    ]


def test_wrong_type(tmp_path):
    found = problems(tmp_path, STEP + "  points: beaucoup\n")
    assert found == [at(tmp_path, 8, "beaucoup") + ": wrong type: expected an integer, found a string"]
    assert problems(tmp_path, STEP + "  points: beaucoup\n", "fr") == [
        at(tmp_path, 8, "beaucoup") +
        ": type incorrect : attendu un entier, trouvé une chaîne de caractères"]


def test_wrong_type_suggests_quotes_for_yaml_numbers(tmp_path):
    """YAML 1.1 reads 22:22 as the base-60 number 1342: tell the teacher to quote it."""
    text = """\
    - id: s1
      title: {fr: Un, en: One}
      check:
        - container: {publish: 22:22}
    """
    assert problems(tmp_path, text) == [at(tmp_path, 8, "22:22") + ": wrong type: expected a "
                                        'string, found a number; write it in quotes: "22:22"']


def test_wrong_type_for_a_text(tmp_path):
    text = """\
    - id: s1
      title: [Un]
      check: [{file: {path: x}}]
    """
    assert problems(tmp_path, text) == [
        at(tmp_path, 6, "[Un]") +
        ": wrong type: expected a text (a string or {fr: ..., en: ...}), found a list"]


def test_missing_required_key(tmp_path):
    text = """\
    - id: s1
      check: [{file: {path: x}}]
    """
    assert problems(tmp_path, text) == [at(tmp_path, 5, "id") + ": missing required key 'title'"]
    assert problems(tmp_path, text, "fr") == [
        at(tmp_path, 5, "id") + ": clé obligatoire manquante « title »"]


def test_duplicate_step_id(tmp_path):
    found = problems(tmp_path, STEP + STEP.replace("path: x", "path: y"))
    assert found == [at(tmp_path, 8, "s1") + ": duplicate step id 's1' (first used at line 5)"]


def test_duplicate_quiz_id(tmp_path):
    quiz = """\
    quizzes:
      - {id: q, question: {fr: Q, en: Q}, choices: [{fr: a, en: a}, {fr: b, en: b}], answer: 1}
      - {id: q, question: {fr: Q, en: Q}, choices: [{fr: a, en: a}, {fr: b, en: b}], answer: 2}
    """
    found = problems(tmp_path, STEP + textwrap.indent(textwrap.dedent(quiz), "  "))
    assert found == [at(tmp_path, 10, "q,") + ": duplicate quiz id 'q' (first used at line 9)"]


def test_unknown_check_kind(tmp_path):
    text = """\
    - id: s1
      title: {fr: Un, en: One}
      check:
        - contaner: {name: web}
        - blah: {name: web}
    """
    assert problems(tmp_path, text) == [
        at(tmp_path, 8, "contaner") + ": unknown check kind 'contaner' (did you mean "
        "'container'?)",
        at(tmp_path, 9, "blah") + ": unknown check kind 'blah' (known kinds: container, image, "
        "network, volume, file, command, http, exec, output, quiz, all, any, not)",
    ]


def test_check_with_two_kinds_or_none(tmp_path):
    text = """\
    - id: s1
      title: {fr: Un, en: One}
      check:
        - container: {name: web}
          image: {tag: nginx}
        - fail: {fr: raté, en: failed}
        - container: {name: web}
          fial: oops
    """
    assert problems(tmp_path, text) == [
        at(tmp_path, 8, "container") + ": a check has exactly one kind (found: container, "
        "image); combine several with 'all'",
        at(tmp_path, 10, "fail") + ": a check needs a kind: container, image, network, volume, "
        "file, command, http, exec, output, quiz, all, any, not",
        at(tmp_path, 12, "fial") + ": unknown key 'fial' (did you mean 'fail'?)",
    ]


def test_unknown_key_inside_a_check(tmp_path):
    text = """\
    - id: s1
      title: {fr: Un, en: One}
      check:
        - container: {name: web, stat: running}
    """
    assert problems(tmp_path, text) == [
        at(tmp_path, 8, "stat") + ": unknown key 'stat' (did you mean 'state'?)"]


def test_invalid_literal_and_bounds(tmp_path):
    text = """\
    - id: s1
      title: {fr: Un, en: One}
      points: -1
      check:
        - container: {state: stopped, cpus: 0}
    """
    assert problems(tmp_path, text) == [
        at(tmp_path, 7, "-1") + ": must be at least 0",
        at(tmp_path, 9, "stopped") + ": invalid value 'stopped': expected one of 'created', "
        "'running', 'paused', 'restarting', 'removing', 'exited', 'dead'",
        at(tmp_path, 9, "0}") + ": must be greater than 0",
    ]


def test_format_version_and_identifier(tmp_path):
    head = "format_version: 2\nid: Chapitre 3\ntitle: {fr: D, en: D}\nsteps:\n"
    assert problems(tmp_path, STEP, head=head) == [
        ":1:17: invalid value 2: expected one of 1",
        ":2:5: invalid identifier 'Chapitre 3': use lower-case letters, digits, '.', '-' and "
        "'_', starting with a letter or a digit",
    ]


def test_quiz_answer_out_of_range(tmp_path):
    text = """\
    - id: s1
      title: {fr: Un, en: One}
      quizzes:
        - id: q1
          question: {fr: Q, en: Q}
          choices: [{fr: a, en: a}, {fr: b, en: b}]
          answer: 3
        - id: q2
          question: {fr: Q, en: Q}
          choices: [{fr: a, en: a}, {fr: b, en: b}, {fr: c, en: c}]
          answer: [1, 0]
        - id: q3
          question: {fr: Q, en: Q}
          choices: [{fr: a, en: a}, {fr: b, en: b}]
          answer: [1, 2]
          multiple: false
    """
    assert problems(tmp_path, text) == [
        at(tmp_path, 11, "3") + ": answer 3 is out of range: choices are numbered from 1 to 2",
        at(tmp_path, 15, "[") + ": answer 0 is out of range: choices are numbered from 1 to 3",
        at(tmp_path, 16, "id") + ": a single-choice quiz has exactly one answer; write "
        "'multiple: true' for several",
    ]
    assert problems(tmp_path, text, "fr")[0] == at(tmp_path, 11, "3") + \
        ": la réponse 3 est hors limites : les choix sont numérotés de 1 à 2"


def test_quiz_check_must_name_a_quiz(tmp_path):
    text = """\
    - id: s1
      title: {fr: Un, en: One}
      check: [{quiz: q-cgroup}, {quiz: zzz}]
      quizzes:
        - {id: q-cgroups, question: {fr: Q, en: Q}, choices: [{fr: a, en: a}, {fr: b, en: b}], answer: 1}
    """
    assert problems(tmp_path, text) == [
        at(tmp_path, 7, "q-cgroup") + ": quiz 'q-cgroup' does not exist in this lab (did you "
        "mean 'q-cgroups'?)",
        at(tmp_path, 7, "zzz") + ": quiz 'zzz' does not exist in this lab",
    ]


@pytest.mark.parametrize("check, token, message", [
    ('{http: {url: "http://example.com/"}}', '"http',
     "URL 'http://example.com/' leaves the lab: http checks may only reach localhost "
     "(or use 'container' and 'port')"),
    ('{http: {url: "http://[::2]:80/"}}', '"http',
     "URL 'http://[::2]:80/' leaves the lab: http checks may only reach localhost "
     "(or use 'container' and 'port')"),
    ('{http: {url: "ftp://localhost/"}}', '"ftp',
     "invalid URL 'ftp://localhost/': expected http://host:port/path"),
    ("{http: {port: 80}}", "{port", "exactly one of 'url', 'container' is required"),
    ('{container: {publish: "80:80:80"}}', '"80',
     'invalid port mapping \'80:80:80\': expected [ip:]host_port:container_port'
     '[/protocol], e.g. "8080:80"'),
    ("{container: {ports: [80, http]}}", "[80",
     "invalid port 'http': expected a port number with an optional /tcp or /udp, e.g. \"80/tcp\""),
    ("{container: {memory: 32x}}", "32x",
     "invalid size '32x': write a number of bytes or a number with a unit (k, m, g)"),
    ("{container: {restart: sometimes}}", "sometimes",
     "invalid restart policy 'sometimes': expected no, always, unless-stopped or "
     "on-failure[:max-retries]"),
    ('{file: {path: x, regex: "(unclosed"}}', '"(',
     "invalid regular expression '(unclosed': missing ), unterminated subpattern at "
     "position 0"),
    ("{volume: {name: data, contains: x}}", "{name", "'contains' needs 'file'"),
    ("{network: {subnet: 10.0.0.0/33}}", "10.", 
     "invalid subnet '10.0.0.0/33': expected CIDR notation such as 172.28.0.0/16"),
    ("{command: {path: run, flags: {p: 1}}}", "{p:",
     "invalid flag 'p': write it as on the command line, e.g. -p or --publish"),
    ("{exec: {container: web, cmd: \"sh -c 'oops\"}}", "\"sh",
     "cannot split 'sh -c 'oops' into words: No closing quotation"),
])
def test_check_field_rules(tmp_path, check, token, message):
    text = f"""\
    - id: s1
      title: {{fr: Un, en: One}}
      check: [{check}]
    """
    assert problems(tmp_path, text) == [at(tmp_path, 7, token) + ": " + message]


def test_setup_needs_exactly_one_action(tmp_path):
    found = problems(tmp_path, STEP + "  setup: [{docker: rm -f web, shell: ls}]\n")
    assert found == [at(tmp_path, 8, "{docker") + ": exactly one of 'docker', 'shell' is required"]


def test_yaml_syntax_error_with_position(tmp_path):
    text = """\
    - id: s1
      title: {fr: Un, en: One
      check: []
    """
    assert problems(tmp_path, text) == [
        at(tmp_path, 7, ":") + ": YAML syntax error: expected ',' or '}', but got ':' "
        "(while parsing a flow mapping, line 6)"]
    assert problems(tmp_path, "a: b\n\tc: d\n", head="") == [
        ":2:1: YAML syntax error: found character '\\t' that cannot start any token"]
    assert problems(tmp_path, "a: b\n---\nc: d\n", head="", lang="fr") == [
        ":2:1: erreur de syntaxe YAML : but found another document (expected a single "
        "document in the stream, ligne 1)"]


def test_duplicate_yaml_key(tmp_path):
    found = problems(tmp_path, STEP + "  check: [{file: {path: y}}]\n")
    assert found == [at(tmp_path, 8, "check") + ": duplicate key 'check' (first written at line 7)"]


def test_missing_english_is_a_warning(tmp_path):
    text = """\
    - id: s1
      title: Un
      hints: [{fr: a}, {fr: b, en: b}]
      check: [{file: {path: x}, fail: Raté}]
    """
    found = problems(tmp_path, text)
    warning = ": warning: missing English translation ('en'); French will be shown"
    assert found == [at(tmp_path, 6, "Un") + warning, at(tmp_path, 7, "{fr") + warning,
                     at(tmp_path, 8, "Raté") + warning]
    assert problems(tmp_path, text, "fr")[0] == at(tmp_path, 6, "Un") + \
        ": warning: traduction anglaise manquante (« en ») ; le français sera affiché"
    lab = load_lab(tmp_path / "lab.yaml")  # warnings do not stop loading
    assert lab.steps[0].title.text("en") == "Un"


def test_step_without_check_is_a_warning(tmp_path):
    found = problems(tmp_path, "- {id: lecture, title: {fr: Lire, en: Read}}\n")
    assert found == [at(tmp_path, 5, "lecture") +
                     ": warning: step 'lecture' has no check and no quiz: it is always complete"]


def test_empty_and_unreadable_files(tmp_path):
    assert problems(tmp_path, "", head="") == [
        ":1:1: wrong type: expected a mapping, found nothing (null)"]
    [diag] = read_lab(tmp_path / "absent.yaml")[1]
    with use_language("en"):
        assert diag.render() == \
            f"{tmp_path}/absent.yaml:1:1: cannot read the file: No such file or directory"
    (tmp_path / "latin1.yaml").write_bytes("title: Démo\n".encode("latin-1"))
    [diag] = read_lab(tmp_path / "latin1.yaml")[1]
    with use_language("en"):
        assert diag.message == "the file is not UTF-8 text"
    with use_language("fr"):
        assert diag.message == "le fichier n'est pas du texte UTF-8"


def test_alias_bomb_is_refused(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, "
              f"*a{i-1}, *a{i-1}, *a{i-1}]" for i in range(1, 7)]
    found = problems(tmp_path, "\n".join(lines) + "\n", head="")
    assert len(found) == 1 and "document too large" in found[0]


def test_load_lab_raises_with_all_diagnostics(tmp_path):
    path = tmp_path / "lab.yaml"
    path.write_text(HEAD + textwrap.indent(STEP + "  points: x\n  hint: []\n", "  "))
    with use_language("en"), pytest.raises(LabError) as caught:
        load_lab(path)
    errors = caught.value.errors
    assert [(d.line, d.column) for d in errors] == [(8, 13), (9, 5)]
    assert all(isinstance(d, Diagnostic) for d in errors)
    with use_language("en"):
        assert str(caught.value) == (
            f"{path}:8:13: wrong type: expected an integer, found a string\n"
            f"{path}:9:5: unknown key 'hint' (did you mean 'hints'?)")
    with use_language("fr"):  # rendered in the language in force when shown
        assert str(caught.value).splitlines()[1].endswith(
            "clé inconnue « hint » (vouliez-vous dire « hints » ?)")


def test_plain_strings_and_short_forms_are_normalized(tmp_path):
    text = """\
      - id: s1
        title: Un
        check:
          - container: {publish: "8080:80", cmd: echo 'hello world', memory: 1g}
          - command: {path: run, flags: {-d: true}, args: sh -c 'exit 3'}
        quizzes:
          - {id: q, question: Q, choices: [a, b, c], answer: [3, 1]}
    """
    path = tmp_path / "lab.yaml"
    path.write_text(HEAD + textwrap.indent(textwrap.dedent(text), "  "))
    step = load_lab(path).steps[0]
    container = step.check[0].container
    assert container.publish == ["8080:80"]
    assert container.cmd == ["echo", "hello world"]
    assert container.memory == 1024 ** 3
    assert step.check[1].command.path == ["run"]
    assert step.check[1].command.args == ["sh", "-c", "exit 3"]
    quiz = step.quizzes[0]
    assert quiz.multiple and quiz.answer == [3, 1] and quiz.is_correct([1, 3])
    assert quiz.choices[2].text("en") == "c"


def test_docker_commands_are_checked_with_the_cli_parser(tmp_path):
    """Flags, paths, solutions and setups are judged by the CLI's own parser,
    with Docker's wording (untranslated, as Docker prints it)."""
    text = """\
    - id: s1
      title: {fr: Un, en: One}
      setup:
        - docker: "rn -d nginx"
        - docker: "rm -f web"
      check:
        - command: {path: run, flags: {-z: true, -m: 32x, --name: web}}
        - command: {path: contaner run}
      solution:
        - docker run -d --nam web nginx
        - docker rm -f $(docker ps -aq)
        - docker inspect --format '{{ .NetworkSettings.IPAddress }}' web
        - docker run -ti alpine sh -c 'echo "$HOME"'
    """
    assert problems(tmp_path, text) == [
        at(tmp_path, 8, '"rn') + ": docker refuses this command: docker: unknown command: "
        "docker rn",
        at(tmp_path, 11, "true") + ": flag -z of 'docker container run': unknown shorthand "
        "flag: 'z' in -z",
        at(tmp_path, 11, "32x") + ": flag -m of 'docker container run': invalid argument "
        "\"32x\" for \"-m, --memory\" flag: invalid suffix: 'x'",
        at(tmp_path, 12, "contaner") + ": not a docker command: docker: unknown command: "
        "docker contaner",
        at(tmp_path, 14, "docker") + ": docker refuses this command: unknown flag: --nam",
    ]
    assert problems(tmp_path, text, "fr")[-1] == at(tmp_path, 14, "docker") + \
        ": docker refuse cette commande : unknown flag: --nam"


def test_quiz_answer_must_be_numbers(tmp_path):
    quiz = "{{id: {id}, question: Q, choices: [a, b], answer: {answer}}}"
    text = "- id: s1\n  title: {fr: Un, en: One}\n  quizzes:\n" + "".join(
        "    - " + quiz.format(id=i, answer=a) + "\n"
        for i, a in (("q1", "deux"), ("q2", "true"), ("q3", "[]")))
    found = [line for line in problems(tmp_path, text) if "warning" not in line]
    assert found == [
        at(tmp_path, 8, "deux") + ": wrong type: expected an integer, found a string",
        at(tmp_path, 9, "true") + ": wrong type: expected an integer, found true/false",
        at(tmp_path, 10, "[]") + ": a quiz needs at least one right answer",
    ]


def test_image_names_follow_docker_grammar(tmp_path):
    text = """\
    - id: s1
      title: {fr: Un, en: One}
      check:
        - container: {image: Nginx}
        - image: {tag: "pong:v1.0"}
    """
    assert problems(tmp_path, text) == [
        at(tmp_path, 8, "Nginx") + ": invalid image name 'Nginx': invalid reference format: "
        "repository name (library/Nginx) must be lowercase"]
