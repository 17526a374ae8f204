"""Chapter 3 played through in the real guided shell (`dockerlab start`), with pexpect.

The French session goes from the first step to the last with the commands a
student types (docker and host commands), sees a wrong quiz answer get its
explanation, leaves `-ti` containers with Ctrl-P Ctrl-Q (one after `apk add
curl`, one that talks to the daemon through its socket), quits and resumes
at the same step. The English session is shorter. Steps PENDING in
test_labs_chapters.py are passed over with `suivant`.
"""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pexpect
import pytest

pytestmark = pytest.mark.root

LAB = Path(__file__).resolve().parents[2] / "labs" / "chapitre3.yaml"
DOCKERLAB = str(Path(sys.executable).with_name("dockerlab"))
STEPS = 28
CIBLE_IP = "$(docker inspect -f '{{.NetworkSettings.IPAddress}}' cible)"
SOCK = "/var/run/docker.sock"
API = f"curl -s --unix-socket {SOCK} http://localhost"


class Student:
    """A terminal on `dockerlab start labs/chapitre3.yaml`."""

    def __init__(self, state_root, workdir: Path, *extra: str):
        env = dict(os.environ, DOCKERLAB_ROOT=str(state_root.root),
                   DOCKERLAB_WORKDIR=str(workdir), PROMPT_TOOLKIT_NO_CPR="1", TERM="xterm",
                   HOME=str(workdir), SUDO_USER="eleve")
        env.pop("DOCKERLAB_LANG", None)
        self.child = pexpect.spawn(DOCKERLAB, ["start", str(LAB), *extra], env=env,
                                   encoding="utf-8", timeout=30, dimensions=(60, 160))
        self.child.logfile_read = open(workdir / "session.log", "a")  # kept by pytest's tmp_path
        self.done = "✓ Étape réussie" if "en" not in extra else "✓ Step complete!"
        self.n = 1

    def at(self, n: int) -> None:
        """Wait for an empty prompt of step n (prompt_toolkit also redraws the
        prompt with the line just typed; that one is followed by a space)."""
        self.n = n
        self.child.expect(re.escape(f"chapitre3 [{n}/{STEPS}] $") + "\x1b")

    def type(self, line: str, *expect: str, prompt: bool = True) -> None:
        """Send a line, wait for each text, then for the prompt (typing ahead
        would feed the running command's input)."""
        self.child.sendline(line)
        for text in expect:
            self.child.expect_exact(text)
        if prompt:
            self.at(self.n)

    def passes(self, line: str) -> None:
        self.type(line, self.done)

    def next(self, n: int) -> None:
        self.type("suivant" if self.done.startswith("✓ Étape") else "next", prompt=False)
        self.at(n)

    def quit(self, word: str) -> None:
        self.child.sendline(word)
        self.child.expect(pexpect.EOF)
        self.child.close()
        assert self.child.exitstatus == 0

    def close(self) -> None:
        self.child.close(force=True)
        self.child.logfile_read.close()


def _first_half(s: Student) -> None:
    s.at(1)
    s.passes("docker run hello-world")
    s.next(2)
    s.type("docker run alpine echo hello", "hello")
    s.type("réponse 1 2 3 4", "Mauvaise réponse")  # the container is kept, not removed
    s.passes("réponse 1 2 3")
    s.next(3)
    s.type("docker run alpine")
    s.passes("2")
    s.next(4)
    s.type("docker run -ti alpine", "/ # ", prompt=False)
    s.type("cat /etc/issue", "Alpine", prompt=False)
    s.type("exit")
    s.passes("réponse 2")
    s.next(5)
    _apk_add_curl(s)
    s.next(6)
    s.passes(f"docker run alpine ping -c 3 {CIBLE_IP}")
    s.next(7)
    s.type(f"docker run -ti --name ping-ti alpine ping {CIBLE_IP}", "bytes from", prompt=False)
    s.child.send("\x10\x11")  # Ctrl-P Ctrl-Q: detached, the container goes on
    s.child.expect_exact(s.done)
    s.at(7)
    s.next(8)
    s.type(f"docker run -d --name ping alpine ping {CIBLE_IP}")
    s.passes("réponse 1")
    s.next(9)


def _apk_add_curl(s: Student) -> None:
    """3.9.2: apk in the alpine stand-in installs curl through the lab's package cache."""
    s.type("docker run -ti --name outils alpine", "/ # ", prompt=False)
    s.type("apk update", "OK: Debian 12", prompt=False)
    s.type("apk add curl", "Installing curl", "OK: ", prompt=False)
    s.type("curl --version", "curl 7", prompt=False)
    s.child.send("\x10\x11")  # Ctrl-P Ctrl-Q: `outils` keeps running for the checks
    s.at(s.n)
    s.passes("réponse 2")


