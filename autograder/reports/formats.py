"""Render a graded submission for each reader. Every function is pure: it returns a str or dict.

* :func:`submission_report`  the instructor's full JSON report (hidden checks included).
* :func:`student_report`     the same without hidden checks' names, messages or program output.
* :func:`gradescope_results` Gradescope's ``results.json``; hidden checks only as counts.
* :func:`grades_csv`         one row per submission, for a spreadsheet.
* :func:`console_table`      an aligned class overview for the instructor's terminal.
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

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from autograder import messages
from autograder.core import codec
from autograder.core.results import CellError, CheckResult, IntegrityFlag, SubmissionResult
from autograder.core.scoring import DECIMALS, Adjustment, LatePenalty, QuestionScore, Score
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
    "cell_error_lines",
    "console_table",
    "csv_text",
    "feedback_text",
    "flag_line",
    "format_number",
    "grades_csv",
    "gradescope_results",
    "hidden_hints",
    "hidden_summary",
    "hint_lines",
    "late_lines",
    "override_lines",
    "question_note",
    "points_text",
    "safe_text",
    "student_check_message",
    "student_report",
    "submission_report",
]

Row = tuple[SubmissionResult, Score]

def format_number(x: float) -> str:
    """``3.0`` -> ``3``, ``2.50`` -> ``2.5``, ``0.1 + 0.2`` -> ``0.3``; never ``-0``."""
    text = f"{round(x, DECIMALS):.{DECIMALS}f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


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
            for question, checks in _hidden_by_question(result, score).items()
        ],
    }


def _hidden_summary_json(question: str, checks: Sequence[CheckResult]) -> dict[str, Any]:
    return {
        "question": question,
        "hidden_checks": len(checks),
        "hidden_passed": _count_passed(checks),
        "hidden_points": _total(c.points for c in checks),
        "hidden_earned": _total(c.earned for c in checks),
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
    lines += _problem_lines(result, for_student=True)
    lines += override_lines(score, questions=True)
    lines += next_steps(result)
    return "\n".join(lines)


def _gradescope_tests(result: SubmissionResult, score: Score) -> list[dict[str, Any]]:
    tests: list[dict[str, Any]] = []
    scores = {q.question: q for q in score.questions}
    for question, checks in _checks_by_question(result, score).items():
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
    passed = _count_passed(checks)
    return {
        "name": safe_text(f"{question}: {hidden_summary(checks)}", NAME_LIMIT),
        "score": _total(c.earned for c in checks),
        "max_score": _total(c.points for c in checks),
        "status": "passed" if passed == len(checks) else "failed",
        "visibility": "visible",
        "output": "\n".join([messages.HIDDEN_NOTE.format(), *_hints_block(checks, bullet="- ")]),
    }


# -- class-wide renderers ---------------------------------------------------------------------


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
    lines += _problem_lines(result, for_student=not show_hidden)
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
    for question, checks in _checks_by_question(result, score).items():
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
        lines += [f"    {line}" for line in _hints_block(hidden, bullet="- ")]
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


# -- shared pieces ----------------------------------------------------------------------------


def override_line(adjustment: Adjustment, final: float, *, total: bool = False) -> str:
    """The sentence a student reads where an instructor changed a score: from what, to what, and why."""
    automatic, reason = format_number(adjustment.automatic), safe_text(adjustment.reason, MESSAGE_LIMIT)
    if total:
        return messages.OVERRIDE_TOTAL.format(automatic=automatic, final=format_number(final), reason=reason)
    return messages.OVERRIDE.format(automatic=automatic, final=format_number(final), reason=reason)


def question_note(q: QuestionScore) -> str:
    """What a student reads under a question besides its checks: an instructor's change of its score, or
    for a hand-graded question the TA's score and comment, or that it waits for one ("" for none)."""
    if q.manual and q.override is not None:
        return messages.HAND_SCORED.format(final=format_number(q.earned), points=format_number(q.points),
                                           reason=safe_text(q.override.reason, MESSAGE_LIMIT)).strip()
    if q.manual:
        return messages.HAND_WAITING.format()
    return override_line(q.override, q.earned) if q.override is not None else ""


