"""The `tfgrade` command with a fake executor: exit codes, what it prints, and where."""

from __future__ import annotations

import argparse
import csv
import io
import re
from pathlib import Path

import pytest
from factories import FakeExecutor, autograph_checks, execution, write_answer

import autograder
from autograder import cli
from autograder.cli import main, seam
from autograder.core import assignment
from autograder.grading.execution import GraderError
from tests.grading.test_batch import REPORT_FILES


@pytest.fixture
def executor(monkeypatch: pytest.MonkeyPatch) -> FakeExecutor:
    fake = FakeExecutor()
    monkeypatch.setattr(seam, "ProcessExecutor", lambda *_: fake)
    return fake


def one_line(text: str) -> str:
    return " ".join(text.split())


# -- grade ------------------------------------------------------------------------------------


def test_grade_writes_reports_and_prints_the_table(
    tmp_path: Path, executor: FakeExecutor, capsys: pytest.CaptureFixture[str]
) -> None:
    alice = write_answer(tmp_path / "subs" / "alice.ipynb")
    (tmp_path / "subs" / "bob.ipynb").write_text("garbage", encoding="utf-8")
    out = tmp_path / "out"

    code = main(["grade", str(tmp_path / "subs"), "--assignment", "autograph", "--out", str(out)])

    captured = capsys.readouterr()
    assert code == 0
    assert (out / "grades.csv").is_file()
    assert (out / "submissions" / "alice" / "report.json").is_file()
    assert (out / "submissions" / "bob" / "feedback.txt").is_file()
    assert "Grading 2 submissions for 'autograph'" in captured.err
    # Graded in parallel: progress lines come in the order submissions finish.
    assert "bob.ipynb: 0/11 (rejected)" in captured.err and "alice.ipynb: 11/11 (graded)" in captured.err
    assert "[1/2]" in captured.err and "[2/2]" in captured.err
    assert f"{alice}" in captured.out and "11/11" in captured.out
    assert "2 submissions: 1 graded, 1 rejected, 0 grader errors" in captured.out
    assert f"Grades: {out / 'grades.csv'}" in captured.out
    assert [call.include_hidden for call in executor.calls] == [True]


