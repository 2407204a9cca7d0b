"""The built-in gradebook formats, each a pure function of :class:`~autograder.reports.gradebook.GradebookRow`
values and the assignment column's heading (docs/exports.md has a sample of each).

* :func:`canvas`  Canvas's gradebook import: ``Student,ID,SIS User ID,SIS Login ID,Section,<assignment>``
                  and a ``Points Possible`` row.
* :func:`moodle`  Moodle's grade import: id columns, ``<assignment>`` and ``<assignment> (feedback)``.
* :func:`otter`   otter-grader's ``final_grades.csv``: per-question columns, total, percent, status.
* :func:`plain`   ``student_id,<assignment>,percent,status``.

A row's points are ``score.earned`` (the final score, overrides included). Cells hold text that
students control (file names, and ids taken from them), so every text cell is made one line and
safe for a spreadsheet, as in grades.csv.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from autograder import i18n, messages
from autograder.core.scoring import Score
from autograder.reports.gradebook import GradebookRow
from autograder.reports.sentences import format_number, late_lines
from autograder.text import safe_text

CELL_LIMIT = 500
"""Characters kept of any one text cell."""
# Spreadsheets run a cell starting with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@")


def canvas(rows: Sequence[GradebookRow], column: str) -> str:
    """Canvas's gradebook import: five student columns, then the assignment's points.

    Canvas finds the student by ID (its own user id), then SIS User ID, then SIS Login ID, then the
    name; an empty cell is skipped. The second row gives the assignment's points possible. Rows with a
    grader error are left out, so Canvas keeps what it had.
    """
    lines = [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", _text(column)],
             ["Points Possible", "", "", "", "", _points_possible(rows)]]
    for row in lms_rows(rows):
        s = row.student
        lines.append([_text(s.name), _text(s.canvas_id), _text(s.student_id), _text(s.login), _text(s.section),
                      format_number(row.score.earned)])
    return _csv(lines)


def moodle(rows: Sequence[GradebookRow], column: str) -> str:
    """Moodle's grade import (Grades > Import > CSV file): the id columns the roster fills, the
    assignment's points and a feedback line per student. On import, map the id column to the Moodle
    field it holds, the points to the assignment, and the feedback column to its feedback."""
    ids = [(field, heading) for field, heading in _MOODLE_IDS if any(getattr(r.student, field) for r in rows)]
    lines = [[heading for _, heading in ids] + [_text(column), _text(f"{column} (feedback)")]]
    for row in lms_rows(rows):
        cells = [_text(getattr(row.student, field)) for field, _ in ids]
        lines.append([*cells, format_number(row.score.earned), _text(_feedback(row))])
    return _csv(lines)


_MOODLE_IDS = (("student_id", "ID number"), ("login", "Username"), ("email", "Email address"))
"""Moodle's own export headings for the fields its import can match a user on."""


def otter(rows: Sequence[GradebookRow], _column: str = "") -> str:
    """otter-grader's final_grades.csv, as ``otter grade`` writes it: ``file``, the questions in sorted
    order, ``total_points_earned``, ``percent_correct`` (a fraction to 4 places) and ``grading_status``;
    first a ``points-per-question`` row; the rows sorted by file. ``file`` holds the row's id."""
    questions = sorted({q.question for row in rows for q in row.score.questions})
    template = rows[0].score if rows else Score(0.0, 0.0, ())
    possible = {q.question: format_number(q.points) for q in template.questions}
    lines = [["file", *map(_text, questions), "total_points_earned", "percent_correct", "grading_status"],
             ["points-per-question", *(possible.get(q, "") for q in questions), format_number(template.points),
              "1", "--"]]
    for row in sorted(rows, key=lambda r: _text(r.student.id)):
        earned = {q.question: format_number(q.earned) for q in row.score.questions}
        fraction = round(row.score.earned / row.score.points, 4) if row.score.points else 0.0
        lines.append([_text(row.student.id), *(earned.get(q, "0") for q in questions),
                      format_number(row.score.earned), format_number(fraction), _text(_otter_status(row))])
    return _csv(lines)


def plain(rows: Sequence[GradebookRow], column: str) -> str:
    """``student_id,<assignment>,percent,status``: points, percent of the assignment (2 places) and the
    status (graded, rejected, grader_error, no_submission). A grader error's points are left empty."""
    lines = [["student_id", _text(column), "percent", "status"]]
    for row in rows:
        if row.status == "grader_error":
            lines.append([_text(row.student.id), "", "", row.status])
            continue
        lines.append([_text(row.student.id), format_number(row.score.earned), _percent(row.score), row.status])
    return _csv(lines)


def lms_rows(rows: Sequence[GradebookRow]) -> list[GradebookRow]:
    return [r for r in rows if r.status != "grader_error"]


def _points_possible(rows: Sequence[GradebookRow]) -> str:
    return format_number(rows[0].score.points) if rows else ""


def _percent(score: Score) -> str:
    return format_number(round(100 * score.earned / score.points, 2)) if score.points else "0"


def _feedback(row: GradebookRow) -> str:
    """One line for the student in Moodle, in the student's language: the total, each question, or why
    there is no score."""
    with i18n.using(row.result.language if row.result else None):
        total = messages.EXPORT_TOTAL.format(earned=format_number(row.score.earned),
                                             points=format_number(row.score.points))
        if row.result is None:
            return messages.EXPORT_NO_SUBMISSION.format(total=total)
        if row.result.status == "rejected":
            return messages.EXPORT_NOT_GRADED.format(total=total, reason=row.result.message)
        per_question = ", ".join(f"{q.question} {format_number(q.earned)}/{format_number(q.points)}"
                                 for q in row.score.questions)
        return " ".join([messages.EXPORT_GRADED.format(total=total, questions=per_question),
                         *late_lines(row.score.late)])


def _otter_status(row: GradebookRow) -> str:
    # otter writes "Completed", or the error that stopped grading; ours are the rejection's or grader's message.
    if row.result is None:
        return "no submission"
    return "Completed" if row.result.status == "graded" else row.result.message


def _text(value: str) -> str:
    cleaned = safe_text(value, CELL_LIMIT)
    return f"'{cleaned}" if cleaned.startswith(_FORMULA_STARTS) else cleaned


def _csv(lines: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(lines)
    return buffer.getvalue()
