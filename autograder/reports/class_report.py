"""The instructor's class overview: one standalone HTML page about a whole batch.

Its charts are drawn in :mod:`.class_charts`, what its template draws is in :mod:`.class_shapes`, its words
are in :mod:`.class_words`; this module assembles the page and its tables.

:func:`class_report_html` is pure: it returns the page as a str. The page has summary numbers,
the instructor's overrides, a histogram of total scores, each question's mean, each check's pass
rate, and the most common failure messages and cell errors; its charts are inline SVG drawn here
(rects and text), with no JavaScript and nothing fetched, so the file opens from disk or an e-mail attachment.

Submissions whose source reaches into the grader come first after the summary, one row per integrity
flag (:mod:`autograder.core.integrity`): what the code does, in which cell and line.

The page shows HIDDEN checks by name with their messages and the id of the requirement each
tests (``requirements.toml``): it is for the instructor, never for students, so its words are
written here rather than in the student catalog (:mod:`autograder.messages`).
This module computes what the page says and where each chart's shapes go; the ``class.html``
template (on the shared ``base.html``, see :mod:`.pages`) lays them out and escapes every piece of
text. Text from a submission also goes through :func:`autograder.reports.formats.safe_text` first;
the page is well-formed XML.

Only graded submissions count toward the score statistics and charts: a rejected file or a
grader error says nothing about what the student knows, so those are listed with their reasons.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from autograder.core.results import CheckResult, FlagKind, SubmissionResult
from autograder.core.scoring import Adjustment, Score
from autograder.reports import class_words as words
from autograder.reports.class_charts import check_rates_csv, histogram_section, pass_rate_section, question_section
from autograder.reports.class_shapes import (
    Card,
    GroupRow,
    GroupTable,
    PlainTable,
    Section,
    StudentRow,
    StudentTable,
    percent,
)
from autograder.reports.formats import MESSAGE_LIMIT, NAME_LIMIT, format_number, safe_text
from autograder.reports.pages import render_page

__all__ = ["check_rates_csv", "class_report_html", "normalize_message"]

Row = tuple[SubmissionResult, Score]

FAILURE_ROWS = 20
"""Rows kept in each "most common" table; the rest are counted in a note below it."""
EXAMPLE_LIMIT = 400
"""Characters kept of the example message in the failure tables."""
FLAG_ROWS = 10
"""Rows kept of one submission's integrity flags; the rest are counted in one more row (report.json has all)."""


# Numbers in messages ("expected 3 got 4.5", "shape (32, 10)", "1e-3") become "#" when grouping;
# digits inside a name ("x0", "conv2d", "dense_1") are part of the name and stay.
_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")


def normalize_message(message: str) -> str:
    """``message`` with escapes removed, whitespace collapsed and every number replaced by ``#``.

    Messages that differ only in numbers (shapes, values, line or cell numbers) group together.
    """
    return _NUMBER.sub("#", safe_text(message, MESSAGE_LIMIT))


def class_report_html(rows: Sequence[Row], *, title: str, feedback: Sequence[str] = ()) -> str:
    """The class overview page for ``rows`` (one per submission), headed ``title``.

    ``feedback`` holds, per row, the address of that submission's feedback page relative to this page
    (``submissions/alice/feedback.html``); with it, the page has a table of every submission linking there.
    """
    graded = [row for row in rows if row[0].status == "graded"]
    points = rows[0][1].points if rows else 0.0
    sections = [
        _summary_section(rows, graded, points),
        _students_section(rows, feedback),
        _flags_section(rows),
        _overrides_section(rows),
        histogram_section(graded, points),
        question_section(graded),
        pass_rate_section(graded),
        _failure_section(graded),
        _cell_error_section(graded),
        _not_graded_section(rows),
    ]
    return render_page(
        "class.html", page="class-report", title=safe_text(title, NAME_LIMIT), sections=[s for s in sections if s],
        warning=words.WARNING.format(), footer=words.FOOTER.format(),
    )


# -- summary ----------------------------------------------------------------------------------


def _summary_section(rows: Sequence[Row], graded: Sequence[Row], points: float) -> Section:
    statuses = [result.status for result, _ in rows]
    scores = [score.earned for _, score in graded]
    cards = (
        Card(words.CARD_SUBMISSIONS.format(), str(len(rows)), ""),
        Card(words.CARD_GRADED.format(), str(len(graded)), ""),
        Card(words.CARD_REJECTED.format(), str(statuses.count("rejected")), ""),
        Card(words.CARD_GRADER_ERRORS.format(), str(statuses.count("grader_error")), ""),
        Card(words.CARD_MEAN.format(), *_score_card(statistics.fmean(scores) if scores else None, points)),
        Card(words.CARD_MEDIAN.format(), *_score_card(statistics.median(scores) if scores else None, points)),
    )
    return Section("summary", words.SUMMARY.format(), cards=cards + _waiting_card(rows) + _late_card(rows))