def _daemon_socket(s: Student) -> None:
    """3.4.2 / 3.4.3: the daemon's API from a container that has its socket."""
    s.type(f"docker run -ti --name admin -v {SOCK}:{SOCK} alpine", "/ # ", prompt=False)
    s.type("apk add curl", "OK: ", prompt=False)
    s.type(f"{API}/containers/json", '"Names":["/admin"]', prompt=False)
    s.type(f"{API}/containers/create?name=depuis-admin -H 'Content-Type: application/json' "
           "-d '{\"Image\":\"busybox\",\"Cmd\":[\"sleep\",\"3600\"]}'", '{"Id":"', prompt=False)
    s.type(f"{API}/containers/depuis-admin/start -X POST", prompt=False)
    s.type(f"{API}/containers/depuis-admin/json", '"Running":true', prompt=False)
    s.child.send("\x10\x11")
    s.at(s.n)
    s.type("docker ps", "depuis-admin")
    s.type("réponse 1", "Mauvaise réponse")
    s.type("réponse 2")
    s.type("réponse 2")
    s.passes("réponse 2")
    s.next(s.n + 1)
    s.type(f"docker exec -d admin sh -c 'curl -sN --unix-socket {SOCK} "
           "http://localhost/events > /tmp/evenements'")
    s.type("sleep 1")  # curl connects in the background: a student types slower than this
    s.type("docker run --name passant busybox echo coucou", "coucou")
    s.type("docker exec admin cat /tmp/evenements", '"Action":"die"')
    s.passes("réponse 2")


def _second_half(s: Student) -> None:
    s.type("docker run -d --name web -p 8080:80 busybox httpd -f -p 80 -h /etc")
    s.passes("réponse 2")
    s.next(10)
    s.type("docker run -d --name web2 -p 8080:80 busybox httpd -f -p 80 -h /etc",
           "port is already allocated")
    s.passes("réponse 2")
    s.next(11)
    s.passes("docker run -d --name web-auto --expose 80 -P busybox httpd -f -p 80 -h /etc")
    s.next(12)
    s.passes("docker run -d --name site -v $PWD/www:/www -p 8081:80 busybox httpd -f -p 80 -h /www")
    s.next(13)
    s.passes("echo '<h1>Version 2</h1>' > www/index.html")
    s.next(14)
    s.passes("docker run -d --name site-ro "
             "--mount type=bind,src=$PWD/www,dst=/www,readonly -p 8082:80 "
             "busybox httpd -f -p 80 -h /www")
    s.next(15)
    _daemon_socket(s)
    s.next(17)
    s.passes("docker run --name gourmand --memory 32m alpine sh -c 'x=a; while true; do x=$x$x; done'")
    s.next(18)  # limite-cpu: pending (--cpus)
    s.next(19)
    s.type("ps aux | grep 'sleep 10000'")
    s.passes("réponse 2")
    s.next(20)
    s.passes("docker run -d --name dormeur2 --user nobody alpine sleep 10001")
    s.next(21)
    s.passes("docker run --rm --name jetable alpine echo au revoir")
    s.next(22)
    s.passes("docker run -d --name fragile --restart=on-failure:3 alpine sh -c 'sleep 1; exit 3'")
    s.next(23)
    s.type("docker container ls")
    s.type("docker container ls -a")
    s.type("docker container ls -a -q")
    s.passes("réponse 2")
    s.next(24)
    s.type("docker run -d -p 3000:80 busybox httpd -f -p 80 -h /etc")
    s.type("docker inspect $(docker ps -l -q)")
    s.passes("docker inspect --format '{{.Name}} {{.NetworkSettings.IPAddress}}' $(docker ps -l -q)")
    s.next(25)
    s.type("sleep 1")
    s.passes("docker logs ping")
    s.next(26)
    s.type("docker exec -ti ping sh", "/ # ", prompt=False)
    s.type("ps aux", "ping", prompt=False)
    s.type("exit")
    s.type("réponse 1")
    s.passes("réponse 2")
    s.next(27)
    s.passes("docker stop -t 1 $(docker ps -q)")  # PID 1 without a TERM handler waits -t
    s.next(28)
    s.passes("docker rm -f $(docker ps -aq)")


def test_chapter3_in_french_first_to_last_step_then_resume(state_root, tmp_path):
    s = Student(state_root, tmp_path)
    try:
        s.child.expect_exact("Premier conteneur : hello-world")
        _first_half(s)
        s.quit("quitter")
    finally:
        s.close()
    again = Student(state_root, tmp_path)
    try:
        again.child.expect_exact("Reprise à l'étape 9/28")
        again.at(9)
        _second_half(again)
        again.quit("quitter")
    finally:
        again.close()


def test_chapter3_in_english_a_few_steps_and_resume(state_root, tmp_path):
    s = Student(state_root, tmp_path, "--lang", "en")
    try:
        s.child.expect_exact("First container: hello-world")
        s.at(1)
        s.type("docker run alpine echo hi", "No hello-world container ended normally.")
        s.passes("docker run hello-world")
        s.next(2)
        s.type("docker run alpine echo hello", "hello")
        s.type("answer 1 2 3 4", "Wrong answer")
        s.passes("answer 1 2 3")
        s.next(3)
        s.quit("exit")
    finally:
        s.close()
    again = Student(state_root, tmp_path, "--lang", "en")
    try:
        again.child.expect_exact("Resuming at step 3/28")
        again.at(3)
        again.type("hint", "Hint 1/1")
        again.quit("exit")
    finally:
        again.close()
