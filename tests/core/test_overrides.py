"""Instructor overrides: the CSV is checked whole before anything runs, applied after the automatic
score, and shown with its reason wherever a score is shown."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from factories import FakeExecutor, autograph_checks, submission_result, write_answer

from autograder import cli
from autograder.cli import seam
from autograder.core import codec, overrides
from autograder.core.assignment import Assignment, load
from autograder.core.overrides import Override, OverridesError, apply, parse, resolve
from autograder.core.scoring import Score, score
from autograder.grading.batch import grade_all
from autograder.reports import formats as report
from autograder.reports.class_report import class_report_html
from autograder.reports.feedback import feedback_html, feedback_markdown
from tests.conftest import TESTS

QUESTIONS = {"q1": 3.0, "q2": 3.0, "q3": 3.0, "q4": 2.0}
SUBMISSIONS = {Path("subs/ann.ipynb"): "ann", Path("subs/bo.ipynb"): "bo", Path("late/bo.ipynb"): "bo-late"}


@pytest.fixture(scope="module")
def assignment() -> Assignment:
    return load("autograph")


def rows(text: str) -> tuple[Override, ...]:
    return parse("student,question,points,reason\n" + text, "overrides.csv")


def one(student: str, question: str, points: str, reason: str = "Regrade request.") -> Override:
    return Override(student, question, points, reason, "overrides.csv:2")


# -- reading the file ---------------------------------------------------------------------------


def test_rows_are_read_with_their_line_and_an_empty_question_means_the_total() -> None:
    text = ('\ufeffReason,Student,Points,Question,by\n'  # a BOM, another order, a column of the instructor's own
            '"Late, one day",ann,-1,,kim\n'
            '\n'
            '"The text of q2\nwas ambiguous.",bo,+2.5,q2,kim\n')

    found = parse(text, "o.csv")

    assert found == (
        Override("ann", "total", "-1", "Late, one day", "o.csv:2"),
        Override("bo", "q2", "+2.5", "The text of q2\nwas ambiguous.", "o.csv:4"),
    )
    assert [(o.relative, o.value) for o in found] == [(True, -1.0), (True, 2.5)]
    assert rows("ann,TOTAL,7,fine")[0].question == "total" and not rows("ann,TOTAL,7,fine")[0].relative


def test_every_bad_row_is_listed_with_its_line_and_what_to_write() -> None:
    text = "ann,q1,two,x\n,q1,1,x\nbo,q1,1,\nann,q2,nan,x\nann,q3,1e3,x\n"

    with pytest.raises(OverridesError) as raised:
        rows(text)

    message = str(raised.value)
    assert "5 rows cannot be used, so nothing was graded or written" in message
    for line, words in [(2, "'two' is not a number"), (3, "the student is empty"), (4, "the reason is empty"),
                        (5, "'nan' is not a number"), (6, "'1e3' is not a number")]:
        assert f"overrides.csv:{line}: " in message and words in message


@pytest.mark.parametrize(("text", "words"), [
    ("", "is empty"),
    ("student,points,reason\nann,1,x\n", "overrides.csv:1: the header lacks the column question"),
])
def test_a_file_without_its_header_says_which_columns_to_name(text: str, words: str) -> None:
    with pytest.raises(OverridesError, match=r"student,question,points,reason") as raised:
        parse(text, "overrides.csv")
    assert words in str(raised.value)


def test_a_file_that_is_not_utf8_or_missing_says_so(tmp_path: Path) -> None:
    latin = tmp_path / "latin.csv"
    latin.write_bytes("student,question,points,reason\nzoë,q1,1,ok\n".encode("latin-1"))

    with pytest.raises(OverridesError, match="not UTF-8 text. Save it as 'CSV UTF-8'"):
        overrides.read(latin)
    with pytest.raises(OverridesError, match="Cannot read the overrides file"):
        overrides.read(tmp_path / "missing.csv")


# -- matching rows to submissions and questions -----------------------------------------------


def test_a_student_is_the_row_name_the_path_or_a_unique_file_name() -> None:
    chosen = resolve([one("ann", "q1", "1"), one("subs/bo.ipynb", "q1", "1"), one("ann.ipynb", "q2", "+1")],
                     SUBMISSIONS, QUESTIONS)

    assert {path: [o.question for o in found] for path, found in chosen.items()} == {
        Path("subs/ann.ipynb"): ["q1", "q2"], Path("subs/bo.ipynb"): ["q1"]}


def test_unknown_or_ambiguous_students_unknown_questions_and_duplicates_are_refused_together() -> None:
    bad = [
        Override("zed", "q1", "1", "x", "o.csv:2"),
        Override("bo.ipynb", "q1", "1", "x", "o.csv:3"),  # two submissions have this file name
        Override("ann", "q9", "1", "x", "o.csv:4"),
        Override("ann", "q1", "4", "x", "o.csv:5"),  # q1 is out of 3
        Override("ann", "total", "12", "x", "o.csv:6"),  # the assignment is out of 11
        Override("ann", "q2", "+1", "x", "o.csv:7"),
        Override("subs/ann.ipynb", "q2", "-1", "x", "o.csv:8"),  # the same score again, by its path
    ]

    with pytest.raises(OverridesError) as raised:
        resolve(bad, SUBMISSIONS, QUESTIONS)

    message = str(raised.value)
    assert message.startswith("o.csv: 6 rows cannot be used")
    assert "o.csv:2: no submission of this batch is 'zed'" in message
    assert "o.csv:3: 'bo.ipynb' matches 2 submissions (subs/bo.ipynb, late/bo.ipynb)" in message
    assert "o.csv:4: the assignment has no question 'q9' (its questions: q1, q2, q3, q4)" in message
    assert "o.csv:5: points 4 is outside 0 to 3, the points of question q1." in message
    assert "o.csv:6: points 12 is outside 0 to 11, the points of the assignment." in message
    assert "o.csv:8: a second change of the same score (the first is at o.csv:7)" in message
    assert "o.csv:7" not in message.replace("the first is at o.csv:7", "")


# -- applying ---------------------------------------------------------------------------------


def automatic(*failing: str) -> Score:
    return score(submission_result(*autograph_checks(*failing)), load("autograph").questions)


def test_a_question_override_sets_or_adds_and_the_total_follows() -> None:
    before = automatic("q1_hidden", "q2_public")  # q1 1/3, q2 2/3: 8 of 11

    after = apply(before, [one("ann", "q1", "+1.5", "Partial credit."), one("ann", "q2", "3")])

    by_name = {q.question: q for q in after.questions}
    assert (by_name["q1"].earned, by_name["q1"].automatic, by_name["q1"].override.change) == (2.5, 1.0, "+1.5")
    assert (by_name["q2"].earned, by_name["q2"].automatic) == (3.0, 2.0)
    assert by_name["q3"] == {q.question: q for q in before.questions}["q3"]
    assert (after.earned, after.automatic, after.override) == (10.5, 8.0, None)


def test_changes_past_a_bound_stop_there_and_a_total_override_comes_last() -> None:
    before = automatic("q1_hidden")  # q1 1/3: 9 of 11

    after = apply(before, [one("ann", "q1", "+5"), one("ann", "q4", "-7"), one("ann", "total", "-1", "Late.")])

    by_name = {q.question: q for q in after.questions}
    assert (by_name["q1"].earned, by_name["q4"].earned) == (3.0, 0.0)
    assert after.override is not None and after.override.automatic == 9.0  # 3 + 3 + 3 + 0
    assert (after.earned, after.automatic) == (8.0, 9.0)
    assert apply(before, [one("ann", "total", "+30")]).earned == 11.0


def test_no_override_leaves_the_score_as_it_was() -> None:
    before = automatic("q3_public")

    assert apply(before, []) is before
    assert (before.automatic, before.overridden) == (before.earned, False)


def test_an_overridden_score_round_trips_through_report_json_and_an_old_report_still_reads() -> None:
    after = apply(automatic("q1_hidden"), [one("ann", "q1", "+1"), one("ann", "total", "10", "Bonus.")])
    stored = codec.Report(submission_result(*autograph_checks("q1_hidden")), after)

    document = json.loads(codec.REPORT.dumps(stored))

    assert document["override"] == {"automatic": 10.0, "points": "10", "reason": "Bonus."}
    assert document["questions"][0]["override"] == {"automatic": 1.0, "points": "+1", "reason": "Regrade request."}
    assert "override" not in document["questions"][1]
    assert codec.REPORT.loads(json.dumps(document)) == stored
    old = TESTS / "fixtures" / "reports" / "graded-schema-1.json"
    assert not codec.REPORT.loads(old.read_bytes()).score.overridden


# -- what readers see ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def overridden() -> tuple:
    result = submission_result(*autograph_checks("q2_hidden"), name="ann.ipynb")
    reason = "Regrade <b>request</b>: q2's text allowed either order."
    final = apply(score(result, load("autograph").questions),
                  [one("ann", "q2", "+2", reason), one("ann", "total", "-0.5", "Late by one day.")])
    return result, final


def test_every_student_feedback_shows_each_change_with_its_reason(overridden) -> None:
    result, final = overridden
    question = "Your instructor changed this score from 1 to 3. Reason: Regrade <b>request</b>: q2's text"
    total = "Your instructor changed your total score from 11 to 10.5. Reason: Late by one day."

    text = report.feedback_text(result, final, show_hidden=False)
    markdown = feedback_markdown(result, final)
    page = feedback_html(result, final)
    student = report.student_report(result, final)

    assert text.startswith("ann.ipynb (autograph): 10.5 / 11 points\n")
    q2 = text.split("\nq2 ")[1]
    assert q2.splitlines()[1].strip().startswith(question) and total in text
    assert "Regrade &lt;b&gt;request&lt;/b&gt;" in markdown and total in markdown
    assert "Regrade &lt;b&gt;request&lt;/b&gt;" in page and "<b>request" not in page and total in page
    assert student["score"] == 10.5 and student["override"]["automatic"] == 11.0
    assert student["questions"][1]["override"]["reason"].startswith("Regrade <b>request</b>")


def test_gradescope_tests_still_add_up_to_the_overridden_score(overridden) -> None:
    result, final = overridden

    document = report.gradescope_results(result, final)

    assert document["score"] == 10.5
    assert sum(t["score"] for t in document["tests"]) == pytest.approx(10.5)
    changed = [t for t in document["tests"] if "Changed by your instructor" in t["name"]]
    assert [(t["name"], t["score"], t["max_score"]) for t in changed] == [
        ("q2: Changed by your instructor", 2.0, 0), ("Changed by your instructor", -0.5, 0)]
    assert "Late by one day." in document["output"]


def test_grades_csv_keeps_its_first_columns_and_adds_the_automatic_score_and_the_overrides(overridden) -> None:
    result, final = overridden
    plain = submission_result(*autograph_checks(), name="bo.ipynb")

    parsed = list(csv.DictReader(io.StringIO(report.grades_csv([(result, final), (plain, automatic())]))))

    assert list(parsed[0])[:8] == ["submission", "status", "score", "max_score", "q1", "q2", "q3", "q4"]
    assert list(parsed[0])[-4:] == ["message", "automatic_score", "overrides", "flags"]
    assert (parsed[0]["score"], parsed[0]["q2"], parsed[0]["automatic_score"]) == ("10.5", "3", "9")
    assert parsed[0]["overrides"] == ("q2 +2: 1 -> 3 (Regrade <b>request</b>: q2's text allowed either order.); "
                                      "total -0.5: 11 -> 10.5 (Late by one day.)")
    assert (parsed[1]["automatic_score"], parsed[1]["overrides"]) == ("11", "")


def test_the_class_report_lists_every_override_and_none_without_any(overridden) -> None:
    result, final = overridden

    page = class_report_html([(result, final)], title="autograph")
    plain = class_report_html([(result, automatic("q2_hidden"))], title="autograph")

    assert 'id="overrides"' in page and "Overrides (2)" in page
    assert "Late by one day." in page and "Regrade &lt;b&gt;request&lt;/b&gt;" in page
    assert 'id="overrides"' not in plain


# -- in a batch -------------------------------------------------------------------------------


def test_overrides_apply_to_reused_results_and_follow_the_file(tmp_path: Path, assignment: Assignment) -> None:
    paths = [write_answer(tmp_path / "subs" / f"{name}.ipynb") for name in ("ann", "bo")]
    out = tmp_path / "out"
    grade_all(paths, assignment, FakeExecutor(), out, lambda _: None)
    again = FakeExecutor()

    result = grade_all(paths, assignment, again, out, lambda _: None, adjust=[one("bo.ipynb", "q1", "1", "Copied.")])

    assert again.calls == [] and result.reused == 2
    assert [g.score.earned for g in result.rows] == [11.0, 9.0]
    stored = json.loads((out / "submissions" / "bo" / "report.json").read_text(encoding="utf-8"))
    assert (stored["score"], stored["questions"][0]["override"]["reason"]) == (9.0, "Copied.")
    assert "Copied." in (out / "submissions" / "bo" / "feedback.txt").read_text(encoding="utf-8")


@pytest.fixture
def executor(monkeypatch: pytest.MonkeyPatch) -> FakeExecutor:
    fake = FakeExecutor()
    monkeypatch.setattr(seam, "ProcessExecutor", lambda *_: fake)
    return fake


def test_a_bad_overrides_file_stops_the_cli_before_anything_is_written(
    tmp_path: Path, executor: FakeExecutor, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = [str(write_answer(tmp_path / "subs" / f"{name}.ipynb")) for name in ("ann", "bo")]
    out = tmp_path / "out"
    assert cli.main(["grade", *paths, "-a", "autograph", "-o", str(out), "--allow-unisolated"]) == 0
    before = {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    bad = tmp_path / "overrides.csv"
    bad.write_text("student,question,points,reason\nann.ipynb,q1,+1,ok\ncarol,q1,1,Regrade.\nbo.ipynb,q7,1,x\n",
                   encoding="utf-8")
    capsys.readouterr()

    code = cli.main(["grade", *paths, "-a", "autograph", "-o", str(out), "--allow-unisolated", "--overrides", str(bad)])
    fresh = cli.main(["grade", *paths, "-a", "autograph", "-o", str(tmp_path / "new"), "--allow-unisolated",
                      "--overrides", str(bad)])

    err = capsys.readouterr().err
    assert (code, fresh) == (2, 2) and len(executor.calls) == 2  # only the first, good run graded
    assert f"{bad}:3: no submission of this batch is 'carol'" in err
    assert f"{bad}:4: the assignment has no question 'q7'" in err
    assert {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()} == before
    assert not (tmp_path / "new").exists()