def override_lines(score: Score, *, questions: bool) -> list[str]:
    """The override of the total, and with ``questions`` each question's, as ``q1: <sentence>``; then the
    late penalty, which comes after every override."""
    lines = [f"{safe_text(q.question, NAME_LIMIT)}: {override_line(q.override, q.earned)}"
             for q in score.questions if questions and q.override]
    lines += [override_line(score.override, score.earned, total=True)] if score.override else []
    return lines + late_lines(score.late)


def late_lines(late: LatePenalty | None) -> list[str]:
    """What a late submission's student reads: the time, the deadline, the rule, the points taken, and the
    instructor's change of them if any."""
    if late is None:
        return []
    cap = format_number(late.cap)
    if late.per_hour:
        rule = messages.LATE_RULE_HOUR.format(percent=format_number(late.per_hour), cap=cap)
    else:
        rule = messages.LATE_RULE_DAY.format(percent=format_number(late.per_day), cap=cap)
    if late.grace_minutes:
        rule = messages.LATE_GRACE.format(rule=rule, minutes=format_number(late.grace_minutes))
    lines = [messages.LATE.format(submitted=_when(late.submitted), deadline=_when(late.deadline), rule=rule,
                                  taken=format_number(late.taken))]
    if late.change:
        lines.append(messages.LATE_CHANGED.format(taken=format_number(late.taken),
                                                  reason=safe_text(late.waived, MESSAGE_LIMIT)))
    return lines


def _when(iso: str) -> str:
    """``2026-12-03 05:59 (UTC+09:00)``: a stored ISO 8601 time as a student reads it, in its own offset."""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return safe_text(iso, NAME_LIMIT)  # report.json is the instructor's file: show what it holds
    offset = moment.isoformat()[-6:] if moment.utcoffset() else "+00:00"
    return f"{moment:%Y-%m-%d %H:%M} (UTC{offset})"


def points_text(earned: float, points: float) -> str:
    """``"2 / 3 points"``, ``"1 / 1 point"``: a score out of some points, in the student's words."""
    out_of = format_number(points)
    return messages.POINTS.format(earned=format_number(earned), points=out_of, count=float(out_of))


def hidden_summary(hidden: Sequence[CheckResult]) -> str:
    """The one line every student renderer shows for a question's hidden checks."""
    points = points_text(_total(c.earned for c in hidden), _total(c.points for c in hidden))
    return messages.HIDDEN_SUMMARY.format(passed=_count_passed(hidden), total=len(hidden), points=points)


def hidden_hints(hidden: Sequence[CheckResult]) -> list[str]:
    """The hints of the failed checks among ``hidden``, made safe, each once, in the order of the checks.

    A hint says which requirement failed (and which habit or failed cell is behind it); several
    checks of one requirement share its hint, so a student reads it once.
    """
    hints: dict[str, None] = {}
    for check in hidden:
        if check.outcome == "failed":
            hints.update((line, None) for line in hint_lines(check))
    return list(hints)


def hint_lines(check: CheckResult) -> list[str]:
    """The lines of a check's hint, each made safe (a hint holds one thing to look at per line)."""
    lines = (safe_text(line, MESSAGE_LIMIT) for line in check.hint.splitlines())
    return [line for line in lines if line]


def _hints_block(hidden: Sequence[CheckResult], *, bullet: str) -> list[str]:
    hints = hidden_hints(hidden)
    return [messages.HIDDEN_HINTS.format(), *(bullet + hint for hint in hints)] if hints else []