def _waiting_card(rows: Sequence[Row]) -> tuple[Card, ...]:
    """How many hand-graded answers no TA has scored yet (none: no card)."""
    waiting = [len(score.waiting) for _, score in rows if score.waiting]
    if not waiting:
        return ()
    return (Card(words.CARD_WAITING.format(), str(sum(waiting)), words.CARD_WAITING_SUB.format(count=len(waiting))),)


def _late_card(rows: Sequence[Row]) -> tuple[Card, ...]:
    """How many submissions lost points to lateness, and how many points in all (none: no card)."""
    late = [score.late_taken for _, score in rows if score.late is not None]
    if not late:
        return ()
    taken = format_number(round(sum(late), 2))
    return (Card(words.CARD_LATE.format(), str(len(late)), words.CARD_LATE_SUB.format(points=taken)),)


def _score_card(value: float | None, points: float) -> tuple[str, str]:
    if value is None:
        return "–", words.CARD_NONE.format()
    share = f" ({percent(value / points)})" if points > 0 else ""
    return format_number(round(value, 2)), words.OUT_OF.format(points=format_number(points), share=share)



# -- most common failures ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Group:
    wheres: tuple[str, ...]
    """Where the message came from (a check, or cell numbers), each once, in the order first seen."""
    examples: tuple[str, ...]
    """Every message of the group as it was shown; their count is the group's size."""


def _failure_section(graded: Sequence[Row]) -> Section | None:
    if not graded:
        return None
    heading = words.FAILURES.format()
    failures = [c for result, _ in graded for c in result.checks if c.outcome != "passed"]
    if not failures:
        return Section("failures", heading, empty=words.FAILURES_EMPTY.format())
    no_message = words.NO_MESSAGE.format()
    pairs = ((_check_where(c), safe_text(c.message, EXAMPLE_LIMIT) or no_message) for c in failures)
    table = _group_table(_groups(pairs, split_by_where=True), words.HEAD_CHECK.format(), len(graded))
    note = words.FAILURES_NOTE.format()
    return Section("failures", heading, note, table=table)


def _check_where(check: CheckResult) -> str:
    tags = [t.format() for t, on in ((words.TAG_HIDDEN, check.visibility == "hidden"),
                                     (words.TAG_BROKE, check.outcome == "error")) if on]
    requirement = f" → {safe_text(check.requirement, NAME_LIMIT)}" if check.requirement else ""
    return f"{check.question} · {check.name}" + (f" ({', '.join(tags)})" if tags else "") + requirement


def _cell_error_section(graded: Sequence[Row]) -> Section | None:
    errors = [e for result, _ in graded for e in result.execution.cell_errors]
    if not errors:
        return None
    pairs = ((str(e.cell), safe_text(e.error, EXAMPLE_LIMIT)) for e in errors)
    table = _group_table(_groups(pairs, split_by_where=False), words.HEAD_CELLS.format(), len(graded))
    note = words.CELL_ERRORS_NOTE.format()
    return Section("cell-errors", words.CELL_ERRORS.format(), note, table=table)


def _groups(pairs: Iterable[tuple[str, str]], *, split_by_where: bool) -> list[_Group]:
    """(where, message) pairs grouped by normalized message, and by where if asked; largest first."""
    grouped: dict[tuple[str, str], tuple[list[str], list[str]]] = {}
    for where, message in pairs:
        key = (where if split_by_where else "", normalize_message(message))
        wheres, messages = grouped.setdefault(key, ([], []))
        wheres.append(where)
        messages.append(message)
    groups = [_Group(tuple(dict.fromkeys(w)), tuple(m)) for w, m in grouped.values()]
    return sorted(groups, key=lambda g: -len(g.examples))


def _group_table(groups: Sequence[_Group], where: str, graded: int) -> GroupTable:
    rows = tuple(
        GroupRow(len(g.examples), ", ".join(g.wheres), g.examples[0], _variants(g.examples))
        for g in groups[:FAILURE_ROWS]
    )
    more = len(groups) - FAILURE_ROWS
    return GroupTable(
        where=where,
        rows=rows,
        share=words.SHARE.format(count=graded),
        more=words.MORE.format(count=more) if more > 0 else "",
        heads=(words.HEAD_COUNT.format(), words.HEAD_EXAMPLE.format()),
    )


def _variants(examples: Sequence[str]) -> str:
    others = len(set(examples)) - 1
    return words.VARIANTS.format(count=others) if others else ""


# -- integrity flags --------------------------------------------------------------------------

_KIND: dict[FlagKind, words.M] = {
    "grader-import": words.KIND_GRADER_IMPORT,
    "interpreter-walk": words.KIND_INTERPRETER_WALK,
    "inherited-fd": words.KIND_INHERITED_FD,
    "grader-patch": words.KIND_GRADER_PATCH,
}


