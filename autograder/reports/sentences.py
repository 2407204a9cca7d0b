"""The sentences every renderer of one submission shares, and the counts behind them.

What a student reads about an instructor's change of a score, a late penalty, a question's hidden
checks (their count and the hints of the failed ones), a check's message, a cell that stopped, and
what to do next: :mod:`autograder.reports.formats`, :mod:`autograder.reports.feedback`, the feedback
notebook and Gradescope all say these the same way because they all take them from here. Text the
student controls passes through :func:`~autograder.text.safe_text` first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from autograder import messages
from autograder.core.results import CellError, CheckResult, IntegrityFlag, SubmissionResult
from autograder.core.scoring import DECIMALS, Adjustment, LatePenalty, QuestionScore, Score
from autograder.text import CELL_ERROR_LIMIT, MESSAGE_LIMIT, NAME_LIMIT, safe_text


def format_number(x: float) -> str:
    """``3.0`` -> ``3``, ``2.50`` -> ``2.5``, ``0.1 + 0.2`` -> ``0.3``; never ``-0``."""
    text = f"{round(x, DECIMALS):.{DECIMALS}f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


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
    points = points_text(total_of(c.earned for c in hidden), total_of(c.points for c in hidden))
    return messages.HIDDEN_SUMMARY.format(passed=count_passed(hidden), total=len(hidden), points=points)


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


def hints_block(hidden: Sequence[CheckResult], *, bullet: str) -> list[str]:
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


def problem_lines(result: SubmissionResult, *, for_student: bool) -> list[str]:
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


def checks_by_question(result: SubmissionResult, score: Score) -> dict[str, list[CheckResult]]:
    """Checks grouped by question: the assignment's questions in order, then any unknown ones."""
    groups: dict[str, list[CheckResult]] = {q.question: [] for q in score.questions}
    for check in result.checks:
        groups.setdefault(check.question, []).append(check)
    return groups


def hidden_by_question(result: SubmissionResult, score: Score) -> dict[str, list[CheckResult]]:
    groups = checks_by_question(result, score)
    hidden = {q: [c for c in checks if c.visibility == "hidden"] for q, checks in groups.items()}
    return {q: checks for q, checks in hidden.items() if checks}


def count_passed(checks: Iterable[CheckResult]) -> int:
    return sum(1 for c in checks if c.outcome == "passed")


def total_of(values: Iterable[float]) -> float:
    return round(sum(values), DECIMALS)