def test_grade_exits_1_when_the_grader_failed_on_a_submission(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeExecutor(errors={"bob.ipynb": GraderError("the check process wrote no readable results")})
    monkeypatch.setattr(seam, "ProcessExecutor", lambda *_: fake)
    paths = [str(write_answer(tmp_path / f"{n}.ipynb")) for n in ("alice", "bob")]

    code = main(["grade", *paths, "-a", "autograph", "-o", str(tmp_path / "out")])

    assert code == 1
    assert "1 grader error" in capsys.readouterr().out


def test_grade_with_failing_checks_still_exits_0(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeExecutor(execution(*autograph_checks("q1_public", "q3_hidden")))
    monkeypatch.setattr(seam, "ProcessExecutor", lambda *_: fake)
    path = write_answer(tmp_path / "alice.ipynb")

    code = main(["grade", str(path), "-a", "autograph", "-o", str(tmp_path / "out")])

    assert code == 0
    assert "8/11" in capsys.readouterr().out


def test_unknown_assignment_exits_2_listing_the_known_ones(
    tmp_path: Path, executor: FakeExecutor, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_answer(tmp_path / "alice.ipynb")
    known = ", ".join(assignment.available())

    for argv in (["grade", str(path), "-a", "nope", "-o", str(tmp_path / "out")], ["check", str(path), "-a", "nope"]):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("tfgrade: No assignment called 'nope' in the course at ")
        assert err.endswith(f"Known assignments: {known}.\n")
    assert executor.calls == []


# -- check ------------------------------------------------------------------------------------


def test_check_infers_the_assignment_and_mentions_hidden_checks(
    tmp_path: Path, executor: FakeExecutor, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_answer(tmp_path / "mine.ipynb")

    code = main(["check", str(path)])

    out = capsys.readouterr().out
    assert code == 0
    assert (executor.calls[0].assignment.name, executor.calls[0].include_hidden) == ("autograph", False)
    assert "4/4 public checks passed (all questions)" in out
    assert "hidden checks worth 8 points run when your notebook is graded" in out
    assert "All public checks passed." in out
    assert "q1_hidden" not in out


def test_check_exits_1_when_a_public_check_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeExecutor(execution(*autograph_checks("q2_public")))
    monkeypatch.setattr(seam, "ProcessExecutor", lambda *_: fake)
    path = write_answer(tmp_path / "mine.ipynb")

    code = main(["check", str(path), "--assignment", "autograph"])

    out = capsys.readouterr().out
    assert code == 1
    assert "q2_public is wrong; fix it." in out
    assert "3/4 public checks passed" in out


def test_check_exits_1_on_a_grader_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeExecutor(errors={"mine.ipynb": GraderError("the checks could not be loaded")})
    monkeypatch.setattr(seam, "ProcessExecutor", lambda *_: fake)
    path = write_answer(tmp_path / "mine.ipynb")

    code = main(["check", str(path)])

    out = capsys.readouterr().out
    assert code == 1
    assert "Hidden checks worth" not in out
    assert "problem of its own (not in your notebook)" in out


def test_check_of_a_rejected_notebook_exits_1_with_the_reason(
    tmp_path: Path, executor: FakeExecutor, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_answer(tmp_path / "mine.ipynb", assignment="functional")

    code = main(["check", str(path), "-a", "autograph"])

    assert code == 1
    assert "'functional', not 'autograph'" in capsys.readouterr().out
    assert executor.calls == []


def test_check_without_metadata_asks_for_the_assignment(
    tmp_path: Path, executor: FakeExecutor, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_answer(tmp_path / "mine.ipynb", assignment=None)

    code = main(["check", str(path)])

    err = capsys.readouterr().err
    assert code == 2
    assert "mine.ipynb does not say which assignment it is for; pass --assignment NAME" in err
    assert executor.calls == []


def test_check_of_an_unreadable_file_without_assignment_exits_2(
    tmp_path: Path, executor: FakeExecutor, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["check", str(tmp_path / "missing.ipynb")])

    assert code == 2
    assert "missing.ipynb is not a file that can be read." in capsys.readouterr().err


# -- list and help ----------------------------------------------------------------------------


def test_list_shows_assignments_and_questions(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0

    out = capsys.readouterr().out
    assert "autograph: Eager execution and AutoGraph (11 points)" in out
    assert "  q4 (2): scaled_sum: no retracing" in out


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2

    assert "tfgrade grade assignments/autograph/samples" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("command", "phrases"),
    [
        ("grade", ["public and hidden checks", "grades.csv", "results.json", "--assignment", "--out"]),
        ("check", ["public checks", "Hidden checks run only when your work is graded", "Exits 1", "--assignment"]),
    ],
)
def test_help_texts_explain_each_command(
    command: str, phrases: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main([command, "--help"])

    assert caught.value.code == 0
    text = one_line(capsys.readouterr().out)
    for phrase in phrases:
        assert phrase in text, phrase


def test_grade_refuses_to_run_unisolated_without_the_flag(tmp_path, monkeypatch, capsys):
    fake = FakeExecutor(isolated=False, isolation="not isolated (no bubblewrap)")
    monkeypatch.setattr(seam, "ProcessExecutor", lambda *_: fake)
    notebook = write_answer(tmp_path / "a.ipynb")
    assert cli.main(["grade", str(notebook), "-a", "autograph", "--out", str(tmp_path / "out")]) == 2
    assert "refusing to grade" in capsys.readouterr().err
    assert fake.calls == []
    assert cli.main(["grade", str(notebook), "-a", "autograph", "--out", str(tmp_path / "out"),
                     "--allow-unisolated"]) == 0
    assert len(fake.calls) == 1


# -- conventions: version, help, placeholders, the gradebook's first column ---------------------


def test_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--version"])

    assert caught.value.code == 0
    assert capsys.readouterr().out == f"tfgrade {autograder.__version__}\n" == "tfgrade 0.1.0\n"


def help_of(*command: str, capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as caught:
        main([*command, "--help"])
    assert caught.value.code == 0
    return capsys.readouterr().out


def test_grade_help_lists_every_file_it_writes_and_its_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    text = help_of("grade", capsys=capsys)

    files = ["grades.csv", "class.html", *(f"submissions/<name>/{f}" for f in sorted(REPORT_FILES))]
    for name in files:
        assert f"FOLDER/{name} " in text, name
    assert "FOLDER is --out" in text
    codes = text.split("exit codes:\n")[1]
    assert [line.split()[0] for line in codes.splitlines() if line[:3].strip()] == ["0", "1", "2"]
    assert "grader_error" in codes and "--allow-unisolated" in codes


def test_grade_exits_2_for_an_output_folder_it_cannot_write(
    tmp_path: Path, executor: FakeExecutor, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "out" / "grades.csv").mkdir(parents=True)

    code = main(["grade", str(write_answer(tmp_path / "a.ipynb")), "-a", "autograph", "-o", str(tmp_path / "out")])

    assert code == 2
    assert "Move that folder away or choose another --out" in one_line(capsys.readouterr().err)


def test_gradescope_run_is_hidden_from_the_help_but_still_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    top = help_of(capsys=capsys)
    usage = cli._parser().format_usage()
    ran: list[tuple[Path, str]] = []
    monkeypatch.setattr(cli.gradescope, "run", lambda root, a: ran.append((root, a.name)) or {"score": 3.0})

    code = main(["gradescope-run", "--root", str(tmp_path), "--assignment", "autograph"])

    assert "gradescope-run" not in top and "SUPPRESS" not in top and "gradescope-run" not in usage
    assert re.search(r"\n {4}gradescope\s", top) and re.search(r"\n {4}otter\s", top)  # the public ones stay
    assert code == 0 and ran == [(tmp_path, "autograph")]
    assert f"score 3.0; results in {tmp_path / 'results' / 'results.json'}" in capsys.readouterr().out
    assert "--root FOLDER" in help_of("gradescope-run", capsys=capsys)


PLACEHOLDERS = {
    "grade": {"submissions": "SUBMISSION", "--assignment": "ASSIGNMENT", "--out": "FOLDER", "--jobs": "N",
              "--student-id": "REGEX", "--scheduler": "ADDRESS", "--export": "FORMAT", "--roster": "FILE",
              "--course": "FOLDER", "--overrides": "FILE", "--lang": "LANG", "--deadline": "TIME", "--timezone": "ZONE",
              "--late-per-day": "PERCENT", "--late-per-hour": "PERCENT", "--late-cap": "PERCENT",
              "--grace-minutes": "N", "--times": "FILE"},
    "check": {"notebook": "NOTEBOOK", "--assignment": "ASSIGNMENT", "--question": "QUESTION", "--course": "FOLDER",
              "--lang": "LANG"},
    "submit": {"notebook": "NOTEBOOK", "--assignment": "ASSIGNMENT", "--out": "ZIP", "--course": "FOLDER",
               "--lang": "LANG"},
    "validate": {"assignment": "ASSIGNMENT", "--jobs": "N", "--mutants-report": "FILE", "--course": "FOLDER"},
    "gradescope": {"assignment": "ASSIGNMENT", "--out": "ZIP", "--course": "FOLDER"},
    "gradescope-run": {"--root": "FOLDER", "--assignment": "ASSIGNMENT"},
    "otter": {"assignment": "ASSIGNMENT", "--out": "ZIP", "--course": "FOLDER"},
    "list": {"--course": "FOLDER"},
    "release": {"assignment": "ASSIGNMENT", "--out": "FOLDER", "--wheel": "FILE", "--course": "FOLDER"},
    "assign": {"assignment": "ASSIGNMENT", "--course": "FOLDER"},
    "new": {"name": "ASSIGNMENT", "--lang": "LANG", "--course": "FOLDER"},
    "catalogs": {"assignment": "ASSIGNMENT", "--lang": "LANG", "--course": "FOLDER"},
    "export": {"folder": "FOLDER", "--format": "FORMAT", "--roster": "FILE", "--student-id": "REGEX",
               "--column": "NAME", "--out": "FILE"},
    "review": {"out": "FOLDER", "--overrides": "FILE", "--host": "HOST", "--port": "PORT", "--password": "PASSWORD",
               "--assignment": "ASSIGNMENT", "--submissions": "SUBMISSION", "--lang": "LANG", "--course": "FOLDER"},
}
"""One name per kind of value: a student's notebook, something to grade, an assignment, a folder, a zip."""


def shown_placeholders(parser: argparse.ArgumentParser) -> dict[str, str]:
    shown = {}
    for action in parser._actions:
        if action.nargs == 0:  # flags, --help
            continue
        name = action.option_strings[0] if action.option_strings else action.dest
        shown[name] = str(action.metavar or (action.dest if not action.option_strings else action.dest.upper()))
    return shown


def test_every_command_names_each_kind_of_value_the_same_way() -> None:
    [commands] = [a for a in cli._parser()._actions if isinstance(a, argparse._SubParsersAction)]

    assert {name: shown_placeholders(p) for name, p in commands.choices.items()} == PLACEHOLDERS


def test_with_student_ids_the_gradebook_starts_with_a_student_id_column(tmp_path: Path, executor: FakeExecutor) -> None:
    paths = [str(write_answer(tmp_path / "subs" / f"{name}_{n}_attempt.ipynb")) for n, name in enumerate(["ann", "bo"])]

    by_name = ["--student-id", r"([a-z]+)_\d+_"]
    assert main(["grade", *paths, "-a", "autograph", "-o", str(tmp_path / "ids"), *by_name]) == 0
    assert main(["grade", *paths, "-a", "autograph", "-o", str(tmp_path / "paths")]) == 0

    with_ids = list(csv.reader(io.StringIO((tmp_path / "ids" / "grades.csv").read_text(encoding="utf-8"))))
    by_path = list(csv.reader(io.StringIO((tmp_path / "paths" / "grades.csv").read_text(encoding="utf-8"))))
    assert with_ids[0][:4] == ["student_id", "status", "score", "max_score"]
    assert [row[0] for row in with_ids[1:]] == ["ann", "bo"]
    assert by_path[0][:4] == ["submission", "status", "score", "max_score"]
    assert [row[0] for row in by_path[1:]] == paths
    assert [row[1:] for row in with_ids] == [row[1:] for row in by_path]
