"""`validate_files` (behind `dockerlab lab validate`) and `json_schema`
(behind `dockerlab lab schema`), on the example labs in tests/data/labs."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from dockerlab.tutor.i18n import current_language, use_language
from dockerlab.tutor.labs import json_schema, load_lab, validate_files

DATA = Path(__file__).resolve().parent.parent / "data" / "labs"
GOOD = DATA / "chapitre3-extrait.yaml"
BAD = DATA / "invalide.yaml"


def test_valid_file():
    text, code = validate_files([GOOD], "en")
    assert (text, code) == ("1 file checked, 0 errors, 0 warnings\n", 0)
    text, code = validate_files([GOOD], "fr")
    assert (text, code) == ("1 fichier vérifié, 0 erreur, 0 avertissement\n", 0)


def test_invalid_file_lists_every_problem_in_order():
    text, code = validate_files([BAD], "en")
    assert code == 1
    assert text.splitlines() == [
        f"{BAD}:4:1: unknown key 'image' (did you mean 'images'?)",
        f"{BAD}:9:5: unknown key 'hint' (did you mean 'hints'?)",
        f"{BAD}:12:9: unknown check kind 'contaner' (did you mean 'container'?)",
        f"{BAD}:13:30: wrong type: expected a string, found a number; write it in quotes: "
        '"2222:22"',
        f"{BAD}:23:17: answer 4 is out of range: choices are numbered from 1 to 3",
        "1 file checked, 5 errors, 0 warnings",
    ]


def test_several_files_warnings_do_not_fail(tmp_path):
    french_only = tmp_path / "fr.yaml"
    french_only.write_text("format_version: 1\nid: fr\ntitle: Français\nsteps:\n"
                           "  - {id: s, title: {fr: É, en: E}, check: [{file: {path: x}}]}\n")
    text, code = validate_files([GOOD, french_only], "en")
    assert code == 0
    assert text.splitlines() == [
        f"{french_only}:3:8: warning: missing English translation ('en'); French will be shown",
        "2 files checked, 0 errors, 1 warning",
    ]
    text, code = validate_files([french_only, BAD, tmp_path / "absent.yaml"], "fr")
    assert code == 1
    assert text.splitlines()[-1] == "3 fichiers vérifiés, 6 erreurs, 1 avertissement"
    assert f"{tmp_path}/absent.yaml:1:1: impossible de lire le fichier : " \
           "No such file or directory" in text.splitlines()


def test_language_is_restored_after_a_report():
    with use_language("fr"):
        validate_files([GOOD], "en")
        assert current_language() == "fr"
        text, _ = validate_files([GOOD])
        assert text.startswith("1 fichier vérifié")


def test_json_schema_describes_the_format():
    schema = json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"format_version", "id", "title", "steps"}
    defs = schema["$defs"]
    assert defs["Step"]["additionalProperties"] is False
    assert set(defs["Step"]["properties"]) == {
        "id", "title", "text", "setup", "check", "hints", "solution", "points", "quizzes"}
    check = defs["Check"]
    assert {"exec", "not", "all", "any", "fail"} <= set(check["properties"])
    assert {"required": ["container"]} in check["oneOf"]
    localized = defs["Localized"]
    assert {"type": "string"} in localized["anyOf"]
    publish = defs["ContainerCheck"]["properties"]["publish"]
    assert {"type": "string"} in publish["anyOf"]
    json.dumps(schema)  # serialisable as it is written by `dockerlab lab schema`


@pytest.mark.parametrize("path", sorted(DATA.glob("*.yaml")))
def test_example_files(path):
    """Every example lab is either valid or named as an invalid example."""
    text, code = validate_files([path], "en")
    assert code == (1 if path.name.startswith("invalide") else 0), text
    if code == 0:
        assert load_lab(path).format_version == 1
