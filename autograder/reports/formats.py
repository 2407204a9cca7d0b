"""Render a graded submission for each reader. Every function is pure: it returns a str or dict.

* :func:`submission_report`  the instructor's full JSON report (hidden checks included).
* :func:`student_report`     the same without hidden checks' names, messages or program output.
* :func:`gradescope_results` Gradescope's ``results.json``; hidden checks only as counts.
* :func:`grades_csv`         one row per submission, for a spreadsheet.
* :func:`console_table`      an aligned class overview for the instructor's terminal.

(These two live in :mod:`autograder.reports.class_tables`, the sentences all of them share in
:mod:`autograder.reports.sentences`; every name stays importable from here.)
* :func:`feedback_text`      one submission's feedback for a terminal.

Wherever a student reads about a question's hidden checks, they also read the hints of the failed ones
(:func:`hidden_hints`: which requirement failed, never a hidden check's name, message, details
or inputs), and wherever they read a cell's error or a public check's message, its hint follows.

Integrity flags (:mod:`autograder.core.integrity`) are the instructor's: report.json, grades.csv's
``flags`` column and the instructor's terminal say what and where; everything a student reads says
only :data:`autograder.messages.INTEGRITY_REVIEW`.

Submission names and messages can carry text the student controls (file names, exception text),
so every text renderer passes them through :func:`safe_text` first. What a student reads comes
from :mod:`autograder.messages`; the instructor's console table and CSV keep their own words. The JSON reports keep text
as is: JSON escaping already makes it harmless there, and the instructor's copy should be exact.
A grader error's message is written for the instructor and may quote check logs, so
student-facing renderers replace it with a plain sentence.
See docs/report-schema.md for the JSON and CSV layouts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from autograder import messages
from autograder.core import codec
from autograder.core.results import CheckResult, SubmissionResult
from autograder.core.scoring import DECIMALS, Adjustment, QuestionScore, Score

# The class-wide renderers and the shared sentences live in modules of their own; their names stay importable
# from here, where the renderers' callers read them.
from autograder.reports.class_tables import (
    FLAGS_COLUMN,
    LATE_COLUMNS,
    OVERRIDE_COLUMNS,
    ROSTER_COLUMN,
    STUDENT_ID_COLUMN,
    SUBMISSION_COLUMN,
    Row,
    console_table,
    flags_cell,
    grades_csv,
)
from autograder.reports.sentences import (
    cell_error_lines,
    checks_by_question,
    count_passed,
    flag_line,
    format_number,
    hidden_by_question,
    hidden_hints,
    hidden_summary,
    hint_lines,
    hints_block,
    late_lines,
    next_steps,
    override_line,
    override_lines,
    points_text,
    problem_lines,
    question_note,
    student_check_message,
    submission_message,
    total_of,
)
from autograder.text import (  # kept importable from here: the renderers' callers read them here
    CELL_ERROR_LIMIT,
    MESSAGE_LIMIT,
    NAME_LIMIT,
    REASON_LIMIT,
    csv_text,
    display_width,
    safe_text,
)

__all__ = [
    "CELL_ERROR_LIMIT",
    "FLAGS_COLUMN",
    "LATE_COLUMNS",
    "MESSAGE_LIMIT",
    "NAME_LIMIT",
    "OVERRIDE_COLUMNS",
    "REASON_LIMIT",
    "ROSTER_COLUMN",
    "STUDENT_ID_COLUMN",
    "SUBMISSION_COLUMN",
    "Row",
    "cell_error_lines",
    "console_table",
    "csv_text",
    "display_width",
    "feedback_text",
    "flags_cell",
    "flag_line",
    "format_number",
    "grades_csv",
    "gradescope_results",
    "hidden_hints",
    "hidden_summary",
    "hint_lines",
    "late_lines",
    "next_steps",
    "override_line",
    "override_lines",
    "question_note",
    "points_text",
    "safe_text",
    "student_check_message",
    "submission_message",
    "student_report",
    "submission_report",
]


# -- JSON reports -----------------------------------------------------------------------------


def submission_report(result: SubmissionResult, score: Score) -> dict[str, Any]:
    """The instructor's full report: every check, hidden ones included, and the program output.

    Its layout is :data:`autograder.core.codec.REPORT`, which the cache reads back.
    """
    return codec.REPORT.encode(codec.Report(result, score))


INSTRUCTOR_ONLY_EXECUTION = ("output", "isolation")
"""Fields of the execution summary that student.json leaves out."""
INSTRUCTOR_ONLY = ("flags",)
"""Fields of the report that student.json leaves out: a flagged submission has ``review`` instead."""


def student_report(result: SubmissionResult, score: Score) -> dict[str, Any]:
    """The report a student may see: hidden checks only as per-question counts, no output, no flag."""
    full = {k: v for k, v in submission_report(result, score).items() if k not in INSTRUCTOR_ONLY}
    return {
        **full,
        **({"review": messages.INTEGRITY_REVIEW.format()} if result.flags else {}),
        "message": submission_message(result, for_student=True),
        "execution": {k: v for k, v in full["execution"].items() if k not in INSTRUCTOR_ONLY_EXECUTION},
        "checks": [codec.CHECK.encode(c) for c in result.checks if c.visibility == "public"],
        "hidden_checks": [
            _hidden_summary_json(question, checks)
            for question, checks in hidden_by_question(result, score).items()
        ],
    }


def _hidden_summary_json(question: str, checks: Sequence[CheckResult]) -> dict[str, Any]:
    return {
        "question": question,
        "hidden_checks": len(checks),
        "hidden_passed": count_passed(checks),
        "hidden_points": total_of(c.points for c in checks),
        "hidden_earned": total_of(c.earned for c in checks),
        "hints": hidden_hints(checks),
    }


# -- Gradescope -------------------------------------------------------------------------------


def gradescope_results(result: SubmissionResult, score: Score) -> dict[str, Any]:
    """Gradescope's ``results.json``: the total, a short summary, and one test per public check.

    Hidden checks appear as one aggregated test per question. A submission that was not graded
    gets no tests, only the reason in ``output``, so no check can show points the total lacks.
    """
    return {
        "score": score.earned,
        "output": _gradescope_output(result, score),
        "output_format": "text",  # never let HTML from a student's error message render
        "visibility": "visible",
        "tests": _gradescope_tests(result, score) if result.status == "graded" else [],
    }


def _gradescope_output(result: SubmissionResult, score: Score) -> str:
    lines = [messages.GRADESCOPE_SCORE.format(earned=format_number(score.earned), points=format_number(score.points))]
    lines += problem_lines(result, for_student=True)
    lines += override_lines(score, questions=True)
    lines += next_steps(result)
    return "\n".join(lines)


def _gradescope_tests(result: SubmissionResult, score: Score) -> list[dict[str, Any]]:
    tests: list[dict[str, Any]] = []
    scores = {q.question: q for q in score.questions}
    for question, checks in checks_by_question(result, score).items():
        tests += [_gradescope_check(c) for c in checks if c.visibility == "public"]
        hidden = [c for c in checks if c.visibility == "hidden"]
        if hidden:
            tests.append(_gradescope_hidden(question, hidden))
        q = scores.get(question)
        if q is not None and q.override is not None:
            tests.append(_gradescope_override(f"{question}: ", q.override, q.earned, total=False))
    if score.override is not None:
        tests.append(_gradescope_override("", score.override, score.earned, total=True))
    return tests


def _gradescope_override(prefix: str, adjustment: Adjustment, final: float, *, total: bool) -> dict[str, Any]:
    """An instructor's change as a test worth what it changed, so the tests still add up to the score."""
    return {
        "name": safe_text(prefix + messages.OVERRIDE_TEST.format(), NAME_LIMIT),
        "score": round(final - adjustment.automatic, DECIMALS),
        "max_score": 0,
        "status": "passed",
        "visibility": "visible",
        "output": override_line(adjustment, final, total=total),
    }


