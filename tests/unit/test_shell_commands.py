"""`dockerlab lab validate|schema`, `dockerlab list` and finding a lab by name."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from dockerlab.commands import lab as lab_command
from dockerlab.commands import list as list_command
from dockerlab.tutor.i18n import set_language
from dockerlab.tutor.labs.catalog import find_lab
from dockerlab.tutor.progress import Progress

DATA = Path(__file__).resolve().parents[1] / "data" / "labs"


@pytest.fixture(autouse=True)
def french():
    set_language("fr")
    yield
    set_language("fr")


def test_validate_reports_positions_and_fails(capsys):
    assert lab_command.run(["validate", str(DATA / "invalide.yaml")]) == 1
    out = capsys.readouterr().out
    assert f"{DATA / 'invalide.yaml'}:4:1: clé inconnue" in out
    assert out.rstrip().endswith("1 fichier vérifié, 5 erreurs, 0 avertissement")


def test_validate_in_english_and_a_valid_file(capsys):
    assert lab_command.run(["validate", "--lang", "en", str(DATA / "shell-demo.yaml")]) == 0
    assert capsys.readouterr().out == "1 file checked, 0 errors, 0 warnings\n"


def test_schema_is_json_schema(capsys):
    assert lab_command.run(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert "steps" in schema["properties"]


def test_find_lab_by_name_or_path(monkeypatch, tmp_path):
    monkeypatch.setenv("DOCKERLAB_LABS", str(DATA))
    assert find_lab("shell-demo") == DATA / "shell-demo.yaml"
    assert find_lab(str(DATA / "invalide.yaml")) == DATA / "invalide.yaml"
    with pytest.raises(FileNotFoundError):
        find_lab("chapitre99")
    with pytest.raises(FileNotFoundError):
        find_lab(str(tmp_path / "absent.yaml"))


def test_list_shows_titles_and_progress(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("DOCKERLAB_LABS", str(DATA))
    monkeypatch.setenv("DOCKERLAB_ROOT", str(tmp_path))
    monkeypatch.setenv("SUDO_USER", "eleve")
    progress = Progress.load(tmp_path, "shell-demo", "eleve")
    progress.mark_done("fichier")
    progress.mark_done("quiz")
    rows = {row[0]: row for row in list_command.rows()}
    assert rows["shell-demo"] == ("shell-demo", "Démo du shell guidé", "2/4")
    assert rows["invalide"][2] == "-"
    assert list_command.run([]) == 0
    assert "Démo du shell guidé" in capsys.readouterr().out
