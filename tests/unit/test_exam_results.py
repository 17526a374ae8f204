"""Exam sessions without a terminal (file and quiz checks only: no engine),
the signed result, tampering, and the exports (Moodle CSV, JSON, HTML)."""
from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from rich.console import Console

from dockerlab.tutor.exam.chain import ChainBroken, ChainLog, verify_chain
from dockerlab.tutor.exam.clock import ExamClock, clock_text
from dockerlab.tutor.exam.export import collect, csv_text, html_text, json_document
from dockerlab.tutor.exam.loader import plan_for
from dockerlab.tutor.exam.result import problems
from dockerlab.tutor.exam.run import open_exam
from dockerlab.tutor.exam.session import ExamSession, toolbar
from dockerlab.tutor.i18n import use_language
from dockerlab.tutor.shell.runner import CommandRunner

EXAM = Path(__file__).resolve().parent.parent / "data" / "exams" / "sans-moteur.yaml"
KEY = b"une-cle-de-test-suffisante"


def take(tmp_path: Path, student: str, name: str, lines: list[str],
         clock: ExamClock | None = None) -> tuple[dict, str]:
    """Run `lines` in an exam session; (the result, what the student saw)."""
    plan = plan_for(EXAM, student)
    root, workdir = tmp_path / "root", tmp_path / f"wd-{student}"
    workdir.mkdir(parents=True, exist_ok=True)
    log, real_clock = open_exam(plan, root, student, name)
    out = io.StringIO()
    runner = CommandRunner(workdir, lambda argv: 0, echo=False)
    result = tmp_path / f"{student}.json"
    session = ExamSession(plan, log, clock or real_clock, result, KEY,
                          Console(file=out, width=120), runner, None, workdir)
    with use_language("fr"):
        session.start()
        for line in [l.replace("MOT", plan.params["mot"]) for l in lines]:
            if not session.handle(line):
                break
    runner.close()
    return json.loads(result.read_text(encoding="utf-8")), out.getvalue()


def test_marks_hints_refused_and_answers_not_judged(tmp_path):
    doc, seen = take(tmp_path, "jdupont", "Jérôme Dupont",
                     ["indice", "solution", "echo MOT > f.txt", "suivant", "réponse 1",
                      "quitter", "quitter"])
    assert "« indice » n'est pas disponible ici." in seen
    assert "Réponse enregistrée : 1." in seen and "Mauvaise" not in seen
    assert [(c["step"], c["earned"]) for c in doc["checks"]] == [
        ("fichier", 1.0), ("fichier", 3.0), ("question", 0.0)]
    assert (doc["score"], doc["max"], doc["grade"], doc["reason"]) == (4.0, 6.0, 13.33,
                                                                        "handed-in")
    assert doc["time_limit_seconds"] == 1800 and doc["time_factor"] == 1.0
    assert problems(doc, KEY) == []


def test_time_factor_and_time_up(tmp_path):
    plan = plan_for(EXAM, "mlefevre")
    assert plan.exam.factor("mlefevre") == 1.5
    past = ExamClock(started=time.time() - 3600, limit_seconds=60)
    doc, seen = take(tmp_path, "mlefevre", "Marie Lefèvre", ["echo MOT > f.txt"], clock=past)
    assert "Le temps est écoulé." in seen
    assert doc["reason"] == "time"
    assert doc["time_limit_seconds"] == 2700  # 30 min x 1.5, from the exam file
    assert not (tmp_path / "wd-mlefevre" / "f.txt").exists()  # the late line did not run
    assert clock_text(65) == "01:05" and clock_text(3725) == "1:02:05"
    with use_language("en"):
        assert toolbar(ExamClock(time.time(), 1800)) in ("⏱ 30:00 left", "⏱ 29:59 left")
        assert toolbar(past) == "⏱ time is up"


