"""Report renderers: what each reader sees, and what a student must never see."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from typing import Any

import pytest

from autograder import i18n, messages
from autograder.core.assignment import Question
from autograder.core.results import (
    SCHEMA_VERSION,
    CellError,
    CheckResult,
    ExecutionSummary,
    IntegrityFlag,
    Outcome,
    SubmissionResult,
    SubmissionStatus,
    Visibility,
)
from autograder.core.scoring import Score, score
from autograder.reports.feedback import feedback_html, feedback_markdown
from autograder.reports.formats import (
    console_table,
    feedback_text,
    format_number,
    grades_csv,
    gradescope_results,
    hidden_hints,
    safe_text,
    student_report,
    submission_report,
)

QUESTIONS = (
    Question(name="q1", points=3.0, title="Build the model"),
    Question(name="q2", points=2.0, title="Train it"),
)
HIDDEN_NAME = "secret_weights_are_orthogonal"
HIDDEN_MESSAGE = "expected kernel[0, 0] == 0.4242"
OUTPUT = "student printed this"


def check(
    name: str,
    question: str = "q1",
    *,
    outcome: Outcome = "passed",
    points: float = 1.0,
    earned: float | None = None,
    message: str = "",
    visibility: Visibility = "public",
) -> CheckResult:
    if earned is None:
        earned = points if outcome == "passed" else 0.0
    return CheckResult(name, question, points, earned, outcome, message, visibility)


def submission(
    *checks: CheckResult,
    name: str = "alice.ipynb",
    status: SubmissionStatus = "graded",
    message: str = "Graded.",
    cell_errors: tuple[CellError, ...] = (),
) -> SubmissionResult:
    execution = ExecutionSummary("completed", "The notebook ran to the end.", cell_errors, OUTPUT)
    return SubmissionResult(name, "autograph", status, message, execution, checks)


def mixed() -> SubmissionResult:
    """q1: one public pass, one public fail, hidden 1 of 2 passed; q2: one hidden fail."""
    return submission(
        check("shape", "q1"),
        check("activation", "q1", outcome="failed", message="Layer 2 uses sigmoid; use relu."),
        check("hidden_ok", "q1", visibility="hidden", message="fine"),
        check(HIDDEN_NAME, "q1", outcome="failed", message=HIDDEN_MESSAGE, visibility="hidden"),
        check("hidden_two", "q2", outcome="failed", points=2.0, visibility="hidden"),
        cell_errors=(CellError(4, "ZeroDivisionError: division by zero"),),
    )


def scored(result: SubmissionResult) -> tuple[SubmissionResult, Score]:
    return result, score(result, QUESTIONS)


# -- JSON reports -----------------------------------------------------------------------------


def test_instructor_report_has_everything() -> None:
    report = submission_report(*scored(mixed()))

    assert report["schema_version"] == SCHEMA_VERSION
    assert (report["score"], report["max_score"]) == (2.0, 5.0)
    assert report["questions"][0] == {
        "question": "q1",
        "title": "Build the model",
        "score": 2.0,
        "max_score": 3.0,
    }
    assert report["execution"]["output"] == OUTPUT
    assert report["execution"]["cell_errors"] == [
        {"cell": 4, "error": "ZeroDivisionError: division by zero"}
    ]
    assert HIDDEN_NAME in [c["name"] for c in report["checks"]]
    json.dumps(report)


def test_student_report_hides_hidden_checks_and_output() -> None:
    report = student_report(*scored(mixed()))
    text = json.dumps(report)

    assert HIDDEN_NAME not in text
    assert HIDDEN_MESSAGE not in text
    assert "hidden_ok" not in text
    assert OUTPUT not in text
    assert "output" not in report["execution"]
    assert [c["name"] for c in report["checks"]] == ["shape", "activation"]


def test_student_report_counts_hidden_checks_per_question() -> None:
    report = student_report(*scored(mixed()))

    assert report["hidden_checks"] == [
        {
            "question": "q1",
            "hidden_checks": 2,
            "hidden_passed": 1,
            "hidden_points": 2.0,
            "hidden_earned": 1.0,
            "hints": [],
        },
        {
            "question": "q2",
            "hidden_checks": 1,
            "hidden_passed": 0,
            "hidden_points": 2.0,
            "hidden_earned": 0.0,
            "hints": [],
        },
    ]


def test_student_report_keeps_header_of_instructor_report() -> None:
    result, total = scored(mixed())
    full, student = submission_report(result, total), student_report(result, total)

    for key in ("schema_version", "submission", "status", "message", "score", "questions"):
        assert student[key] == full[key]


def grader_error_quoting_a_hidden_check() -> SubmissionResult:
    return submission(
        check(HIDDEN_NAME, outcome="error", message=HIDDEN_MESSAGE, visibility="hidden"),
        status="grader_error",
        message=f"Grader error: the check process wrote no readable results; its log ends:\n"
        f"FAILED checks/hidden/test_q1.py::{HIDDEN_NAME} - {HIDDEN_MESSAGE}",
    )


def test_student_facing_renderers_replace_grader_error_message() -> None:
    result, total = scored(grader_error_quoting_a_hidden_check())

    for rendered in (
        json.dumps(student_report(result, total)),
        json.dumps(gradescope_results(result, total)),
        feedback_text(result, total, show_hidden=False),
    ):
        assert HIDDEN_NAME not in rendered
        assert HIDDEN_MESSAGE not in rendered
        assert "problem of its own" in rendered


def test_instructor_renderers_keep_grader_error_message() -> None:
    result, total = scored(grader_error_quoting_a_hidden_check())

    assert submission_report(result, total)["message"] == result.message
    assert HIDDEN_MESSAGE in feedback_text(result, total, show_hidden=True)
    assert "Grader error: the check process" in console_table([(result, total)])


# -- Gradescope -------------------------------------------------------------------------------


def test_gradescope_results_never_mention_hidden_details() -> None:
    text = json.dumps(gradescope_results(*scored(mixed())))

    assert HIDDEN_NAME not in text
    assert HIDDEN_MESSAGE not in text
    assert "hidden_ok" not in text
    assert OUTPUT not in text


def test_gradescope_schema() -> None:
    results = gradescope_results(*scored(mixed()))

    assert set(results) == {"score", "output", "output_format", "visibility", "tests"}
    assert results["output_format"] == "text"
    assert isinstance(results["score"], float)
    assert isinstance(results["output"], str)
    assert results["visibility"] == "visible"
    for test in results["tests"]:
        assert set(test) == {"name", "score", "max_score", "status", "visibility", "output"}
        assert isinstance(test["name"], str) and isinstance(test["output"], str)
        assert isinstance(test["score"], float) and isinstance(test["max_score"], float)
        assert test["status"] in ("passed", "failed")
        assert test["visibility"] == "visible"


def test_gradescope_tests_public_then_hidden_aggregate_per_question() -> None:
    tests = gradescope_results(*scored(mixed()))["tests"]

    assert [(t["name"], t["score"], t["max_score"], t["status"]) for t in tests] == [
        ("q1: shape", 1.0, 1.0, "passed"),
        ("q1: activation", 0.0, 1.0, "failed"),
        ("q1: Hidden checks: 1 of 2 passed (1 / 2 points).", 1.0, 2.0, "failed"),
        ("q2: Hidden checks: 0 of 1 passed (0 / 2 points).", 0.0, 2.0, "failed"),
    ]
    assert tests[1]["output"] == "Layer 2 uses sigmoid; use relu."
    assert tests[2]["output"] == "Details of hidden checks are not shown."


def test_gradescope_output_summarises_score_and_cell_errors() -> None:
    output = gradescope_results(*scored(mixed()))["output"]

    assert output.startswith("Score: 2 / 5.")
    assert "Cell 4" in output and "ZeroDivisionError" in output


def test_gradescope_rejected_explains_why_and_has_no_tests() -> None:
    result = submission(
        check("shape"),
        status="rejected",
        message="This file is not a Jupyter notebook. Upload the .ipynb file.",
    )

    results = gradescope_results(*scored(result))

    assert results["score"] == 0.0
    assert results["tests"] == []
    assert "Upload the .ipynb file." in results["output"]


def test_gradescope_strips_escapes_from_messages() -> None:
    result = submission(check("shape", outcome="failed", message="\x1b[31mred\x1b[0m text"))

    assert gradescope_results(*scored(result))["tests"][0]["output"] == "red text"


# -- CSV --------------------------------------------------------------------------------------


def test_grades_csv_round_trips_awkward_messages() -> None:
    message = 'Rejected, because "cell 3"\nis not code'
    rows = [
        scored(mixed()),
        scored(submission(name="bob, jr.ipynb", status="rejected", message=message)),
    ]

    parsed = list(csv.reader(io.StringIO(grades_csv(rows))))

    assert parsed == [
        ["submission", "status", "score", "max_score", "q1", "q2", "message", "automatic_score", "overrides", "flags"],
        ["alice.ipynb", "graded", "2", "5", "2", "0", "Graded.", "2", "", ""],
        ["bob, jr.ipynb", "rejected", "0", "5", "0", "0", message, "0", "", ""],
    ]


def test_grades_csv_defuses_spreadsheet_formulas_and_escapes() -> None:
    rows = [scored(submission(name="=HYPERLINK(1)", message="\x1b[2Jok"))]

    parsed = list(csv.reader(io.StringIO(grades_csv(rows))))

    assert parsed[1][0] == "'=HYPERLINK(1)"
    assert parsed[1][parsed[0].index("message")] == "ok"


def test_grades_csv_without_rows_is_just_a_header() -> None:
    assert grades_csv([]) == "submission,status,score,max_score,message,automatic_score,overrides,flags\n"


def test_grades_csv_of_rows_named_by_student_id_heads_its_first_column_so() -> None:
    rows = [scored(submission(name="ann"))]

    by_id, by_path = grades_csv(rows, id_column="student_id"), grades_csv(rows)

    assert by_id.startswith("student_id,status,score,max_score,q1,q2,message,automatic_score,overrides,flags\n"
                            "ann,graded,")
    assert by_id.split("\n", 1)[1] == by_path.split("\n", 1)[1]


# -- integrity flags --------------------------------------------------------------------------

FLAGS = (
    IntegrityFlag("grader-import", 2, 3, "imports autograder.wire.protocol"),
    IntegrityFlag("grader-patch", 2, 9, "replaces autograder.wire.protocol.send_message"),
    IntegrityFlag("grader-patch", 2, 10, "replaces sys.modules['\x1b[31mautograder']"),
    IntegrityFlag("interpreter-walk", 5, 1, "lists every live object (gc.get_objects)"),
)


def flagged_submission() -> SubmissionResult:
    return dataclasses.replace(mixed(), flags=FLAGS)


def test_flags_change_no_score() -> None:
    assert score(flagged_submission(), QUESTIONS) == score(mixed(), QUESTIONS)


def test_the_instructor_report_lists_every_flag_with_what_and_where() -> None:
    report = submission_report(*scored(flagged_submission()))

    assert report["flags"][0] == {"kind": "grader-import", "cell": 2, "line": 3,
                                  "detail": "imports autograder.wire.protocol"}
    assert [f["cell"] for f in report["flags"]] == [2, 2, 2, 5]
    assert "flags" not in submission_report(*scored(mixed()))


def test_grades_csv_lists_each_kind_once_per_cell_in_its_last_column() -> None:
    parsed = list(csv.DictReader(io.StringIO(grades_csv([scored(flagged_submission()), scored(mixed())]))))

    assert list(parsed[0])[-1] == "flags"
    assert parsed[0]["flags"] == "grader-import@2; grader-patch@2; interpreter-walk@5"
    assert parsed[1]["flags"] == ""
    assert parsed[0]["score"] == parsed[1]["score"]


def test_the_console_table_counts_a_rows_flags_in_its_status() -> None:
    table = console_table([scored(flagged_submission()), scored(mixed())])

    assert "graded; 1 cell error; 4 integrity flags" in table
    assert table.count("integrity flag") == 1


def test_the_instructors_terminal_says_what_each_flag_is_and_where() -> None:
    text = feedback_text(*scored(flagged_submission()), show_hidden=True)

    assert "Integrity flag (grader-import), cell 2, line 3: imports autograder.wire.protocol" in text
    assert "\x1b" not in text and "replaces sys.modules['autograder']" in text
    assert messages.INTEGRITY_REVIEW.format() not in text


def student_views(result: SubmissionResult) -> dict[str, str]:
    final = score(result, QUESTIONS)
    return {
        "student.json": json.dumps(student_report(result, final), ensure_ascii=False),
        "feedback.txt": feedback_text(result, final, show_hidden=False),
        "feedback.md": feedback_markdown(result, final),
        "feedback.html": feedback_html(result, final),
        "results.json": json.dumps(gradescope_results(result, final), ensure_ascii=False),
    }


@pytest.mark.parametrize("name", ["student.json", "feedback.txt", "feedback.md", "feedback.html", "results.json"])
def test_a_student_reads_one_neutral_line_and_nothing_of_the_flags(name: str) -> None:
    flagged, plain = student_views(flagged_submission())[name], student_views(mixed())[name]
    neutral = messages.INTEGRITY_REVIEW.format()

    assert flagged.count(neutral) == 1 and neutral not in plain
    for leak in ("grader-import", "grader-patch", "interpreter-walk", "autograder", "gc.get_objects", "sys.modules",
                 "flags"):
        assert leak not in flagged, f"{name} shows {leak!r}"


def test_student_json_says_review_instead_of_listing_flags() -> None:
    report = student_report(*scored(flagged_submission()))

    assert "flags" not in report
    assert report["review"] == messages.INTEGRITY_REVIEW.format()
    assert "review" not in student_report(*scored(mixed()))


def test_the_neutral_line_is_in_the_students_language() -> None:
    with i18n.using("ko"):
        text = feedback_text(*scored(flagged_submission()), show_hidden=False)
    assert "강사가 이 제출물을 직접 살펴볼 예정입니다." in text


# -- console table ----------------------------------------------------------------------------


def test_console_table_strips_escapes_from_names_and_messages() -> None:
    rows = [
        scored(submission(name="\x1b[31mmallory\x1b[0m.ipynb")),
        scored(submission(status="rejected", message="bad\x1b]0;pwned\x07 file\nhere")),
    ]

    table = console_table(rows)

    assert "\x1b" not in table and "\x07" not in table and "pwned" not in table
    assert "mallory.ipynb" in table
    assert "rejected: bad file here" in table


def test_console_table_columns_align_and_summary_is_last() -> None:
    rows = [
        scored(mixed()),
        scored(submission(check("shape"), check("x", "q2", points=2.0), name="b.ipynb")),
        scored(submission(status="rejected", message="Not a notebook.")),
        scored(submission(status="grader_error", message="Check process crashed.")),
    ]

    lines = console_table(rows).splitlines()

    assert lines[0].split() == ["submission", "q1", "q2", "total", "status"]
    assert "2/3" in lines[2] and "graded; 1 cell error" in lines[2]
    assert "grader error: Check process crashed." in lines[5]
    assert lines[-1] == (
        "4 submissions: 2 graded, 1 rejected, 1 grader error; graded mean 2.5 / 5"
    )


def test_console_table_right_aligns_numbers() -> None:
    rows = [
        scored(submission(check("a", points=3.0, earned=2.5), name="long-name.ipynb")),
        scored(submission(check("a", points=3.0), check("b", "q2", points=2.0), name="b.ipynb")),
    ]

    assert console_table(rows).splitlines()[:4] == [
        "submission          q1   q2  total  status",
        "---------------  -----  ---  -----  ------",
        "long-name.ipynb  2.5/3  0/2  2.5/5  graded",
        "b.ipynb            3/3  2/2    5/5  graded",
    ]


def test_console_table_without_graded_rows() -> None:
    table = console_table([scored(submission(status="rejected", message="No."))])

    assert table.splitlines()[-1].endswith("no graded submissions to average")
    assert console_table([]) == "0 submissions."


# -- feedback text ----------------------------------------------------------------------------


def test_feedback_shows_public_checks_and_hidden_counts_only() -> None:
    text = feedback_text(*scored(mixed()), show_hidden=False)

    assert "q1 Build the model: 2 / 3" in text
    assert "✓ shape" in text
    assert "✗ activation: Layer 2 uses sigmoid; use relu." in text
    assert "Hidden checks: 1 of 2 passed (1 / 2 points)." in text
    assert "Cell 4 stopped with an error: ZeroDivisionError" in text
    assert HIDDEN_NAME not in text and HIDDEN_MESSAGE not in text
    assert "What to do next:" in text


def test_feedback_show_hidden_lists_hidden_checks() -> None:
    text = feedback_text(*scored(mixed()), show_hidden=True)

    assert f"✗ [hidden] {HIDDEN_NAME}: {HIDDEN_MESSAGE}" in text
    assert "Hidden checks:" not in text


def test_feedback_for_a_clean_submission_says_so() -> None:
    text = feedback_text(*scored(submission(check("shape"))), show_hidden=False)

    assert "All checks passed." in text
    assert "What to do next" not in text


def test_feedback_for_rejected_submission_gives_reason_and_next_step() -> None:
    result = submission(status="rejected", message="Reason \x1b[1mgiven\x1b[0m here.")

    text = feedback_text(*scored(result), show_hidden=False)

    assert "Not graded: Reason given here." in text
    assert "0 / 5 points" in text
    assert "submit the notebook again" in text
    assert "\x1b" not in text
    assert "q1" not in text, "an ungraded submission has no per-question checks to list"


def test_feedback_for_grader_error_tells_student_it_is_not_their_fault() -> None:
    text = feedback_text(*scored(grader_error_quoting_a_hidden_check()), show_hidden=False)

    assert "not with your work" in text
    assert "Tell your instructor" in text


# -- helpers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(3.0, "3"), (2.5, "2.5"), (0.1 + 0.2, "0.3"), (-0.00001, "0"), (12.3456789, "12.3457")],
)
def test_format_number(value: float, expected: str) -> None:
    assert format_number(value) == expected


@pytest.mark.parametrize(
    ("raw", "kwargs", "expected"),
    [
        ("\x1b[1;31mbold red\x1b[0m", {}, "bold red"),
        ("a\x1b]8;;http://x\x07link\x1b]8;;\x07b", {}, "alinkb"),
        ("line one\r\nline\ttwo", {}, "line one line two"),
        ("line one\r\nline two", {"one_line": False}, "line one\nline two"),
        ("evil\u202egpj.ipynb", {}, "evilgpj.ipynb"),
        ("bell\x07 and nul\x00", {}, "bell and nul"),
        ("abcdefghij", {}, "abcd…"),
    ],
)
def test_safe_text(raw: str, kwargs: dict[str, Any], expected: str) -> None:
    limit = 5 if raw == "abcdefghij" else 100
    assert safe_text(raw, limit, **kwargs) == expected


# -- hints ------------------------------------------------------------------------------------

HINT = "The layer must accept inputs of any shape."
HABIT = messages.HABIT_VIS_UTILS.format()


def hinted() -> SubmissionResult:
    """q1: two failed hidden checks of one requirement, one passed; a public check with a habit's hint."""
    def with_hint(c: CheckResult, hint: str, requirement: str = "q1-any-shape") -> CheckResult:
        return CheckResult(c.name, c.question, c.points, c.earned, c.outcome, c.message, c.visibility, "",
                           requirement, hint)

    return submission(
        with_hint(check("imports", "q1", outcome="failed", message="`draw_model` is not defined."), HABIT, ""),
        with_hint(check("secret_a", "q1", outcome="failed", message=HIDDEN_MESSAGE, visibility="hidden"), HINT),
        with_hint(check("secret_b", "q1", outcome="failed", message=HIDDEN_MESSAGE, visibility="hidden"),
                  f"{HINT}\n{HABIT}"),
        with_hint(check("secret_c", "q1", visibility="hidden"), "A passed check's hint."),
        cell_errors=(CellError(2, "ModuleNotFoundError: No module named 'keras.utils.vis_utils'", HABIT),),
    )