def _gradescope_check(check: CheckResult) -> dict[str, Any]:
    return {
        "name": safe_text(f"{check.question}: {check.name}", NAME_LIMIT),
        "score": check.earned,
        "max_score": check.points,
        "status": "passed" if check.outcome == "passed" else "failed",
        "visibility": "visible",
        "output": student_check_message(check),
    }


def _gradescope_hidden(question: str, checks: Sequence[CheckResult]) -> dict[str, Any]:
    passed = count_passed(checks)
    return {
        "name": safe_text(f"{question}: {hidden_summary(checks)}", NAME_LIMIT),
        "score": total_of(c.earned for c in checks),
        "max_score": total_of(c.points for c in checks),
        "status": "passed" if passed == len(checks) else "failed",
        "visibility": "visible",
        "output": "\n".join([messages.HIDDEN_NOTE.format(), *hints_block(checks, bullet="- ")]),
    }



# -- one submission, for a terminal -----------------------------------------------------------


def feedback_text(result: SubmissionResult, score: Score, *, show_hidden: bool) -> str:
    """Per-question scores, each public check with its message, and what to do next.

    Hidden checks appear as counts unless ``show_hidden``, which is for the instructor's own
    terminal and so also shows a grader error's full message. A submission that was not graded
    shows only the reason: its questions have no checks to list.
    """
    name = safe_text(result.submission, NAME_LIMIT)
    total = points_text(score.earned, score.points)
    lines = [f"{name} ({safe_text(result.assignment, NAME_LIMIT)}): {total}"]
    lines += problem_lines(result, for_student=not show_hidden)
    # A graded submission shows a question's override under the question; otherwise there are no questions shown.
    lines += override_lines(score, questions=result.status != "graded")
    if result.status == "graded":
        lines += _question_blocks(result, score, show_hidden=show_hidden)
    steps = next_steps(result)
    if steps:
        lines += ["", f"{messages.HEADING_NEXT.format()}:", *(f"  - {step}" for step in steps)]
    elif result.status == "graded" and result.checks:
        lines += ["", messages.NO_CHECK_FAILED.format()]
    return "\n".join(lines) + "\n"


