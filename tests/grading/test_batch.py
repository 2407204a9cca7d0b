"""The instructor's batch: finding submissions, one row each whatever happens, every report written."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import nbformat
import pytest
from factories import FakeExecutor, write_answer, write_notebook

from autograder.core import cache
from autograder.core.assignment import Assignment, load
from autograder.grading.batch import BatchError, BatchResult, expand, grade_all
from autograder.grading.pipeline import grade
from autograder.reports import formats as report
from tests.conftest import TESTS
from tests.sandbox import cgroup_parents

NOTEBOOK_FILES = {"feedback.ipynb", "feedback-notebook.html"}
"""Only a graded submission's: a rejected file has no notebook to hand back."""
REPORT_FILES = {"report.json", "student.json", "results.json", "feedback.txt", "feedback.md", "feedback.html",
                *NOTEBOOK_FILES}


@pytest.fixture(scope="module")
def assignment() -> Assignment:
    return load("autograph")


def run_batch(
    paths: list[Path], assignment: Assignment, out: Path, executor: FakeExecutor | None = None
) -> tuple[BatchResult, list[str]]:
    lines: list[str] = []
    result = grade_all(paths, assignment, executor or FakeExecutor(), out, progress=lines.append)
    return result, lines


def csv_rows(out: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((out / "grades.csv").read_text(encoding="utf-8"))))


# -- expand -----------------------------------------------------------------------------------


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{}", encoding="utf-8")
    return path


