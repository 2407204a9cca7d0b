"""The instructor's class overview: one standalone HTML page about a whole batch.

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

import csv
import io
import math
import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from autograder.core.results import CheckResult, FlagKind, SubmissionResult
from autograder.core.scoring import Adjustment, Score
from autograder.reports import class_words as words
from autograder.reports.formats import MESSAGE_LIMIT, NAME_LIMIT, csv_text, format_number, safe_text
from autograder.reports.pages import render_page

__all__ = ["class_report_html", "normalize_message"]

Row = tuple[SubmissionResult, Score]

FAILURE_ROWS = 20
"""Rows kept in each "most common" table; the rest are counted in a note below it."""
EXACT_BINS_UP_TO = 20
"""Up to this many points, whole-number scores get one histogram bar per possible score."""
HISTOGRAM_BINS = 10
"""Histogram bars otherwise: equal ranges from 0 to the maximum, the last one closed."""
LABEL_LIMIT = 120
"""Characters of a label kept beside a bar (a whole check name); the full label is in the bar's tooltip."""
EXAMPLE_LIMIT = 400
"""Characters kept of the example message in the failure tables."""
FLAG_ROWS = 10
"""Rows kept of one submission's integrity flags; the rest are counted in one more row (report.json has all)."""
LOW_RATE, MID_RATE = 0.5, 0.8
"""Bars below LOW_RATE are red, below MID_RATE amber, the rest green."""

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
        _histogram_section(graded, points),
        _question_section(graded),
        _pass_rate_section(graded),
        _failure_section(graded),
        _cell_error_section(graded),
        _not_graded_section(rows),
    ]
    return render_page(
        "class.html", page="class-report", title=safe_text(title, NAME_LIMIT), sections=[s for s in sections if s],
        warning=words.WARNING.format(), footer=words.FOOTER.format(),
    )


# -- what the template draws ------------------------------------------------------------------


@dataclass(frozen=True)
class _Rect:
    kind: ClassVar[str] = "rect"
    css: str
    x: str
    y: str
    width: str
    height: str
    tooltip: str


@dataclass(frozen=True)
class _Line:
    kind: ClassVar[str] = "line"
    css: str
    x: str
    y: str
    x2: str
    y2: str


@dataclass(frozen=True)
class _Text:
    kind: ClassVar[str] = "text"
    css: str
    x: str
    y: str
    anchor: str
    text: str
    tag: str = ""
    """Shown after the text, muted and in brackets (e.g. ``hidden``)."""


_Shape = _Rect | _Line | _Text


@dataclass(frozen=True)
class _Chart:
    name: str
    width: str
    height: str
    label: str
    """The chart in words, for screen readers (``aria-label``)."""
    shapes: tuple[_Shape, ...]


@dataclass(frozen=True)
class _Card:
    label: str
    value: str
    sub: str


@dataclass(frozen=True)
class _GroupRow:
    count: int
    wheres: str
    example: str
    variants: str


@dataclass(frozen=True)
class _GroupTable:
    kind: ClassVar[str] = "groups"
    where: str
    rows: tuple[_GroupRow, ...]
    share: str
    more: str
    heads: tuple[str, str]
    """The headings of the count column and of the example message's column."""


@dataclass(frozen=True)
class _PlainTable:
    kind: ClassVar[str] = "plain"
    head: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class _StudentRow:
    submission: str
    link: str
    """The feedback page's address, relative to this page (the template escapes it)."""
    status: str
    score: str
    flags: str


@dataclass(frozen=True)
class _StudentTable:
    kind: ClassVar[str] = "students"
    head: tuple[str, ...]
    rows: tuple[_StudentRow, ...]


@dataclass(frozen=True)
class _Section:
    anchor: str
    heading: str
    note: str = ""
    cards: tuple[_Card, ...] = ()
    chart: _Chart | None = None
    table: _GroupTable | _PlainTable | _StudentTable | None = None
    empty: str = ""
    """Said instead of a chart or table when there is nothing to draw."""


# -- summary ----------------------------------------------------------------------------------


