"""The class at a glance: grades.csv for a spreadsheet and the aligned table for the instructor's terminal.

Both are the instructor's, so they keep their own (English) words; names and messages the student
controls are made safe (:func:`~autograder.text.safe_text`, :func:`~autograder.text.csv_text`) first.
See docs/report-schema.md for the CSV layout.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from autograder.core.results import IntegrityFlag, SubmissionResult
from autograder.core.scoring import QuestionScore, Score
from autograder.reports.sentences import format_number
from autograder.text import NAME_LIMIT, REASON_LIMIT, csv_text, display_width, safe_text

Row = tuple[SubmissionResult, Score]



SUBMISSION_COLUMN = "submission"
STUDENT_ID_COLUMN = "student_id"
"""grades.csv's first column when rows are named by student id (``tfgrade grade --student-id``)."""


def grades_csv(
    rows: Sequence[Row], *, id_column: str = SUBMISSION_COLUMN, roster_ids: Sequence[str] | None = None
) -> str:
    """``submission,status,score,max_score,<questions...>,message,automatic_score,overrides,flags``: one line each.

    The first column holds each row's name; ``id_column`` is its heading (``student_id`` when
    the names are student ids). ``score`` and the question columns are final; ``automatic_score`` is
    the total the checks gave and ``overrides`` lists the instructor's changes (empty without any);
    ``flags`` lists the integrity flags as ``kind@cell`` (empty without any; class.html says what each is).
    When a late penalty applies to any row, ``late_penalty,late_percent,submitted_at,deadline`` follow
    (docs/late.md); with ``roster_ids`` (one per row, "" for a row no roster student claims), ``roster_id`` last.
    """
    names = _question_columns(rows)
    buffer = io.StringIO()
    # "\n" rather than csv's default "\r\n": callers write this with Path.write_text, which
    # would turn "\r\n" into "\r\r\n" on Windows.
    writer = csv.writer(buffer, lineterminator="\n")
    late = any(score.late is not None for _, score in rows)
    writer.writerow(
        [id_column, "status", "score", "max_score", *map(csv_text, names), "message", *OVERRIDE_COLUMNS, FLAGS_COLUMN,
         *(LATE_COLUMNS if late else ()), *((ROSTER_COLUMN,) if roster_ids is not None else ())]
    )
    for n, (result, score) in enumerate(rows):
        earned = {q.question: format_number(q.earned) for q in score.questions}
        writer.writerow(
            [
                csv_text(result.submission),
                result.status,
                format_number(score.earned),
                format_number(score.points),
                *(earned.get(name, "") for name in names),
                csv_text(result.message),
                format_number(score.automatic),
                csv_text("; ".join(_override_cells(score))),
                flags_cell(result.flags),
                *(_late_cells(score) if late else ()),
                *((csv_text(roster_ids[n]),) if roster_ids is not None else ()),
            ]
        )
    return buffer.getvalue()


LATE_COLUMNS = ("late_penalty", "late_percent", "submitted_at", "deadline")
"""After ``flags``, only when a late penalty applies to some row: the points taken, the rule's percent, the times."""
ROSTER_COLUMN = "roster_id"
"""Last, with ``--roster``: the id of the roster student the row belongs to."""


def _late_cells(score: Score) -> list[str]:
    late = score.late
    if late is None:
        return ["", "", "", ""]
    return [format_number(late.taken), format_number(late.percent), late.submitted, late.deadline]


OVERRIDE_COLUMNS = ("automatic_score", "overrides")
"""After ``message``, so the columns before them stay where they were."""
FLAGS_COLUMN = "flags"
"""grades.csv's last column, after the overrides, for the same reason."""


def flags_cell(flags: Sequence[IntegrityFlag]) -> str:
    """``grader-import@2; grader-patch@2``: each kind once per cell, in notebook order."""
    return "; ".join(dict.fromkeys(flag.short for flag in flags))


def _override_cells(score: Score) -> list[str]:
    """``q1 +2: 3 -> 5 (regrade request)``: each override of the row, the instructor's own words."""
    changed = [(q.question, q.override, q.earned) for q in score.questions if q.override]
    changed += [("total", score.override, score.earned)] if score.override else []
    cells = [f"{name} {a.change}: {format_number(a.automatic)} -> {format_number(final)} ({a.reason})"
             for name, a, final in changed]
    late = score.late
    # A late row sets the points the penalty takes (late_penalty shows them): ``late 0 (doctor's note)``.
    return cells + ([f"late {late.change} ({late.waived})"] if late is not None and late.change else [])


def console_table(rows: Sequence[Row]) -> str:
    """An aligned table of the class: earned/points per question, total and status."""
    if not rows:
        return "0 submissions."
    names = _question_columns(rows)
    header = ["submission", *names, "total", "status"]
    body = [_table_cells(result, score, names) for result, score in rows]
    widths = [max(display_width(line[i]) for line in [header, *body]) for i in range(len(header))]
    numeric = range(1, len(names) + 2)
    lines = [_align(header, widths, numeric), _align(["-" * w for w in widths], widths, numeric)]
    lines += [_align(cells, widths, numeric) for cells in body]
    lines.append(_summary_line(rows))
    return "\n".join(lines)


def _table_cells(result: SubmissionResult, score: Score, names: Sequence[str]) -> list[str]:
    by_name = {q.question: q for q in score.questions}
    per_question = [_fraction(by_name[n]) if n in by_name else "-" for n in names]
    total = f"{format_number(score.earned)}/{format_number(score.points)}"
    return [safe_text(result.submission, NAME_LIMIT), *per_question, total, _status_cell(result)]


def _fraction(q: QuestionScore) -> str:
    return f"{format_number(q.earned)}/{format_number(q.points)}"


def _status_cell(result: SubmissionResult) -> str:
    flagged = f"; {_plural(len(result.flags), 'integrity flag')}" if result.flags else ""
    if result.status == "graded":
        errors = len(result.execution.cell_errors)
        return (f"graded; {_plural(errors, 'cell error')}" if errors else "graded") + flagged
    label = "rejected" if result.status == "rejected" else "grader error"
    return f"{label}: {safe_text(result.message, REASON_LIMIT)}{flagged}"


def _align(cells: Sequence[str], widths: Sequence[int], right: Iterable[int]) -> str:
    right_set = set(right)
    padded = []
    for i, (cell, width) in enumerate(zip(cells, widths, strict=True)):
        gap = " " * (width - display_width(cell))
        padded.append(gap + cell if i in right_set else cell + gap)
    return "  ".join(padded).rstrip()


def _summary_line(rows: Sequence[Row]) -> str:
    statuses = [result.status for result, _ in rows]
    counts = (
        f"{_plural(len(rows), 'submission')}: {statuses.count('graded')} graded, "
        f"{statuses.count('rejected')} rejected, "
        f"{_plural(statuses.count('grader_error'), 'grader error')}"
    )
    # Only graded submissions count toward the mean: a grader error says nothing about the
    # student, and rejected files are listed separately above.
    graded = [score.earned for result, score in rows if result.status == "graded"]
    if not graded:
        return f"{counts}; no graded submissions to average"
    mean = round(sum(graded) / len(graded), 1)
    return f"{counts}; graded mean {format_number(mean)} / {format_number(rows[0][1].points)}"


def _question_columns(rows: Sequence[Row]) -> list[str]:
    # Normally every row has the same questions; a union (first row's order first) keeps a
    # mismatched row visible instead of silently dropping its columns.
    names: dict[str, None] = {}
    for _, score in rows:
        names.update((q.question, None) for q in score.questions)
    return list(names)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