def student_check_message(check: CheckResult, *, with_hints: bool = True) -> str:
    """A check's message made safe, and for a check that broke, that it is not the student's fault.

    With ``with_hints``, each line of the check's hint follows (renderers that lay hints out
    themselves leave them out).
    """
    message = safe_text(check.message, MESSAGE_LIMIT, one_line=False)
    if check.outcome == "error":
        message = f"{message}\n{messages.CHECK_BROKE_NOTE.format()}".strip()
    if with_hints and check.outcome == "failed":
        message = "\n".join([message, *(messages.HINT.format(hint=h) for h in hint_lines(check))]).strip()
    return message


def cell_error_lines(error: CellError) -> list[str]:
    """A cell that stopped, and on the next line (indented) its hint: the habit or the failed cell behind it."""
    lines = [messages.CELL_STOPPED.format(cell=error.cell, error=safe_text(error.error, CELL_ERROR_LIMIT))]
    hint = safe_text(error.hint, MESSAGE_LIMIT)
    return [*lines, "  " + messages.HINT.format(hint=hint)] if hint else lines


def submission_message(result: SubmissionResult, *, for_student: bool) -> str:
    if for_student and result.status == "grader_error":
        return messages.GRADER_ERROR_FOR_STUDENT.format()
    return result.message


def _problem_lines(result: SubmissionResult, *, for_student: bool) -> list[str]:
    """What went wrong at the submission level: status, notebook run, cell errors."""
    message = safe_text(submission_message(result, for_student=for_student), MESSAGE_LIMIT, one_line=False)
    lines: list[str] = []
    if result.status != "graded":
        lines.append(messages.NOT_GRADED_REASON.format(reason=message))
    elif message:
        lines.append(message)
    # A graded submission's message is usually the execution message itself; say it once.
    stopped = result.execution.status in ("timeout", "died")
    if stopped and result.execution.message != result.message:
        lines.append(safe_text(result.execution.message, MESSAGE_LIMIT, one_line=False))
    lines += [line for e in result.execution.cell_errors for line in cell_error_lines(e)]
    if result.flags:
        lines += [messages.INTEGRITY_REVIEW.format()] if for_student else [flag_line(f) for f in result.flags]
    return lines


def flag_line(flag: IntegrityFlag) -> str:
    """``Integrity flag (grader-import), cell 2, line 3: imports autograder``: for the instructor only."""
    return f"Integrity flag ({flag.kind}), cell {flag.cell}, line {flag.line}: {safe_text(flag.detail, MESSAGE_LIMIT)}"


def next_steps(result: SubmissionResult) -> list[str]:
    if result.status == "rejected":
        return [messages.NEXT_REJECTED.format()]
    if result.status == "grader_error":
        return [messages.NEXT_GRADER_ERROR.format()]
    outcomes = {c.outcome for c in result.checks}
    steps = []
    if result.execution.cell_errors or result.execution.status in ("timeout", "died"):
        steps.append(messages.NEXT_RUN_CLEANLY.format())
    if "failed" in outcomes:
        steps.append(messages.NEXT_FIX_FAILED.format())
    if "error" in outcomes:
        steps.append(messages.NEXT_CHECK_BROKE.format())
    return steps


def _checks_by_question(result: SubmissionResult, score: Score) -> dict[str, list[CheckResult]]:
    """Checks grouped by question: the assignment's questions in order, then any unknown ones."""
    groups: dict[str, list[CheckResult]] = {q.question: [] for q in score.questions}
    for check in result.checks:
        groups.setdefault(check.question, []).append(check)
    return groups


def _hidden_by_question(result: SubmissionResult, score: Score) -> dict[str, list[CheckResult]]:
    groups = _checks_by_question(result, score)
    hidden = {q: [c for c in checks if c.visibility == "hidden"] for q, checks in groups.items()}
    return {q: checks for q, checks in hidden.items() if checks}


def _count_passed(checks: Iterable[CheckResult]) -> int:
    return sum(1 for c in checks if c.outcome == "passed")


def _total(values: Iterable[float]) -> float:
    return round(sum(values), DECIMALS)