def _summary_section(rows: Sequence[Row], graded: Sequence[Row], points: float) -> _Section:
    statuses = [result.status for result, _ in rows]
    scores = [score.earned for _, score in graded]
    cards = (
        _Card(words.CARD_SUBMISSIONS.format(), str(len(rows)), ""),
        _Card(words.CARD_GRADED.format(), str(len(graded)), ""),
        _Card(words.CARD_REJECTED.format(), str(statuses.count("rejected")), ""),
        _Card(words.CARD_GRADER_ERRORS.format(), str(statuses.count("grader_error")), ""),
        _Card(words.CARD_MEAN.format(), *_score_card(statistics.fmean(scores) if scores else None, points)),
        _Card(words.CARD_MEDIAN.format(), *_score_card(statistics.median(scores) if scores else None, points)),
    )
    return _Section("summary", words.SUMMARY.format(), cards=cards)


def _score_card(value: float | None, points: float) -> tuple[str, str]:
    if value is None:
        return "–", words.CARD_NONE.format()
    share = f" ({_percent(value / points)})" if points > 0 else ""
    return format_number(round(value, 2)), words.OUT_OF.format(points=format_number(points), share=share)


# -- histogram --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Bin:
    label: str
    count: int


def _histogram_section(graded: Sequence[Row], points: float) -> _Section:
    scores = [score.earned for _, score in graded]
    heading, note = words.SCORES.format(), words.SCORES_NOTE.format()
    if not scores:
        return _Section("scores", heading, note, empty=words.SCORES_EMPTY.format())
    return _Section("scores", heading, note, chart=_histogram_chart(_bins(scores, points), len(scores), points))


def _bins(scores: Sequence[float], points: float) -> list[_Bin]:
    whole = float(points).is_integer() and all(float(s).is_integer() for s in scores)
    if points <= 0 or (whole and points <= EXACT_BINS_UP_TO):
        top = int(max(points, 0))
        return [_Bin(str(k), sum(1 for s in scores if s == k)) for k in range(top + 1)]
    width = points / HISTOGRAM_BINS
    counts = [0] * HISTOGRAM_BINS
    for s in scores:
        # Rounding first keeps 0.3 / 0.1 (= 2.9999...) in the bin it belongs to.
        counts[min(max(math.floor(round(s / width, 9)), 0), HISTOGRAM_BINS - 1)] += 1
    edges = [format_number(round(i * width, 1)) for i in range(HISTOGRAM_BINS + 1)]
    return [_Bin(f"{edges[i]}–{edges[i + 1]}", c) for i, c in enumerate(counts)]


_H_WIDTH, _H_LEFT, _H_TOP, _H_PLOT, _H_BOTTOM = 720, 44, 24, 180, 52


