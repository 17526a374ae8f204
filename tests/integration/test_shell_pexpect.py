"""The real `dockerlab start` driven through a terminal with pexpect.

Each test has its own state root (bridge, subnet) and working directory;
the session runs real docker commands on the engine and real bash lines.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pexpect
import pytest

pytestmark = pytest.mark.root

LAB = Path(__file__).resolve().parents[1] / "data" / "labs" / "shell-demo.yaml"
DOCKERLAB = str(Path(sys.executable).with_name("dockerlab"))


def start(state_root, workdir: Path, *extra: str) -> pexpect.spawn:
    env = dict(os.environ, DOCKERLAB_ROOT=str(state_root.root), DOCKERLAB_WORKDIR=str(workdir),
               PROMPT_TOOLKIT_NO_CPR="1", TERM="xterm", HOME=str(workdir), SUDO_USER="eleve")
    env.pop("DOCKERLAB_LANG", None)
    child = pexpect.spawn(DOCKERLAB, ["start", str(LAB), *extra], env=env, encoding="utf-8",
                          timeout=20, dimensions=(50, 140))
    return child


def prompt(child: pexpect.spawn, n: int) -> None:
    child.expect_exact(f"shell-demo [{n}/4] $")


def quit_shell(child: pexpect.spawn, word: str) -> None:
    child.sendline(word)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_french_session_from_first_to_last_step(state_root, tmp_path):
    child = start(state_root, tmp_path)
    try:
        child.expect_exact("Un conteneur en arrière-plan")
        prompt(child, 1)
        child.sendline("docker run busybox echo coucou")
        child.expect_exact("coucou")
        child.expect_exact("Aucun conteneur « veille » basé sur busybox ne tourne.")
        prompt(child, 1)
        child.sendline("indice")
        child.expect_exact("Indice 1/2")
        prompt(child, 1)
        child.sendline("docker run -d --name veille busybox sleep 300")
        child.expect_exact("✓ Étape réussie")
        prompt(child, 1)
        child.sendline("suivant")
        prompt(child, 2)
        child.sendline("solution")
        child.expect_exact("echo bonjour > salut.txt")
        prompt(child, 2)
        child.sendline("echo bonjour > salut.txt && cat salut.txt")
        child.expect_exact("✓ Étape réussie")
        child.sendline("suivant")
        prompt(child, 3)
        child.sendline("1")
        child.expect_exact("Mauvaise réponse")
        child.sendline("réponse 2")
        child.expect_exact("Bonne réponse")
        child.expect_exact("✓ Étape réussie")
        child.sendline("suivant")
        prompt(child, 4)
        child.sendline("docker run -ti --name boite busybox sh")
        child.expect_exact("/ # ")
        child.sendline("echo dedans-$((6*7))")
        child.expect_exact("dedans-42")
        child.send("\x10\x11")  # Ctrl-P Ctrl-Q: detach, the shell comes back
        child.expect_exact("✓ Étape réussie")
        child.expect_exact("4/4 étapes réussies")
        prompt(child, 4)
        quit_shell(child, "quitter")
    finally:
        child.close(force=True)
    saved = json.loads((state_root.root / "progress" / "eleve" / "shell-demo.json").read_text())
    assert saved["step"] == 3 and len(saved["done"]) == 4
    assert (tmp_path / "salut.txt").read_text() == "bonjour\n"

    again = start(state_root, tmp_path)
    try:
        again.expect_exact("Reprise à l'étape 4/4")
        prompt(again, 4)
        again.sendline("docker ps --format '{{.Names}}'")
        again.expect_exact("boite")  # still running after the detach
        quit_shell(again, "exit")
    finally:
        again.close(force=True)

    fresh = start(state_root, tmp_path, "--reset")
    try:
        fresh.expect_exact("Un conteneur en arrière-plan")
        prompt(fresh, 1)
        quit_shell(fresh, "quitter")
    finally:
        fresh.close(force=True)


def test_english_session_and_resume(state_root, tmp_path):
    child = start(state_root, tmp_path, "--lang", "en")
    try:
        child.expect_exact("A container in the background")
        prompt(child, 1)
        child.sendline("docker run -d --name autre busybox sleep 300")
        child.expect_exact("No busybox container called 'veille' is running.")
        child.sendline("hint")
        child.expect_exact("Hint 1/2: --name gives the container a name.")
        child.sendline("docker run -d --name veille busybox sleep 300")
        child.expect_exact("✓ Step complete!")
        child.sendline("next")
        prompt(child, 2)
        child.sendline("mkdir -p sub && cd sub && pwd")
        child.expect_exact(str(tmp_path / "sub"))
        child.sendline("check")
        child.expect_exact("salut.txt does not contain 'bonjour'.")
        child.sendline("solution")
        child.expect_exact("echo bonjour > salut.txt")
        child.sendline("next")
        child.expect_exact("This step is not complete yet")
        prompt(child, 3)
        child.sendline("next")
        prompt(child, 4)
        child.sendline("docker run -it --name boite busybox sh")
        child.expect_exact("/ # ")
        child.send("\x10\x11")
        child.expect_exact("✓ Step complete!")
        prompt(child, 4)
        quit_shell(child, "exit")
    finally:
        child.close(force=True)
    again = start(state_root, tmp_path, "--lang", "en")
    try:
        again.expect_exact("Resuming at step 4/4")
        again.expect_exact("A terminal in a container ✓")
        prompt(again, 4)
        again.sendline("prev")
        again.expect_exact("A question")
        prompt(again, 3)
        quit_shell(again, "quit")
    finally:
        again.close(force=True)
    saved = json.loads((state_root.root / "progress" / "eleve" / "shell-demo.json").read_text())
    assert saved["step"] == 2 and saved["done"] == ["detache", "interactif"]
    assert saved["hints"] == {"detache": 1} and saved["solutions"] == ["fichier"]
