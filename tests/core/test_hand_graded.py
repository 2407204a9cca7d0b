"""Hand-graded questions (``manual = true``): no check scores them, a TA does, and every output says which."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import check_result, execution, submission_result

from autograder import i18n
from autograder.core import codec, overrides, scoring
from autograder.core.assignment import AssignmentError, Question, load
from autograder.core.roster import RosterEntry
from autograder.grading.pipeline import GraderError, _expect_declared_points
from autograder.reports import exports, formats

TOML = """name = "why"
notebook = "why.ipynb"

[questions]
q1 = { points = 2, title = "A function" }
q2 = { points = 3, title = "Why is the graph faster?", manual = true, rubric = [
    "3: traced once, no Python per call", "1: says faster"] }
"""
QUESTIONS = (Question("q1", 2.0, "A function"), Question("q2", 3.0, "Why is the graph faster?", manual=True))


def scored(*rows: overrides.Override) -> scoring.Score:
    result = submission_result(check_result("f", "q1", points=2.0))
    return overrides.apply(scoring.score(result, QUESTIONS), rows)


def test_assignment_toml_declares_a_manual_question_with_its_rubric(tmp_path: Path) -> None:
    (tmp_path / "assignment.toml").write_text(TOML)
    (tmp_path / "why.ipynb").write_text("{}")
    q2 = load(tmp_path).question("q2")
    assert q2 is not None and q2.manual and q2.rubric == ("3: traced once, no Python per call", "1: says faster")
    (tmp_path / "assignment.toml").write_text(TOML.replace("manual = true, ", ""))
    with pytest.raises(AssignmentError, match="only a manual question has one"):
        load(tmp_path)


def test_no_check_may_score_it_and_its_points_need_none(tmp_path: Path) -> None:
    (tmp_path / "assignment.toml").write_text(TOML)
    (tmp_path / "why.ipynb").write_text("{}")
    assignment = load(tmp_path)
    _expect_declared_points(execution(check_result("f", "q1", points=2.0)), assignment, True)
    with pytest.raises(GraderError, match="hand-graded"):
        _expect_declared_points(execution(check_result("g", "q2", points=3.0)), assignment, True)


def test_it_counts_zero_and_waits_for_a_ta_until_a_score_is_given() -> None:
    waiting = scored()
    assert (waiting.earned, waiting.points, waiting.waiting) == (2.0, 5.0, ("q2",))
    text = formats.feedback_text(submission_result(check_result("f", "q1", points=2.0)), waiting, show_hidden=False)
    assert "q2 Why is the graph faster?: 0 / 3\n  A teaching assistant reads this answer and scores it" in text

    marked = scored(overrides.Override("alice", "q2", "2.5", "Names tracing; misses the Python overhead.", "o:2"))
    assert (marked.earned, marked.waiting) == (4.5, ())
    text = formats.feedback_text(submission_result(check_result("f", "q1", points=2.0)), marked, show_hidden=False)
    assert "  Scored by a teaching assistant: 2.5 of 3. Names tracing; misses the Python overhead." in text
    assert "changed this score" not in text
    with i18n.using("ko"):
        korean = formats.question_note(marked.questions[1])
    assert korean == "조교 채점: 3점 중 2.5점. Names tracing; misses the Python overhead."


def test_report_json_keeps_which_question_is_hand_graded() -> None:
    score = scored()
    again = codec.SCORE.loads(codec.SCORE.dumps(score))
    assert again == score and again.waiting == ("q2",)
    assert '"manual"' not in codec.QUESTION_SCORE.dumps(score.questions[0])


def test_an_export_says_plainly_when_answers_still_wait_for_a_ta() -> None:
    result = submission_result(check_result("f", "q1", points=2.0))
    rows = [exports.GradebookRow(RosterEntry(name="Ann", student_id="s1"), result, scored())]
    warnings = exports.warnings_for("csv", rows)
    assert warnings == ["1 row has hand-graded answers no TA has scored yet (q2): it counts 0 points in this "
                        "file. Score them (overrides.csv, or tfgrade review) and export again."]
    assert exports.render("csv", rows, column="why").splitlines()[1].startswith("s1,2,")
