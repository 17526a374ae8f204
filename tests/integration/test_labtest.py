"""`dockerlab lab test`: steps run on fresh roots; a step passing before its
solution is reported and the command fails."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.root

DATA = Path(__file__).resolve().parents[1] / "data" / "labs"
DOCKERLAB = str(Path(sys.executable).with_name("dockerlab"))


def lab_test(*files: str, lang: str = "en") -> subprocess.CompletedProcess:
    return subprocess.run([DOCKERLAB, "--lang", lang, "lab", "test", *files], text=True,
                          capture_output=True, timeout=120, env={"PATH": "/usr/bin:/bin",
                                                                 "COLUMNS": "160"})


def rows(output: str) -> dict[str, list[str]]:
    found = {}
    for line in output.splitlines():
        words = line.split()
        if len(words) >= 4 and words[1] in "✓✗-" and words[2] in "✓✗-":
            found[words[0]] = words[1:]
    return found


def test_demo_lab_behaves(state_root):
    done = lab_test(str(DATA / "shell-demo.yaml"))
    assert done.returncode == 0, done.stdout + done.stderr
    table = rows(done.stdout)
    assert list(table) == ["detache", "fichier", "quiz", "interactif"]
    assert all(r[0] == "✗" and r[1] == "✓" and r[3] == "ok" for r in table.values())
    assert "every step behaves" in done.stdout


def test_a_step_passing_before_its_solution_is_reported(state_root):
    done = lab_test(str(DATA / "shell-passe-avant.yaml"), lang="fr")
    assert done.returncode == 1
    table = rows(done.stdout)
    assert table["ok"][:2] == ["✗", "✓"] and table["ok"][3] == "ok"
    assert table["trop-facile"][:2] == ["✓", "✓"]
    assert "la vérification réussit avant la solution" in done.stdout
    assert "1 étape se comporte mal" in done.stdout