def test_the_hints_of_failed_hidden_checks_are_listed_once_each_in_order() -> None:
    hidden = [c for c in hinted().checks if c.visibility == "hidden"]
    assert hidden_hints(hidden) == [HINT, HABIT]


def test_text_feedback_shows_hints_next_to_hidden_counts_checks_and_cell_errors() -> None:
    text = feedback_text(*scored(hinted()), show_hidden=False)

    assert f"  Hint: {HABIT}" in text.split("q1 Build the model")[0]  # after the cell error
    assert f"`draw_model` is not defined.\n    Hint: {HABIT}" in text
    block = text.split("Hidden checks:")[1]
    assert f"{messages.HIDDEN_HINTS.format()}\n    - {HINT}\n    - {HABIT}" in block
    assert HIDDEN_MESSAGE not in text and "secret_" not in text and "A passed check's hint." not in text


def test_the_instructors_terminal_shows_each_checks_requirement() -> None:
    text = feedback_text(*scored(hinted()), show_hidden=True)

    assert f"✗ [hidden] secret_a (q1-any-shape): {HIDDEN_MESSAGE}" in text


def test_gradescope_puts_the_hints_in_the_hidden_test_and_the_cell_hint_in_the_summary() -> None:
    results = gradescope_results(*scored(hinted()))

    hidden_test = next(t for t in results["tests"] if "Hidden checks" in t["name"])
    assert hidden_test["output"].splitlines()[1:] == [messages.HIDDEN_HINTS.format(), f"- {HINT}", f"- {HABIT}"]
    assert f"Hint: {HABIT}" in results["output"]
    assert HIDDEN_MESSAGE not in json.dumps(results)