def _flags_section(rows: Sequence[Row]) -> Section | None:
    """Every flagged submission, one row per flag (the first :data:`FLAG_ROWS` of each): what and where."""
    table = tuple(line for result, _ in rows for line in _flag_rows(result))
    if not table:
        return None
    head = tuple(h.format() for h in (words.HEAD_SUBMISSION, words.HEAD_FLAG, words.HEAD_CELL, words.HEAD_LINE,
                                      words.HEAD_WHAT))
    flagged = sum(1 for result, _ in rows if result.flags)
    return Section("flags", words.FLAGS.format(number=flagged), words.FLAGS_NOTE.format(),
                    table=PlainTable(head=head, rows=table))


def _flag_rows(result: SubmissionResult) -> list[tuple[str, ...]]:
    name = safe_text(result.submission, NAME_LIMIT)
    rows: list[tuple[str, ...]] = [
        (name, f"{_KIND[f.kind].format()} ({f.kind})", str(f.cell), str(f.line), safe_text(f.detail, MESSAGE_LIMIT))
        for f in result.flags[:FLAG_ROWS]
    ]
    more = len(result.flags) - FLAG_ROWS
    return rows + ([(name, words.FLAGS_MORE.format(count=more), "", "", "")] if more > 0 else [])


# -- every submission, linked to its feedback ------------------------------------------------


def _students_section(rows: Sequence[Row], feedback: Sequence[str]) -> Section | None:
    if not rows or len(feedback) != len(rows):
        return None
    late = any(score.late is not None for _, score in rows)
    hand = any(q.manual for _, score in rows for q in score.questions)
    heads = (words.HEAD_SUBMISSION, words.HEAD_STATUS, words.HEAD_FINAL, *((words.HEAD_LATE,) if late else ()),
             *((words.HEAD_HAND,) if hand else ()), words.HEAD_FLAG)
    table = tuple(
        StudentRow(safe_text(result.submission, NAME_LIMIT), link, _STATUS[result.status].format(),
                   f"{format_number(score.earned)} / {format_number(score.points)}",
                   str(len(result.flags)) if result.flags else "", _late_cell(score), _hand_cell(score))
        for (result, score), link in zip(rows, feedback, strict=True)
    )
    return Section("students", words.STUDENTS.format(), words.STUDENTS_NOTE.format(),
                   table=StudentTable(tuple(h.format() for h in heads), table, late, hand))


def _late_cell(score: Score) -> str:
    penalty = score.late
    if penalty is None:
        return ""
    taken = format_number(penalty.taken)
    if penalty.change:  # an instructor's late row set the points taken (0 waives the penalty)
        return words.LATE_SET.format(taken=taken, reason=safe_text(penalty.waived, MESSAGE_LIMIT))
    return words.LATE_CELL.format(taken=taken, percent=format_number(penalty.percent))


def _hand_cell(score: Score) -> str:
    waiting = [q.question for q in score.questions if q.waiting]
    scored = [q.question for q in score.questions if q.manual and not q.waiting]
    parts = ([words.HAND_WAITING.format(questions=", ".join(waiting))] if waiting else []) + (
        [words.HAND_SCORED.format(questions=", ".join(scored))] if scored else [])
    return safe_text("; ".join(parts), MESSAGE_LIMIT)


# -- overrides --------------------------------------------------------------------------------


def _overrides_section(rows: Sequence[Row]) -> Section | None:
    """Every instructor override of the batch (``tfgrade grade --overrides``), with its reason."""
    table = tuple(
        (safe_text(result.submission, NAME_LIMIT), safe_text(name, NAME_LIMIT), format_number(adjustment.automatic),
         adjustment.change, format_number(final), safe_text(adjustment.reason, MESSAGE_LIMIT))
        for result, score in rows
        for name, adjustment, final in _adjustments(score)
    )
    if not table:
        return None
    head = tuple(h.format() for h in (words.HEAD_SUBMISSION, words.HEAD_QUESTION, words.HEAD_AUTOMATIC,
                                      words.HEAD_CHANGE, words.HEAD_FINAL, words.HEAD_REASON))
    return Section("overrides", words.OVERRIDES.format(number=len(table)), words.OVERRIDES_NOTE.format(),
                    table=PlainTable(head=head, rows=table))


def _adjustments(score: Score) -> list[tuple[str, Adjustment, float]]:
    found = [(q.question, q.override, q.earned) for q in score.questions if q.override is not None]
    return found + ([(words.TOTAL.format(), score.override, score.earned)] if score.override is not None else [])


# -- not graded -------------------------------------------------------------------------------


def _not_graded_section(rows: Sequence[Row]) -> Section | None:
    missing = [result for result, _ in rows if result.status != "graded"]
    if not missing:
        return None
    table = PlainTable(
        head=(words.HEAD_SUBMISSION.format(), words.HEAD_STATUS.format(), words.HEAD_REASON.format()),
        rows=tuple(
            (safe_text(r.submission, NAME_LIMIT), _STATUS[r.status].format(), safe_text(r.message, MESSAGE_LIMIT))
            for r in missing
        ),
    )
    return Section("not-graded", words.NOT_GRADED.format(), words.NOT_GRADED_NOTE.format(), table=table)


_STATUS = {"graded": words.STATUS_GRADED, "rejected": words.STATUS_REJECTED, "grader_error": words.STATUS_GRADER_ERROR}

