"""The guided shell's session without a terminal: built-ins, quizzes, checks,
progress and the exam policy. Commands other than docker run in real bash;
the engine is not needed by the steps exercised here (file checks, quizzes).
"""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from dockerlab.tutor.i18n import set_language
from dockerlab.tutor.labs import load_lab
from dockerlab.tutor.progress import Progress, user_name
from dockerlab.tutor.shell.builtins import builtin_of
from dockerlab.tutor.shell.policy import ShellPolicy
from dockerlab.tutor.shell.runner import CommandRunner
from dockerlab.tutor.shell.session import LabSession

LAB = Path(__file__).resolve().parents[1] / "data" / "labs" / "shell-demo.yaml"


@pytest.fixture(autouse=True)
def french():
    set_language("fr")
    yield
    set_language("fr")


class Shell:
    """A session on the demo lab, its console text and the docker lines it got."""

    def __init__(self, tmp: Path, policy: ShellPolicy = ShellPolicy(), step: int = 0):
        self.buffer = io.StringIO()
        self.docker_calls: list[list[str]] = []
        console = Console(file=self.buffer, width=100, color_system=None)
        progress = Progress.load(tmp / "root", "shell-demo", user="eleve")
        progress.step = step
        self.runner = CommandRunner(tmp / "work", self._docker)
        self.session = LabSession(load_lab(LAB), console, progress, self.runner,
                                  workdir=tmp / "work", policy=policy)

    def _docker(self, argv: list[str]) -> int:
        self.docker_calls.append(argv)
        print("fake docker output")
        return 3

    def type(self, line: str) -> str:
        start = self.buffer.tell()
        assert self.session.handle(line) is True
        return self.buffer.getvalue()[start:]


@pytest.fixture
def shell(tmp_path):
    (tmp_path / "work").mkdir()
    made = Shell(tmp_path, step=1)
    yield made
    made.runner.close()


def test_builtins_in_french_and_english():
    assert builtin_of("indice") == ("hint", [])
    assert builtin_of("hint") == ("hint", [])
    assert builtin_of("vérifier") == ("check", [])
    assert builtin_of("précédent") == ("prev", [])
    assert builtin_of("langue en") == ("lang", ["en"])
    assert builtin_of("quitter") == ("exit", [])
    assert builtin_of("réponse 1 3") == ("answer", ["1", "3"])
    assert builtin_of("docker ps") is None


def test_file_step_turns_green_after_the_command(shell):
    assert shell.session.prompt_text() == "shell-demo [2/4] $ "
    out = shell.type("echo bonsoir > salut.txt")
    assert "salut.txt ne contient pas « bonjour »." in out
    out = shell.type("echo bonjour > salut.txt")
    assert "✓ Étape réussie" in out
    assert "fichier" in Progress.load(shell.session.progress.path.parents[2], "shell-demo",
                                      "eleve").done


def test_hints_are_progressive_then_exhausted(tmp_path):
    (tmp_path / "work").mkdir()
    shell = Shell(tmp_path, step=0)
    first = shell.type("indice")
    assert "Indice 1/2" in first and "Indice 2/2" not in first
    second = shell.type("hint")
    assert "Indice 2/2" in second and "dernier indice" in second
    assert shell.session.progress.hints == {"detache": 2}
    solution = shell.type("solution")
    assert "docker run -d --name veille busybox sleep 300" in solution
    assert shell.session.progress.solutions == ["detache"]
    shell.runner.close()


def test_quiz_wrong_then_right(tmp_path):
    (tmp_path / "work").mkdir()
    shell = Shell(tmp_path, step=2)
    out = shell.type("1")
    assert "Mauvaise réponse" in out and "Étape réussie" not in out
    out = shell.type("réponse 2")
    assert "Bonne réponse" in out and "partagent le noyau" in out and "Étape réussie" in out
    assert shell.session.progress.answers == {"q-noyau": [2]}
    assert "Répondez avec les numéros" in shell.type("réponse 7")
    shell.runner.close()


def test_navigation_is_saved_and_resumed(shell, tmp_path):
    shell.type("suivant")
    assert shell.session.prompt_text() == "shell-demo [3/4] $ "
    shell.type("précédent")
    shell.type("next")
    again = Progress.load(tmp_path / "root", "shell-demo", "eleve")
    assert again.step == 2
    shell.type("suivant")
    assert "C'est la dernière étape" in shell.type("suivant")


def test_language_switch(shell):
    out = shell.type("langue en")
    assert "A file on the host" in out
    assert "Hint 1/1" in shell.type("hint")
    assert "de" in shell.type("lang de")
    assert "A file on the host" in shell.type("step")


def test_exit_and_reset(shell):
    shell.type("echo bonjour > salut.txt")
    assert "fichier" in shell.session.progress.done
    out = shell.type("reset")
    assert "L'étape 2 recommence" in out
    assert "fichier" not in shell.session.progress.done
    assert not (shell.runner.cwd / "salut.txt").exists()  # the setup ran again
    assert shell.session.handle("quitter") is False


def test_policy_disables_builtins_and_reports(tmp_path):
    (tmp_path / "work").mkdir()
    commands, checks = [], []
    policy = ShellPolicy(disabled=frozenset({"hint", "solution", "navigation"}),
                         on_command=lambda line, code, out: commands.append((line, code, out)),
                         on_check=lambda step, results: checks.append((step, results)))
    shell = Shell(tmp_path, policy=policy, step=1)
    assert "« indice » n'est pas disponible ici." in shell.type("indice")
    assert "n'est pas disponible" in shell.type("solution")
    assert "n'est pas disponible" in shell.type("suivant")
    assert shell.session.index == 1
    shell.type("echo bonjour > salut.txt")
    assert commands == [("echo bonjour > salut.txt", 0, "")]
    assert checks[-1][0] == "fichier" and all(r.ok for r in checks[-1][1])
    assert "indice" not in shell.type("aide")
    shell.runner.close()


def test_docker_lines_go_to_the_cli_and_into_the_history(shell, capsys):
    shell.type("docker ps -a")
    assert shell.docker_calls == [["ps", "-a"]]
    assert "fake docker output" in capsys.readouterr().out
    entry = shell.session.history.entries[-1]
    assert entry.argv == ("docker", "ps", "-a") and entry.exit_code == 3
    assert entry.output == "fake docker output\n"


def test_user_name_prefers_sudo_user(monkeypatch):
    monkeypatch.setenv("SUDO_USER", "alice")
    assert user_name() == "alice"
    monkeypatch.delenv("SUDO_USER")
    assert user_name()


def test_progress_round_trip_and_reset(tmp_path):
    progress = Progress.load(tmp_path, "lab", "bob")
    progress.step = 3
    progress.mark_done("a")
    progress.answers["q"] = [1, 2]
    progress.save()
    again = Progress.load(tmp_path, "lab", "bob")
    assert (again.step, again.done, again.answers) == (3, ["a"], {"q": [1, 2]})
    assert (tmp_path / "progress" / "bob" / "lab.json").is_file()
    again.reset()
    assert Progress.load(tmp_path, "lab", "bob").step == 0