def test_folder_expands_recursively_to_notebooks_skipping_dot_folders(tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    a = touch(subs / "a.ipynb")
    b = touch(subs / "team" / "b.ipynb")
    touch(subs / ".ipynb_checkpoints" / "a-checkpoint.ipynb")
    touch(subs / "team" / ".git" / "c.ipynb")
    touch(subs / "notes.txt")

    assert expand([str(subs)]) == [a, b]


def test_files_are_kept_as_given_whatever_their_name(tmp_path: Path) -> None:
    notes = touch(tmp_path / "notes.txt")
    nb = touch(tmp_path / "z.ipynb")

    assert expand([str(nb), str(notes)]) == [nb, notes]


def test_globs_are_expanded_and_sorted(tmp_path: Path) -> None:
    b = touch(tmp_path / "g" / "b.ipynb")
    a = touch(tmp_path / "g" / "a.ipynb")
    touch(tmp_path / "g" / "a.txt")
    deep = touch(tmp_path / "g" / "x" / "c.ipynb")

    assert expand([str(tmp_path / "g" / "*.ipynb")]) == [a, b]
    assert expand([str(tmp_path / "g" / "**" / "*.ipynb")]) == [a, b, deep]


def test_missing_path_is_kept_so_it_gets_a_row(tmp_path: Path) -> None:
    missing = tmp_path / "ghost.ipynb"
    empty_glob = tmp_path / "none-*.ipynb"

    assert expand([str(missing), str(empty_glob)]) == [missing, empty_glob]


def test_duplicates_are_listed_once_in_first_seen_order(tmp_path: Path) -> None:
    a = touch(tmp_path / "a.ipynb")
    b = touch(tmp_path / "b.ipynb")

    assert expand([str(b), str(tmp_path), str(a)]) == [b, a]


# -- grade_all --------------------------------------------------------------------------------


def test_every_submission_gets_all_reports_and_a_csv_row(tmp_path: Path, assignment: Assignment) -> None:
    good = write_answer(tmp_path / "in" / "alice.ipynb")
    broken = tmp_path / "in" / "bob.ipynb"
    broken.write_text("not json", encoding="utf-8")
    missing = tmp_path / "in" / "carol.ipynb"
    out = tmp_path / "out"

    result, _ = run_batch([good, broken, missing], assignment, out)

    assert result.out_dir == out
    assert [g.result.status for g in result.rows] == ["graded", "rejected", "rejected"]
    assert {p.name for p in (out / "submissions" / "alice").iterdir()} == REPORT_FILES
    for name in ("bob", "carol"):
        assert {p.name for p in (out / "submissions" / name).iterdir()} == REPORT_FILES - NOTEBOOK_FILES, name
    rows = csv_rows(out)
    assert [(r["submission"], r["status"], r["score"], r["max_score"]) for r in rows] == [
        (str(good), "graded", "11", "11"),
        (str(broken), "rejected", "0", "11"),
        (str(missing), "rejected", "0", "11"),
    ]
    assert [r["q1"] for r in rows] == ["3", "0", "0"]


def test_report_contents_match_the_graded_result(tmp_path: Path, assignment: Assignment) -> None:
    good = write_answer(tmp_path / "alice.ipynb")
    out = tmp_path / "out"

    result, _ = run_batch([good], assignment, out)

    (graded,) = result.rows
    folder = out / "submissions" / "alice"
    instructor = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    student = json.loads((folder / "student.json").read_text(encoding="utf-8"))
    gradescope = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    assert set(instructor.pop("cache")) == {"submission_sha256", "checks_sha256", "grader_sha256"}
    assert instructor == json.loads(json.dumps(report.submission_report(graded.result, graded.score)))
    assert "q1_hidden" in {c["name"] for c in instructor["checks"]}
    assert "q1_hidden" not in json.dumps(student)
    assert gradescope["score"] == 11
    feedback = (folder / "feedback.txt").read_text(encoding="utf-8")
    assert feedback.startswith(f"{good} (autograph): 11 / 11 points")
    assert "q1_hidden" not in feedback


def test_same_file_name_in_two_folders_gets_two_report_folders(tmp_path: Path, assignment: Assignment) -> None:
    first = write_answer(tmp_path / "section-a" / "alice.ipynb")
    second = write_answer(tmp_path / "section-b" / "alice.ipynb")
    third = write_answer(tmp_path / "section-c" / "alice.ipynb")
    out = tmp_path / "out"

    run_batch([first, second, third], assignment, out)

    submissions = [
        json.loads((out / "submissions" / folder / "report.json").read_text(encoding="utf-8"))["submission"]
        for folder in ("alice", "alice-2", "alice-3")
    ]
    assert submissions == [str(first), str(second), str(third)]


def test_grader_bug_becomes_a_row_and_the_batch_goes_on(tmp_path: Path, assignment: Assignment) -> None:
    paths = [write_answer(tmp_path / f"{name}.ipynb") for name in ("alice", "bob", "carol")]
    executor = FakeExecutor(errors={"bob.ipynb": RuntimeError("boom in the grader")})
    out = tmp_path / "out"

    result, _ = run_batch(paths, assignment, out, executor)

    assert [g.result.status for g in result.rows] == ["graded", "grader_error", "graded"]
    bob = result.rows[1]
    assert bob.result.message == "Grader error: RuntimeError: boom in the grader"
    assert (bob.score.earned, bob.score.points) == (0, 11)
    assert len(executor.calls) == 3
    assert [r["status"] for r in csv_rows(out)] == ["graded", "grader_error", "graded"]
    assert "boom" not in (out / "submissions" / "bob" / "student.json").read_text(encoding="utf-8")
    assert "boom" in (out / "submissions" / "bob" / "report.json").read_text(encoding="utf-8")


def test_progress_is_reported_once_per_submission(tmp_path: Path, assignment: Assignment) -> None:
    good = write_answer(tmp_path / "alice.ipynb")
    broken = tmp_path / "bob.ipynb"
    broken.write_text("nope", encoding="utf-8")

    _, lines = run_batch([good, broken], assignment, tmp_path / "out")

    assert len(lines) == 2
    assert lines[0].startswith("[1/2] alice.ipynb: 11/11 (graded); elapsed ")
    assert lines[1].startswith("[2/2] bob.ipynb: 0/11 (rejected); elapsed ")
    assert lines[1].endswith(" s left")


def test_empty_batch_writes_a_csv_with_only_the_header(tmp_path: Path, assignment: Assignment) -> None:
    result, lines = run_batch([], assignment, tmp_path / "out")

    assert result.rows == () and lines == []
    assert (tmp_path / "out" / "grades.csv").read_text(encoding="utf-8").startswith("submission,status,")
    assert csv_rows(tmp_path / "out") == []


def test_report_folders_stay_inside_the_output_folder(tmp_path: Path, assignment: Assignment) -> None:
    sneaky = write_answer(tmp_path / "in" / "...ipynb")
    out = tmp_path / "deep" / "out"

    run_batch([sneaky], assignment, out)

    assert not (tmp_path / "deep" / "report.json").exists()


# -- submissions named like the batch's own files -----------------------------------------------


@pytest.mark.parametrize("names", [("grades.csv", "class.html", "changes.csv", "submissions"),
                                   ("GRADES.CSV", "class.html.bak")])
def test_submissions_named_like_the_batchs_files_get_folders_of_their_own(tmp_path, assignment, names):
    paths = [write_answer(tmp_path / "in" / f"{name}.ipynb") for name in names]
    out = tmp_path / "out"

    for run in ("first", "rerun"):
        result, _ = run_batch(paths, assignment, out)

        assert [g.result.status for g in result.rows] == ["graded"] * len(names), run
        assert {p.name for p in out.iterdir()} == {"grades.csv", "class.html", "changes.csv", "checks.csv",
                                                       "submissions"}, run
        assert (out / "grades.csv").is_file() and (out / "class.html").is_file()
        assert [r["submission"] for r in csv_rows(out)] == [str(p) for p in paths]
        for name in names:
            assert {p.name for p in (out / "submissions" / name).iterdir()} == REPORT_FILES
    assert result.reused == len(names)


def test_an_older_output_folder_with_a_grades_csv_folder_is_refused_before_grading(tmp_path, assignment):
    out = tmp_path / "out"
    (out / "grades.csv").mkdir(parents=True)  # where tfgrade before out/submissions/ put grades.csv.ipynb's reports
    executor = FakeExecutor()

    with pytest.raises(BatchError, match="grades.csv is a folder .* Move that folder away or choose another --out"):
        run_batch([write_answer(tmp_path / "alice.ipynb")], assignment, out, executor)

    assert executor.calls == []


# -- resuming ---------------------------------------------------------------------------------


class InterruptingExecutor(FakeExecutor):
    """Grades normally until ``stop_after`` calls, then the instructor presses Ctrl-C."""

    stop_after: int = 2

    def run(self, notebook, assignment, *, include_hidden, language):
        if len(self.calls) >= self.stop_after:
            raise KeyboardInterrupt
        return super().run(notebook, assignment, include_hidden=include_hidden, language=language)


def _three(tmp_path: Path) -> list[Path]:
    return [write_answer(tmp_path / "subs" / f"{name}.ipynb") for name in ("ann", "ben", "cy")]


def test_rerun_reuses_unchanged_results_and_regrades_changed_ones(tmp_path, assignment):
    paths, out = _three(tmp_path), tmp_path / "out"
    first, _ = run_batch(paths, assignment, out)
    paths[1].write_text(paths[1].read_text().replace("math.pi", "math.e"))
    again = FakeExecutor()
    second, lines = run_batch(paths, assignment, out, again)
    assert [c.notebook.path.name for c in again.calls] == ["ben.ipynb"]
    assert second.reused == 2
    assert sum("reused earlier result" in line for line in lines) == 2
    assert [g.score for g in second.rows] == [g.score for g in first.rows]


def test_a_report_of_another_schema_version_is_regraded_not_crashed_on(tmp_path, assignment):
    paths, out = _three(tmp_path), tmp_path / "out"
    first, _ = run_batch(paths, assignment, out)
    stored = out / "submissions" / "ben" / "report.json"
    stored.write_text(stored.read_text(encoding="utf-8").replace('"schema_version": 1,', '"schema_version": 0,', 1))
    again = FakeExecutor()
    second, _ = run_batch(paths, assignment, out, again)
    assert [c.notebook.path.name for c in again.calls] == ["ben.ipynb"]
    assert second.reused == 2 and [g.score for g in second.rows] == [g.score for g in first.rows]
    assert json.loads(stored.read_text(encoding="utf-8"))["schema_version"] == 1


def test_a_rerun_that_names_rows_by_student_id_renames_reused_rows_without_grading_them(tmp_path, assignment):
    paths, out = _three(tmp_path), tmp_path / "out"
    run_batch(paths, assignment, out)
    again = FakeExecutor()

    result = grade_all(paths, assignment, again, out, progress=lambda _: None, student_id=lambda p: p.stem.upper())

    assert again.calls == [] and result.reused == 3
    assert [r["student_id"] for r in csv_rows(out)] == ["ANN", "BEN", "CY"]
    stored = json.loads((out / "submissions" / "ben" / "report.json").read_text(encoding="utf-8"))
    assert stored["submission"] == "BEN"
    assert json.loads((out / "submissions" / "ben" / "student.json").read_text(encoding="utf-8"))["submission"] == "BEN"


def test_changed_checks_regrade_everything(tmp_path, assignment, monkeypatch):
    paths, out = _three(tmp_path), tmp_path / "out"
    run_batch(paths, assignment, out)
    monkeypatch.setattr("autograder.core.cache.checks_key", lambda _a: "checks were edited")
    again = FakeExecutor()
    assert run_batch(paths, assignment, out, again)[0].reused == 0
    assert len(again.calls) == 3


def test_interrupted_batch_finishes_on_rerun_with_the_same_grades(tmp_path, assignment):
    paths = _three(tmp_path)
    run_batch(paths, assignment, tmp_path / "whole")
    with pytest.raises(KeyboardInterrupt):
        run_batch(paths, assignment, tmp_path / "halves", InterruptingExecutor())
    assert not (tmp_path / "halves" / "grades.csv").exists()
    rest = FakeExecutor()
    result, _ = run_batch(paths, assignment, tmp_path / "halves", rest)
    assert len(rest.calls) == 1 and result.reused == 2
    whole = (tmp_path / "whole" / "grades.csv").read_text()
    assert (tmp_path / "halves" / "grades.csv").read_text() == whole


def test_batch_writes_a_class_report_with_plots(tmp_path, assignment):
    run_batch(_three(tmp_path), assignment, tmp_path / "out")
    page = (tmp_path / "out" / "class.html").read_text(encoding="utf-8")
    assert page.count("<svg") >= 2 and "<rect" in page


def test_the_class_report_links_every_submission_to_the_feedback_it_reads(tmp_path, assignment):
    paths = [write_answer(tmp_path / "in" / name) for name in ("ann.ipynb", "bo b.ipynb", "cy.ipynb")]
    run_batch(paths, assignment, tmp_path / "out")

    page = (tmp_path / "out" / "class.html").read_text(encoding="utf-8")
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', page)
    assert [name for _, name in links] == [str(p) for p in paths]
    for href, _ in links:  # each link opens an existing feedback page, relative to class.html
        assert (tmp_path / "out" / unquote(href)).is_file() and href.endswith("/feedback.html"), href


# -- a real batch, killed halfway ----------------------------------------------------------------

TINY = TESTS / "fixtures" / "tiny"


def _tiny_submissions(folder: Path, count: int) -> list[Path]:
    import nbformat

    paths = []
    for i in range(count):
        nb = nbformat.v4.new_notebook(metadata={"tfgrade": {"assignment": "tiny"}})
        wrong = " + 1" if i % 3 == 0 else ""
        nb.cells = [nbformat.v4.new_code_cell("import time\ntime.sleep(1)  # long enough to be killed mid-batch"),
                    nbformat.v4.new_code_cell(f"def add(a, b):\n    return a + b{wrong}\n\n"
                                              "def mean_of(xs):\n    return sum(xs) / len(xs)")]
        paths.append(folder / f"student{i:02d}.ipynb")
        nbformat.write(nb, paths[-1])
    return paths


def _grade_command(folder: Path, out: Path) -> list[str]:
    import sys

    return [sys.executable, "-m", "autograder", "grade", str(folder), "-a", str(TINY), "-j", "1",
            "--out", str(out), "--allow-unisolated"]


@pytest.mark.slow
def test_a_batch_killed_halfway_finishes_on_rerun_with_the_grades_of_an_uninterrupted_run(tmp_path: Path) -> None:
    import signal
    import subprocess
    import time

    folder = tmp_path / "class"
    folder.mkdir()
    _tiny_submissions(folder, 6)
    whole, halves = tmp_path / "whole", tmp_path / "halves"
    subprocess.run(_grade_command(folder, whole), check=True, capture_output=True, timeout=300)

    grader = subprocess.Popen(_grade_command(folder, halves), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    reports = halves / "submissions"
    while len(list(reports.glob("*/report.json"))) < 2 and time.monotonic() < deadline and grader.poll() is None:
        time.sleep(0.05)
    grader.send_signal(signal.SIGKILL)
    grader.wait()
    done = len(list(reports.glob("*/report.json")))
    assert 2 <= done < 6 and not (halves / "grades.csv").exists()

    rerun = subprocess.run(_grade_command(folder, halves), check=True, capture_output=True, text=True, timeout=300)
    assert rerun.stderr.count("(unchanged: reused earlier result)") == done, rerun.stderr
    assert f"{done} unchanged submissions kept their earlier results; {6 - done} graded now." in rerun.stdout
    assert (halves / "grades.csv").read_text() == (whole / "grades.csv").read_text()
    # The killed grader could not remove its jobs' cgroups; the next run swept them away.
    assert [g for parent in cgroup_parents() if parent.is_dir() for g in parent.glob(f"{grader.pid}-*")] == []


# -- the bytes graded are the bytes returned -------------------------------------------------------


@dataclass
class RewritesTheFile(FakeExecutor):
    """Grades, then replaces the submitted file on disk: as a student saving again while the batch runs."""

    def run(self, notebook, assignment, *, include_hidden, language):  # type: ignore[no-untyped-def]
        write_notebook(notebook.path, "print('saved after grading')")
        return super().run(notebook, assignment, include_hidden=include_hidden, language=language)


def test_the_feedback_notebook_shows_the_bytes_that_were_graded_not_the_file_saved_since(tmp_path, assignment):
    path = write_answer(tmp_path / "subs" / "ann.ipynb")
    graded_bytes = path.read_bytes()
    result, _ = run_batch([path], assignment, tmp_path / "out", RewritesTheFile())
    folder = tmp_path / "out" / "submissions" / "ann"
    sources = [c.source for c in nbformat.read(folder / "feedback.ipynb", as_version=4).cells if c.cell_type == "code"]
    assert sources == ["import math", "x = math.pi"]
    assert "saved after grading" not in (folder / "feedback-notebook.html").read_text(encoding="utf-8")
    stored = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    assert stored["cache"][cache.SUBMISSION_KEY] == hashlib.sha256(graded_bytes).hexdigest()  # the key is of them too
    assert result.rows[0].submitted is None  # written out, not kept for the whole batch


def test_the_pipeline_grades_the_bytes_it_is_given_without_reading_the_file(tmp_path, assignment):
    data = write_answer(tmp_path / "ann.ipynb").read_bytes()
    executor = FakeExecutor()
    graded = grade(tmp_path / "gone.ipynb", assignment, executor, data=data)
    assert graded.result.status == "graded"
    assert graded.submitted == data
    assert [c.source for c in executor.calls[0].notebook.cells] == ["import math", "x = math.pi"]