def test_tampering_is_detected(tmp_path):
    doc, _ = take(tmp_path, "jdupont", "Jérôme Dupont", ["echo MOT > f.txt", "quitter",
                                                          "quitter"])
    with use_language("en"):
        assert problems(doc, b"another-key-of-the-right-size") == [
            "the signature does not verify (another key, or the file was edited)"]
        raised = dict(doc, grade=20.0)
        assert problems(raised, KEY) == [
            "the marks or names do not match the log",
            "the signature does not verify (another key, or the file was edited)"]
        edited = json.loads(json.dumps(doc))
        command = next(r for r in edited["log"] if r["kind"] == "command")
        command["line"] = "echo autre chose > f.txt"
        assert problems(edited, KEY)[0] == "the log's hash chain is broken at record " \
                                           f"{command['seq']}"
        dropped = json.loads(json.dumps(doc))
        del dropped["log"][2]
        assert problems(dropped, KEY)[0].startswith("the log's hash chain is broken")
        assert problems(doc, KEY, "autre-examen", "sha256:00")[0].startswith(
            "this result is from another exam (examen-fichiers sha256:")


def test_grade_refuses_bad_files_and_keeps_the_rest(tmp_path):
    take(tmp_path, "jdupont", "Jérôme Dupont", ["echo MOT > f.txt", "quitter", "quitter"])
    other, _ = take(tmp_path, "zngoma", "Zoé N'Goma", ["quitter", "quitter"])
    (tmp_path / "tampered.json").write_text(json.dumps(dict(other, grade=19.5)),
                                            encoding="utf-8")
    (tmp_path / "garbage.json").write_text("{]")
    paths = [tmp_path / "jdupont.json", tmp_path / "zngoma.json", tmp_path / "tampered.json",
             tmp_path / "garbage.json", tmp_path / "zngoma.json"]
    report = collect(paths, KEY)
    assert [r["student"]["id"] for r in report.rows] == ["jdupont", "zngoma"]
    assert [Path(f).name for f, _ in report.rejected] == ["tampered.json", "garbage.json",
                                                          "zngoma.json"]
    other_exam = collect(paths[:1], KEY, ("examen-fichiers", "sha256:autre-version"))
    assert other_exam.rows == [] and len(other_exam.rejected) == 1


def test_command_line_errors(tmp_path, monkeypatch, capsys):
    from dockerlab.commands import exam
    monkeypatch.delenv("DOCKERLAB_EXAM_KEY", raising=False)
    with use_language("en"):
        assert exam.run(["start", str(EXAM), "--student", "Jérôme Dupont"]) == 1
        assert "invalid student id 'Jérôme Dupont': an LMS accepts letters, digits and " \
               ". _ @ + - only" in capsys.readouterr().err
        assert exam.run(["start", str(EXAM), "--student", "jdupont"]) == 1
        assert "no exam key: give --key-file FILE or set DOCKERLAB_EXAM_KEY" in \
               capsys.readouterr().err
        short = tmp_path / "key"
        short.write_text("court\n")
        assert exam.run(["grade", "x.json", "--key-file", str(short)]) == 1
        assert "the exam key is too short" in capsys.readouterr().err
        short.write_text(KEY.decode())
        take(tmp_path, "jdupont", "Jérôme Dupont", ["quitter", "quitter"])
        out = tmp_path / "notes.csv"
        assert exam.run(["grade", str(tmp_path / "jdupont.json"), "--key-file", str(short),
                         "--csv", str(out), "--sep", ";"]) == 0
        assert out.read_text(encoding="utf-8") == \
            "identifier;name;grade\njdupont;Jérôme Dupont;0.00\n"
        assert exam.run(["grade", str(tmp_path / "jdupont.json"), str(tmp_path / "none.json"),
                         "--key-file", str(short)]) == 1
        assert "none.json: refused: not a readable result file" in capsys.readouterr().err


