"""How lines are run: docker in process, the rest in bash with a kept directory."""
from __future__ import annotations

from dockerlab.tutor.shell.runner import CommandRunner, is_compound


def make(tmp_path, calls):
    def docker(argv):
        calls.append(argv)
        return 0
    return CommandRunner(tmp_path, docker)


def test_cd_is_kept_between_lines(tmp_path):
    (tmp_path / "site").mkdir()
    runner = make(tmp_path, [])
    try:
        assert runner.run("cd site").exit_code == 0
        assert runner.cwd == (tmp_path / "site").resolve()
        outcome = runner.run("pwd; exit 4")
        assert outcome.output.strip() == str((tmp_path / "site").resolve())
        assert outcome.exit_code == 4
    finally:
        runner.close()


def test_docker_words_are_expanded_by_bash(tmp_path):
    calls = []
    runner = make(tmp_path, calls)
    try:
        runner.run('docker run -v "$(pwd)/site:/data" busybox')
        assert calls == [["run", "-v", f"{tmp_path}/site:/data", "busybox"]]
    finally:
        runner.close()


def test_compound_docker_lines_run_in_bash_with_dockerlabs_docker(tmp_path):
    runner = make(tmp_path, [])
    try:
        outcome = runner.run("command -v docker | wc -l; cat $(command -v docker)")
        assert "dockerlab.main" in outcome.output
        assert outcome.argv[0] == "command"
    finally:
        runner.close()


def test_is_compound():
    assert is_compound("docker ps | grep web")
    assert is_compound("docker ps > out.txt")
    assert is_compound("docker rm -f a && docker ps")
    assert not is_compound("docker run -e 'A=b|c' busybox")
    assert not is_compound("docker run -p 8080:80 nginx")