def _question_blocks(result: SubmissionResult, score: Score, *, show_hidden: bool) -> list[str]:
    titles = {q.question: q for q in score.questions}
    lines: list[str] = []
    for question, checks in checks_by_question(result, score).items():
        q = titles.get(question)
        lines += ["", _question_heading(question, q)]
        note = question_note(q) if q else ""
        lines += [f"  {note}"] if note else []
        lines += _check_lines(checks, show_hidden=show_hidden)
    return lines


def _question_heading(question: str, q: QuestionScore | None) -> str:
    label = safe_text(question, NAME_LIMIT)
    if q is None:
        return f"{label}: {messages.NOT_SCORED.format()}"
    title = safe_text(q.title, NAME_LIMIT)
    heading = label if title in ("", label) else f"{label} {title}"
    return f"{heading}: {format_number(q.earned)} / {format_number(q.points)}"


def _check_lines(checks: Sequence[CheckResult], *, show_hidden: bool) -> list[str]:
    shown = [c for c in checks if show_hidden or c.visibility == "public"]
    lines = [_check_line(c, show_requirement=show_hidden) for c in shown]
    hidden = [c for c in checks if c.visibility == "hidden"]
    if hidden and not show_hidden:
        lines.append(f"  {hidden_summary(hidden)}")
        lines += [f"    {line}" for line in hints_block(hidden, bullet="- ")]
    return lines


def _check_line(check: CheckResult, *, show_requirement: bool) -> str:
    mark = "✓" if check.outcome == "passed" else "✗"
    tag = f" {messages.HIDDEN_TAG.format()}" if check.visibility == "hidden" else ""
    message = student_check_message(check)
    line = f"  {mark}{tag} {safe_text(check.name, NAME_LIMIT)}"
    if show_requirement and check.requirement:
        # The instructor's own terminal: which requirement of the text the check tests.
        line += f" ({safe_text(check.requirement, NAME_LIMIT)})"
    return f"{line}: {_indent(message, ' ' * 4)}" if message else line


def _indent(text: str, prefix: str) -> str:
    # Continuation lines of a multi-line message line up under the check they belong to.
    return text.replace("\n", "\n" + prefix)