def _histogram_chart(bins: Sequence[_Bin], graded: int, points: float) -> _Chart:
    tallest = max(b.count for b in bins) or 1
    slot = (_H_WIDTH - _H_LEFT - 8) / len(bins)
    base = _H_TOP + _H_PLOT
    small = " small" if len(bins) > 12 else ""
    shapes: list[_Shape] = []
    for tick in sorted({0, (tallest + 1) // 2, tallest}):
        shapes += _gridline(base - _H_PLOT * tick / tallest, str(tick))
    for i, b in enumerate(bins):
        height = _H_PLOT * b.count / tallest
        x = _H_LEFT + i * slot + slot * 0.1
        tip = words.BIN_TIP.format(count=b.count, label=b.label)
        shapes.append(_rect(x, base - height, slot * 0.8, height, "bar", tip))
        if b.count:
            shapes.append(_text(x + slot * 0.4, base - height - 6, str(b.count), "middle", "count"))
        shapes.append(_text(x + slot * 0.4, base + 16, b.label, "middle", "axis" + small))
    axis = words.AXIS_POINTS.format(points=format_number(points))
    shapes.append(_text(_H_LEFT + (_H_WIDTH - _H_LEFT) / 2, base + 42, axis, "middle", "axis-title"))
    label = words.HISTOGRAM_LABEL.format(count=graded, bins="; ".join(f"{b.label}: {b.count}" for b in bins))
    return _chart("histogram", _H_WIDTH, base + _H_BOTTOM, label, shapes)


def _gridline(y: float, label: str) -> list[_Shape]:
    return [_Line("grid", str(_H_LEFT), f"{y:.1f}", str(_H_WIDTH - 8), f"{y:.1f}"),
            _text(_H_LEFT - 8, y + 4, label, "end", "tick")]


# -- horizontal bars: question means and check pass rates -------------------------------------


@dataclass(frozen=True)
class _Bar:
    label: str
    fraction: float
    value: str
    tooltip: str
    tag: str = ""


_B_WIDTH, _B_LABEL, _B_TRACK, _B_ROW, _B_THICK = 720, 300, 290, 28, 16
_B_CHAR = 7.2
"""About the widest a label character is at the labels' font size (labels are check names: ASCII)."""


def _bars_chart(name: str, bars: Sequence[_Bar], label: str) -> _Chart:
    # The label column is as wide as the longest label (with its tag), so a long check name is shown whole,
    # never cut at the page's left edge; the chart's viewBox scales the whole to the page.
    texts = [safe_text(bar.label, LABEL_LIMIT) for bar in bars]
    longest = max((len(t) + (len(bar.tag) + 3 if bar.tag else 0) for t, bar in zip(texts, bars, strict=True)),
                  default=0)
    left = max(_B_LABEL, round(longest * _B_CHAR) + 16)
    shapes: list[_Shape] = []
    for i, (bar, text) in enumerate(zip(bars, texts, strict=True)):
        y = 6 + i * _B_ROW
        shapes.append(_Text("label", str(left - 10), f"{y + 12.5:.1f}", "end", text, bar.tag))
        shapes.append(_rect(left, y, _B_TRACK, _B_THICK, "track", bar.tooltip))
        fraction = min(max(bar.fraction, 0.0), 1.0)
        shapes.append(_rect(left, y, _B_TRACK * fraction, _B_THICK, f"bar {_tone(fraction)}", bar.tooltip))
        shapes.append(_text(left + _B_TRACK + 8, y + 12.5, bar.value, "start", "value"))
    return _chart(name, _B_WIDTH - _B_LABEL + left, 12 + len(bars) * _B_ROW, label, shapes)


def _tone(fraction: float) -> str:
    return "low" if fraction < LOW_RATE else "mid" if fraction < MID_RATE else "high"


def _question_section(graded: Sequence[Row]) -> _Section | None:
    questions: dict[str, tuple[str, float, list[float]]] = {}
    for _, score in graded:
        for q in score.questions:
            questions.setdefault(q.question, (q.title, q.points, []))[2].append(q.earned)
    if not questions:
        return None
    bars = [_question_bar(name, *data) for name, data in questions.items()]
    label = words.QUESTIONS_LABEL.format(bars="; ".join(f"{b.label}: {b.value}" for b in bars))
    note = words.QUESTIONS_NOTE.format()
    return _Section("questions", words.QUESTIONS.format(), note, chart=_bars_chart("question-means", bars, label))


def _question_bar(name: str, title: str, points: float, earned: list[float]) -> _Bar:
    mean = statistics.fmean(earned)
    fraction = mean / points if points > 0 else 0.0
    value = f"{format_number(round(mean, 2))} / {format_number(points)} ({_percent(fraction)})"
    label = name if title in ("", name) else f"{name}: {title}"
    return _Bar(label, fraction, value, words.QUESTION_TIP.format(label=label, value=value))


@dataclass(frozen=True)
class _CheckRate:
    check: CheckResult
    runs: int
    passed: int
    errors: int


def _pass_rate_section(graded: Sequence[Row]) -> _Section | None:
    rates = _check_rates(graded)
    if not graded:
        return None
    if not rates:
        return _Section("checks", words.CHECKS.format(), empty=words.CHECKS_EMPTY.format())
    bars = [_rate_bar(rate) for rate in rates]
    label = words.CHECKS_LABEL.format(bars="; ".join(f"{b.label}: {b.value}" for b in bars))
    note = words.CHECKS_NOTE.format()
    return _Section("checks", words.CHECKS.format(), note, chart=_bars_chart("pass-rates", bars, label))


def _check_rates(graded: Sequence[Row]) -> list[_CheckRate]:
    runs: dict[tuple[str, str], list[CheckResult]] = {}
    for result, _ in graded:
        for check in result.checks:
            runs.setdefault((check.question, check.name), []).append(check)
    rates = [
        _CheckRate(checks[0], len(checks), _count(checks, "passed"), _count(checks, "error"))
        for checks in runs.values()
    ]
    # A stable sort: checks with equal rates keep the order they ran in.
    return sorted(rates, key=lambda r: r.passed / r.runs)


CHECKS_CSV_HEADER = ("question", "check", "visibility", "requirement", "runs", "passed", "broke", "pass_rate")


def check_rates_csv(rows: Sequence[Row]) -> str:
    """Each check's pass rate over the graded submissions, lowest first, as CSV for item analysis (pure)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CHECKS_CSV_HEADER)
    for rate in _check_rates([row for row in rows if row[0].status == "graded"]):
        check = rate.check
        writer.writerow([csv_text(check.question), csv_text(check.name), check.visibility, csv_text(check.requirement),
                         rate.runs, rate.passed, rate.errors, f"{rate.passed / rate.runs:.4f}"])
    return buffer.getvalue()


def _rate_bar(rate: _CheckRate) -> _Bar:
    fraction = rate.passed / rate.runs
    label = f"{rate.check.question} · {rate.check.name}"
    value = words.RATE_VALUE.format(percent=_percent(fraction), passed=rate.passed, runs=rate.runs)
    broke = words.RATE_BROKE.format(count=rate.errors) if rate.errors else ""
    requirement = safe_text(rate.check.requirement, NAME_LIMIT)
    tests = words.RATE_TESTS.format(requirement=requirement) if rate.check.requirement else ""
    tooltip = words.RATE_TIP.format(label=label, passed=rate.passed, runs=rate.runs, broke=broke, tests=tests)
    return _Bar(label, fraction, value, tooltip, "hidden" if rate.check.visibility == "hidden" else "")


# -- most common failures ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Group:
    wheres: tuple[str, ...]
    """Where the message came from (a check, or cell numbers), each once, in the order first seen."""
    examples: tuple[str, ...]
    """Every message of the group as it was shown; their count is the group's size."""


def _failure_section(graded: Sequence[Row]) -> _Section | None:
    if not graded:
        return None
    heading = words.FAILURES.format()
    failures = [c for result, _ in graded for c in result.checks if c.outcome != "passed"]
    if not failures:
        return _Section("failures", heading, empty=words.FAILURES_EMPTY.format())
    no_message = words.NO_MESSAGE.format()
    pairs = ((_check_where(c), safe_text(c.message, EXAMPLE_LIMIT) or no_message) for c in failures)
    table = _group_table(_groups(pairs, split_by_where=True), words.HEAD_CHECK.format(), len(graded))
    note = words.FAILURES_NOTE.format()
    return _Section("failures", heading, note, table=table)


def _check_where(check: CheckResult) -> str:
    tags = [t.format() for t, on in ((words.TAG_HIDDEN, check.visibility == "hidden"),
                                     (words.TAG_BROKE, check.outcome == "error")) if on]
    requirement = f" → {safe_text(check.requirement, NAME_LIMIT)}" if check.requirement else ""
    return f"{check.question} · {check.name}" + (f" ({', '.join(tags)})" if tags else "") + requirement


def _cell_error_section(graded: Sequence[Row]) -> _Section | None:
    errors = [e for result, _ in graded for e in result.execution.cell_errors]
    if not errors:
        return None
    pairs = ((str(e.cell), safe_text(e.error, EXAMPLE_LIMIT)) for e in errors)
    table = _group_table(_groups(pairs, split_by_where=False), words.HEAD_CELLS.format(), len(graded))
    note = words.CELL_ERRORS_NOTE.format()
    return _Section("cell-errors", words.CELL_ERRORS.format(), note, table=table)


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


def _group_table(groups: Sequence[_Group], where: str, graded: int) -> _GroupTable:
    rows = tuple(
        _GroupRow(len(g.examples), ", ".join(g.wheres), g.examples[0], _variants(g.examples))
        for g in groups[:FAILURE_ROWS]
    )
    more = len(groups) - FAILURE_ROWS
    return _GroupTable(
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


def _flags_section(rows: Sequence[Row]) -> _Section | None:
    """Every flagged submission, one row per flag (the first :data:`FLAG_ROWS` of each): what and where."""
    table = tuple(line for result, _ in rows for line in _flag_rows(result))
    if not table:
        return None
    head = tuple(h.format() for h in (words.HEAD_SUBMISSION, words.HEAD_FLAG, words.HEAD_CELL, words.HEAD_LINE,
                                      words.HEAD_WHAT))
    flagged = sum(1 for result, _ in rows if result.flags)
    return _Section("flags", words.FLAGS.format(number=flagged), words.FLAGS_NOTE.format(),
                    table=_PlainTable(head=head, rows=table))


def _flag_rows(result: SubmissionResult) -> list[tuple[str, ...]]:
    name = safe_text(result.submission, NAME_LIMIT)
    rows: list[tuple[str, ...]] = [
        (name, f"{_KIND[f.kind].format()} ({f.kind})", str(f.cell), str(f.line), safe_text(f.detail, MESSAGE_LIMIT))
        for f in result.flags[:FLAG_ROWS]
    ]
    more = len(result.flags) - FLAG_ROWS
    return rows + ([(name, words.FLAGS_MORE.format(count=more), "", "", "")] if more > 0 else [])


# -- every submission, linked to its feedback ------------------------------------------------


def _students_section(rows: Sequence[Row], feedback: Sequence[str]) -> _Section | None:
    if not rows or len(feedback) != len(rows):
        return None
    head = tuple(h.format() for h in (words.HEAD_SUBMISSION, words.HEAD_STATUS, words.HEAD_FINAL, words.HEAD_FLAG))
    table = tuple(
        _StudentRow(safe_text(result.submission, NAME_LIMIT), link, _STATUS[result.status].format(),
                    f"{format_number(score.earned)} / {format_number(score.points)}",
                    str(len(result.flags)) if result.flags else "")
        for (result, score), link in zip(rows, feedback, strict=True)
    )
    return _Section("students", words.STUDENTS.format(), words.STUDENTS_NOTE.format(),
                    table=_StudentTable(head, table))


# -- overrides --------------------------------------------------------------------------------


def _overrides_section(rows: Sequence[Row]) -> _Section | None:
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
    return _Section("overrides", words.OVERRIDES.format(number=len(table)), words.OVERRIDES_NOTE.format(),
                    table=_PlainTable(head=head, rows=table))


def _adjustments(score: Score) -> list[tuple[str, Adjustment, float]]:
    found = [(q.question, q.override, q.earned) for q in score.questions if q.override is not None]
    return found + ([(words.TOTAL.format(), score.override, score.earned)] if score.override is not None else [])


# -- not graded -------------------------------------------------------------------------------


def _not_graded_section(rows: Sequence[Row]) -> _Section | None:
    missing = [result for result, _ in rows if result.status != "graded"]
    if not missing:
        return None
    table = _PlainTable(
        head=(words.HEAD_SUBMISSION.format(), words.HEAD_STATUS.format(), words.HEAD_REASON.format()),
        rows=tuple(
            (safe_text(r.submission, NAME_LIMIT), _STATUS[r.status].format(), safe_text(r.message, MESSAGE_LIMIT))
            for r in missing
        ),
    )
    return _Section("not-graded", words.NOT_GRADED.format(), words.NOT_GRADED_NOTE.format(), table=table)


_STATUS = {"graded": words.STATUS_GRADED, "rejected": words.STATUS_REJECTED, "grader_error": words.STATUS_GRADER_ERROR}


# -- shapes -----------------------------------------------------------------------------------


def _chart(name: str, width: float, height: float, label: str, shapes: Sequence[_Shape]) -> _Chart:
    return _Chart(name, str(width), f"{height:.0f}", label, tuple(shapes))


def _rect(x: float, y: float, width: float, height: float, css: str, tooltip: str) -> _Rect:
    return _Rect(css, f"{x:.1f}", f"{y:.1f}", f"{width:.1f}", f"{height:.1f}", tooltip)


def _text(x: float, y: float, content: str, anchor: str, css: str) -> _Text:
    return _Text(css, f"{x:.1f}", f"{y:.1f}", anchor, content)


# -- small helpers ----------------------------------------------------------------------------


def _percent(fraction: float) -> str:
    # Rounded down, so 99.6% does not pass for everyone; rounding to 6 places first keeps
    # 0.29 * 100 (= 28.999...) at 29.
    return f"{math.floor(round(100 * fraction, 6))}%"


def _count(checks: Iterable[CheckResult], outcome: str) -> int:
    return sum(1 for c in checks if c.outcome == outcome)

