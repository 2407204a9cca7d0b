"""The desk's reading of a grading folder and its writing of overrides.csv: pure, no server, no TensorFlow."""

from __future__ import annotations

import csv
import io
import threading
from pathlib import Path

import pytest

from autograder.core import overrides
from autograder.core.assignment import Assignment
from autograder.grading.batch import grade_all
from autograder.review import decisions, desk
from autograder.review.decisions import Decision, DecisionError, save_override
from tests.review.batches import executor, graded_batch


def test_the_desk_reads_every_submission_its_scores_and_flags(
    batch: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    out, paths = batch
    read = desk.read(out, tmp_path / "overrides.csv")
    assert [(e.folder, e.name, e.current.earned) for e in read.entries] == [
        ("ann", str(paths[0]), 11.0), ("bo", str(paths[1]), 8.0), ("cy", str(paths[2]), 9.0)]
    assert read.questions == {"q1": 3.0, "q2": 3.0, "q3": 3.0, "q4": 2.0}
    assert (read.assignment, read.id_column, read.unreadable, read.overrides_problem) == (
        "autograph", "submission", (), "")
    assert [f.kind for f in read.entry("cy").result.flags] == ["grader-import"]  # type: ignore[union-attr]
    assert not any(e.pending for e in read.entries)


def test_a_damaged_report_is_listed_not_fatal(graded: tuple[Path, list[Path]]) -> None:
    out, _ = graded
    (out / "submissions" / "bo" / "report.json").write_text("{not json", encoding="utf-8")
    read = desk.read(out, None)
    assert [e.folder for e in read.entries] == ["ann", "cy"] and read.unreadable == ("bo",)


def rows_of(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_a_decision_is_a_row_the_grader_reads_and_the_desk_shows_the_new_total(
    graded: tuple[Path, list[Path]], autograph: Assignment
) -> None:
    out, paths = graded
    file = out / "overrides.csv"
    read = desk.read(out, file)
    decision = Decision("q2", "+1", "Regrade request:\n q2 allowed  either order.", "kim")  # one line, as written
    save_override(file, read, read.entry("bo"), decision)
    save_override(file, read, read.entry("cy"), Decision("", "-1", "Late by one day.", "lee"))

    assert rows_of(file) == [["student", "question", "points", "reason", "by"],
                             [str(paths[1]), "q2", "+1", "Regrade request: q2 allowed either order.", "kim"],
                             [str(paths[2]), "total", "-1", "Late by one day.", "lee"]]
    shown = desk.read(out, file)
    assert [(e.current.earned, e.pending) for e in shown.entries] == [(11.0, False), (9.0, True), (8.0, True)]
    # The grader reads the same file and writes the same totals the desk showed.
    regraded = grade_all(paths, autograph, executor(), out, lambda _: None, adjust=overrides.read(file))
    assert [g.score.earned for g in regraded.rows] == [e.current.earned for e in shown.entries]
    assert not any(e.pending for e in desk.read(out, file).entries)


def test_a_second_decision_on_a_score_replaces_its_row_and_empty_points_withdraw_it(
    batch: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    out, paths = batch
    file = tmp_path / "overrides.csv"
    file.write_text("student,points,question,reason,date\nann.ipynb,2,q4,Checked by hand.,2026-12-01\n"
                    "bo.ipynb,+1,q3,Regrade.,2026-12-02\n", encoding="utf-8")
    read = desk.read(out, file)
    assert read.entry("bo").current.earned == 9.0  # type: ignore[union-attr]

    save_override(file, read, read.entry("bo"), Decision("q3", "1", "Regrade: one point.", "kim"))
    assert rows_of(file)[1:] == [["ann.ipynb", "2", "q4", "Checked by hand.", "2026-12-01"],
                                 [str(paths[1]), "1", "q3", "Regrade: one point.", ""]]  # its columns, in its order
    assert desk.read(out, file).entry("bo").current.earned == 7.0  # type: ignore[union-attr]
    save_override(file, desk.read(out, file), read.entry("ann"), Decision("q4", " ", "", ""))
    assert rows_of(file)[1:] == [[str(paths[1]), "1", "q3", "Regrade: one point.", ""]]


@pytest.mark.parametrize(("decision", "words"), [
    (Decision("q7", "1", "Why not."), "no question 'q7'"),
    (Decision("q1", "4", "Too many."), "outside 0 to 3"),
    (Decision("q1", "lots", "Not a number."), "is not a number"),
    (Decision("q1", "1", "  "), "the reason is empty"),
])
def test_a_decision_the_grader_could_not_use_is_refused_and_nothing_is_written(
    batch: tuple[Path, list[Path]], tmp_path: Path, decision: Decision, words: str
) -> None:
    out, _ = batch
    file = tmp_path / "overrides.csv"
    file.write_text("student,question,points,reason\nann.ipynb,q4,2,Checked by hand.\n", encoding="utf-8")
    before = file.read_bytes()
    read = desk.read(out, file)
    with pytest.raises(DecisionError, match=words):
        save_override(file, read, read.entry("bo"), decision)
    assert file.read_bytes() == before


def test_concurrent_decisions_all_land(batch: tuple[Path, list[Path]], tmp_path: Path) -> None:
    """Two TAs (here eight threads) decide at once, on different scores: every row is in the file."""
    out, _ = batch
    file = tmp_path / "overrides.csv"
    read = desk.read(out, file)
    targets = [(folder, question) for folder in ("ann", "bo") for question in ("q1", "q2", "q3", "q4")]
    start = threading.Barrier(len(targets))

    def decide(folder: str, question: str) -> None:
        start.wait()
        save_override(file, read, read.entry(folder), Decision(question, "+0.5", f"Decided on {question}."))

    threads = [threading.Thread(target=decide, args=target) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    written = overrides.read(file)
    assert sorted((Path(o.student).stem, o.question) for o in written) == sorted(targets)
    assert not list(tmp_path.glob(".overrides.csv.*"))  # no temporary file left behind
    assert decisions.HEADER == ("student", "question", "points", "reason", "by")


def test_a_file_with_a_bad_row_is_shown_as_graded_with_the_problem(
    batch: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    out, _ = batch
    file = tmp_path / "overrides.csv"
    file.write_text("student,question,points,reason\ncarol,q1,1,Who?\n", encoding="utf-8")
    read = desk.read(out, file)
    assert "no submission of this batch is 'carol'" in read.overrides_problem
    assert [e.current.earned for e in read.entries] == [11.0, 8.0, 9.0]


def test_with_a_roster_rows_name_the_roster_id_and_the_late_penalty_follows_the_overrides(
    tmp_path: Path, autograph: Assignment
) -> None:
    from datetime import datetime, timedelta, timezone

    from autograder.core import late

    _, paths = graded_batch(tmp_path, autograph)
    deadline = datetime(2026, 12, 1, 23, 59, tzinfo=timezone(timedelta(hours=9)))
    due = late.Due(deadline + timedelta(hours=2), deadline, late.Rule(deadline, per_day=10))
    ids = {paths[0]: "s001", paths[1]: "s002", paths[2]: "s003"}
    out = tmp_path / "with-roster"
    grade_all(paths, autograph, executor(), out, lambda _: None, dues={paths[1]: due}, roster_ids=ids)
    file = tmp_path / "overrides.csv"
    file.write_text("student,question,points,reason\ns003,q1,+1,By hand with the roster id.\n", encoding="utf-8")
    read = desk.read(out, file)
    assert [(e.roster_id, e.current.earned) for e in read.entries] == [("s001", 11.0), ("s002", 7.2), ("s003", 10.0)]

    bo = read.entry("bo")
    assert bo is not None
    save_override(file, read, bo, Decision("q2", "+1", "Regrade request."))
    save_override(file, desk.read(out, file), bo, Decision("q2", "+2", "Regrade request, all of it."))
    rows = list(csv.reader(file.open(encoding="utf-8")))
    assert rows[1:] == [["s003", "q1", "+1", "By hand with the roster id."],
                        ["s002", "q2", "+2", "Regrade request, all of it."]]
    now = desk.read(out, file).entry("bo")
    assert now is not None and now.current.earned == 9.0 and now.current.late_taken == 1.0  # 10 less 10 %
    save_override(file, desk.read(out, file), now, Decision("late", "0", "Doctor's note."))
    waived = desk.read(out, file).entry("bo")
    assert waived is not None and (waived.current.earned, waived.current.late.waived) == (  # type: ignore[union-attr]
        10.0, "Doctor's note.")