def test_csv_is_what_moodle_imports(tmp_path):
    take(tmp_path, "jdupont", "Jérôme Dupont", ["echo MOT > f.txt", "quitter", "quitter"])
    take(tmp_path, "agarcia", "Ana García-Núñez", ["suivant", "2", "quitter", "quitter"])
    report = collect([tmp_path / "jdupont.json", tmp_path / "agarcia.json"], KEY)
    for sep, delimiter in ((",", ","), (";", ";"), ("tab", "\t")):
        raw = csv_text(report, sep).encode("utf-8")
        assert not raw.startswith(b"\xef\xbb\xbf")  # no BOM: the first header stays clean
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8")), delimiter=delimiter))
        assert rows == [["identifier", "name", "grade"],
                        ["agarcia", "Ana García-Núñez", "6.67"],
                        ["jdupont", "Jérôme Dupont", "13.33"]]
    assert "Jérôme Dupont" in csv_text(report, ";").encode("utf-8").decode("utf-8")


def test_json_and_html_reports(tmp_path):
    take(tmp_path, "jdupont", "Jérôme Dupont", ["echo MOT > f.txt", "quitter", "quitter"])
    take(tmp_path, "agarcia", "Ana García-Núñez", ["suivant", "2", "quitter", "quitter"])
    report = collect([tmp_path / "jdupont.json", tmp_path / "agarcia.json"], KEY)
    data = json.loads(json.dumps(json_document(report), ensure_ascii=False))
    assert [s["name"] for s in data["students"]] == ["Ana García-Núñez", "Jérôme Dupont"]
    assert [(c["step"], c["check"], c["passed"], c["count"]) for c in data["checks"]] == [
        ("fichier", 1, 1, 2), ("fichier", 2, 1, 2), ("question", 1, 1, 2)]
    with use_language("fr"):
        page = html_text(report)
    assert '<table id="students">' in page and '<table id="checks">' in page
    assert '<svg id="distribution"' in page and page.count("<rect") == 10
    assert "Ana García-Núñez" in page and "Répartition des notes" in page
    assert "<script" not in page


def test_chain_log_survives_a_torn_line_and_refuses_edits(tmp_path):
    path = tmp_path / "log.jsonl"
    log = ChainLog.open(path)
    log.append("start", a=1)
    log.append("line", line="docker ps")
    with open(path, "a") as handle:
        handle.write('{"seq": 2, "kind": "li')  # the power went while writing
    again = ChainLog.open(path)
    assert again.torn and len(again.records) == 2 and verify_chain(again.records) is None
    again.append("line", line="ls")
    assert verify_chain(ChainLog.open(path).records) is None
    path.write_text(path.read_text().replace("docker ps", "docker rm"))
    with pytest.raises(ChainBroken) as err:
        ChainLog.open(path)
    assert err.value.seq == 1


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (scripts/install.sh "
                                             "installs it with the test extras)")
def test_html_report_renders_in_headless_chromium(tmp_path):
    image = pytest.importorskip("PIL.Image")
    for student, name, lines in (("jdupont", "Jérôme Dupont", ["echo MOT > f.txt"]),
                                 ("agarcia", "Ana García-Núñez", ["suivant", "2"]),
                                 ("zngoma", "Zoé N'Goma", [])):
        take(tmp_path, student, name, [*lines, "quitter", "quitter"])
    report = collect([tmp_path / f"{s}.json" for s in ("jdupont", "agarcia", "zngoma")], KEY)
    page = tmp_path / "rapport.html"
    page.write_text(html_text(report), encoding="utf-8")
    shot = tmp_path / "rapport.png"
    done = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                           "--hide-scrollbars", "--window-size=1000,1400",
                           f"--screenshot={shot}", page.as_uri()],
                          capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    pixels = image.open(shot).convert("RGB")
    counts = {colour: n for n, colour in pixels.getcolors(1000 * 1400)}
    bars = counts.get((0x2b, 0x6c, 0xb0), 0)       # the distribution chart's bars
    headers = counts.get((0xf0, 0xf3, 0xf7), 0)    # the tables' header rows
    assert bars > 3000, "no distribution chart drawn"
    assert headers > 3000, "no table drawn"
    dom = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
                          page.as_uri()], capture_output=True, timeout=60).stdout.decode()
    assert dom.count("<tr>") == 1 + 3 + 1 + 3  # header + students, header + checks
    assert "Ana García-Núñez" in dom and "Zoé N'Goma" in dom
