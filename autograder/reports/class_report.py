"""The instructor's class overview: one standalone HTML page about a whole batch.

:func:`class_report_html` is pure: it returns the page as a str. The page has summary numbers,
a histogram of total scores, each question's mean, each check's pass rate, and the most common
failure messages and cell errors; its charts are inline SVG drawn here (rects and text), with no
JavaScript and nothing fetched, so the file opens from disk or an e-mail attachment.

The page shows HIDDEN checks by name with their messages: it is for the instructor, never for
students. Every piece of text from a submission goes through :func:`autograder.reports.formats.safe_text`
and is then HTML-escaped; the page is also well-formed XML.

Only graded submissions count toward the score statistics and charts: a rejected file or a
grader error says nothing about what the student knows, so those are listed with their reasons.
"""

from __future__ import annotations

import html
import math
import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from autograder.core.results import CheckResult, SubmissionResult
from autograder.core.scoring import Score
from autograder.reports.formats import MESSAGE_LIMIT, NAME_LIMIT, format_number, safe_text

__all__ = ["class_report_html", "normalize_message"]

Row = tuple[SubmissionResult, Score]

FAILURE_ROWS = 20
"""Rows kept in each "most common" table; the rest are counted in a note below it."""
EXACT_BINS_UP_TO = 20
"""Up to this many points, whole-number scores get one histogram bar per possible score."""
HISTOGRAM_BINS = 10
"""Histogram bars otherwise: equal ranges from 0 to the maximum, the last one closed."""
LABEL_LIMIT = 42
"""Characters of a label kept beside a bar; the full label is in the bar's tooltip."""
EXAMPLE_LIMIT = 400
"""Characters kept of the example message in the failure tables."""
LOW_RATE, MID_RATE = 0.5, 0.8
"""Bars below LOW_RATE are red, below MID_RATE amber, the rest green."""

NO_MESSAGE = "(no message)"

# Numbers in messages ("expected 3 got 4.5", "shape (32, 10)", "1e-3") become "#" when grouping;
# digits inside a name ("x0", "conv2d", "dense_1") are part of the name and stay.
_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")


def normalize_message(message: str) -> str:
    """``message`` with escapes removed, whitespace collapsed and every number replaced by ``#``.

    Messages that differ only in numbers (shapes, values, line or cell numbers) group together.
    """
    return _NUMBER.sub("#", safe_text(message, MESSAGE_LIMIT))


def class_report_html(rows: Sequence[Row], *, title: str) -> str:
    """The class overview page for ``rows`` (one per submission), headed ``title``."""
    graded = [row for row in rows if row[0].status == "graded"]
    points = rows[0][1].points if rows else 0.0
    sections = [
        _summary_section(rows, graded, points),
        _histogram_section(graded, points),
        _question_section(graded),
        _pass_rate_section(graded),
        _failure_section(graded),
        _cell_error_section(graded),
        _not_graded_section(rows),
    ]
    return _page(safe_text(title, NAME_LIMIT), "\n".join(s for s in sections if s))


# -- summary ----------------------------------------------------------------------------------


def _summary_section(rows: Sequence[Row], graded: Sequence[Row], points: float) -> str:
    statuses = [result.status for result, _ in rows]
    scores = [score.earned for _, score in graded]
    cards = [
        ("Submissions", str(len(rows)), ""),
        ("Graded", str(len(graded)), ""),
        ("Rejected", str(statuses.count("rejected")), ""),
        ("Grader errors", str(statuses.count("grader_error")), ""),
        ("Mean score", *_score_card(statistics.fmean(scores) if scores else None, points)),
        ("Median score", *_score_card(statistics.median(scores) if scores else None, points)),
    ]
    items = "\n".join(
        f'<div class="card"><div class="label">{label}</div><div class="value">{_e(value)}</div>'
        f'<div class="sub">{_e(sub)}</div></div>'
        for label, value, sub in cards
    )
    return _section("summary", "Summary", "", f'<div class="cards">\n{items}\n</div>')


def _score_card(value: float | None, points: float) -> tuple[str, str]:
    if value is None:
        return "–", "no graded submissions"
    share = f" ({_percent(value / points)})" if points > 0 else ""
    return format_number(round(value, 2)), f"out of {format_number(points)}{share}"


# -- histogram --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Bin:
    label: str
    count: int


def _histogram_section(graded: Sequence[Row], points: float) -> str:
    scores = [score.earned for _, score in graded]
    if not scores:
        body = '<p class="empty">No graded submissions, so there is no score distribution.</p>'
    else:
        body = _histogram_svg(_bins(scores, points), len(scores), points)
    return _section("scores", "Score distribution", "Total score of each graded submission.", body)


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


def _histogram_svg(bins: Sequence[_Bin], graded: int, points: float) -> str:
    tallest = max(b.count for b in bins) or 1
    slot = (_H_WIDTH - _H_LEFT - 8) / len(bins)
    base = _H_TOP + _H_PLOT
    small = " small" if len(bins) > 12 else ""
    parts = [_gridline(base - _H_PLOT * tick / tallest, str(tick)) for tick in sorted({0, (tallest + 1) // 2, tallest})]
    for i, b in enumerate(bins):
        height = _H_PLOT * b.count / tallest
        x = _H_LEFT + i * slot + slot * 0.1
        tip = f"{_plural(b.count, 'submission')} scored {b.label}"
        parts.append(_rect(x, base - height, slot * 0.8, height, "bar", tip))
        if b.count:
            parts.append(_text(x + slot * 0.4, base - height - 6, str(b.count), "middle", "count"))
        parts.append(_text(x + slot * 0.4, base + 16, b.label, "middle", "axis" + small))
    parts.append(_text(_H_LEFT + (_H_WIDTH - _H_LEFT) / 2, base + 42, f"points (out of {format_number(points)})",
                       "middle", "axis-title"))
    label = (f"Histogram of total scores of {_plural(graded, 'graded submission')}: "
             + "; ".join(f"{b.label}: {b.count}" for b in bins))
    return _svg("histogram", _H_WIDTH, base + _H_BOTTOM, label, parts)


def _gridline(y: float, label: str) -> str:
    return (f'<line class="grid" x1="{_H_LEFT}" y1="{y:.1f}" x2="{_H_WIDTH - 8}" y2="{y:.1f}" />'
            + _text(_H_LEFT - 8, y + 4, label, "end", "tick"))


# -- horizontal bars: question means and check pass rates -------------------------------------


@dataclass(frozen=True)
class _Bar:
    label: str
    fraction: float
    value: str
    tooltip: str
    tag: str = ""


_B_WIDTH, _B_LABEL, _B_TRACK, _B_ROW, _B_THICK = 720, 300, 290, 28, 16


def _bars_svg(name: str, bars: Sequence[_Bar], label: str) -> str:
    parts: list[str] = []
    for i, bar in enumerate(bars):
        y = 6 + i * _B_ROW
        tag = f'<tspan class="tag" dx="6">({_e(bar.tag)})</tspan>' if bar.tag else ""
        text = _e(safe_text(bar.label, LABEL_LIMIT))
        parts.append(f'<text class="label" x="{_B_LABEL - 10}" y="{y + 12.5:.1f}" text-anchor="end">{text}{tag}</text>')
        parts.append(_rect(_B_LABEL, y, _B_TRACK, _B_THICK, "track", bar.tooltip))
        fraction = min(max(bar.fraction, 0.0), 1.0)
        parts.append(_rect(_B_LABEL, y, _B_TRACK * fraction, _B_THICK, f"bar {_tone(fraction)}", bar.tooltip))
        parts.append(_text(_B_LABEL + _B_TRACK + 8, y + 12.5, bar.value, "start", "value"))
    return _svg(name, _B_WIDTH, 12 + len(bars) * _B_ROW, label, parts)


def _tone(fraction: float) -> str:
    return "low" if fraction < LOW_RATE else "mid" if fraction < MID_RATE else "high"


def _question_section(graded: Sequence[Row]) -> str:
    questions: dict[str, tuple[str, float, list[float]]] = {}
    for _, score in graded:
        for q in score.questions:
            questions.setdefault(q.question, (q.title, q.points, []))[2].append(q.earned)
    if not questions:
        return ""
    bars = [_question_bar(name, *data) for name, data in questions.items()]
    label = "Mean score per question: " + "; ".join(f"{b.label}: {b.value}" for b in bars)
    note = "Mean points earned on each question by the graded submissions."
    return _section("questions", "Mean per question", note, _bars_svg("question-means", bars, label))


def _question_bar(name: str, title: str, points: float, earned: list[float]) -> _Bar:
    mean = statistics.fmean(earned)
    fraction = mean / points if points > 0 else 0.0
    value = f"{format_number(round(mean, 2))} / {format_number(points)} ({_percent(fraction)})"
    label = name if title in ("", name) else f"{name}: {title}"
    return _Bar(label, fraction, value, f"{label}: mean {value}")


@dataclass(frozen=True)
class _CheckRate:
    check: CheckResult
    runs: int
    passed: int
    errors: int


def _pass_rate_section(graded: Sequence[Row]) -> str:
    rates = _check_rates(graded)
    if not graded:
        return ""
    if not rates:
        return _section("checks", "Pass rate per check", "", '<p class="empty">No checks ran.</p>')
    bars = [_rate_bar(rate) for rate in rates]
    label = "Pass rate per check, lowest first: " + "; ".join(f"{b.label}: {b.value}" for b in bars)
    note = "Share of graded submissions that passed each check, lowest first. Hidden checks included."
    return _section("checks", "Pass rate per check", note, _bars_svg("pass-rates", bars, label))


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


def _rate_bar(rate: _CheckRate) -> _Bar:
    fraction = rate.passed / rate.runs
    label = f"{rate.check.question} · {rate.check.name}"
    value = f"{_percent(fraction)} ({rate.passed} of {rate.runs})"
    broke = f"; the check itself broke {_plural(rate.errors, 'time')}" if rate.errors else ""
    tooltip = f"{label}: {rate.passed} of {rate.runs} passed{broke}"
    return _Bar(label, fraction, value, tooltip, "hidden" if rate.check.visibility == "hidden" else "")


# -- most common failures ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Group:
    wheres: tuple[str, ...]
    """Where the message came from (a check, or cell numbers), each once, in the order first seen."""
    examples: tuple[str, ...]
    """Every message of the group as it was shown; their count is the group's size."""


def _failure_section(graded: Sequence[Row]) -> str:
    if not graded:
        return ""
    failures = [c for result, _ in graded for c in result.checks if c.outcome != "passed"]
    if not failures:
        return _section("failures", "Most common failure messages", "", '<p class="empty">No check failed.</p>')
    pairs = ((_check_where(c), safe_text(c.message, EXAMPLE_LIMIT) or NO_MESSAGE) for c in failures)
    table = _group_table(_groups(pairs, split_by_where=True), "Check", len(graded))
    note = "Failed checks grouped by check and message, ignoring numbers so near-identical messages group."
    return _section("failures", "Most common failure messages", note, table)


def _check_where(check: CheckResult) -> str:
    tags = [t for t, on in (("hidden", check.visibility == "hidden"), ("check broke", check.outcome == "error")) if on]
    return f"{check.question} · {check.name}" + (f" ({', '.join(tags)})" if tags else "")


def _cell_error_section(graded: Sequence[Row]) -> str:
    errors = [e for result, _ in graded for e in result.execution.cell_errors]
    if not errors:
        return ""
    pairs = ((str(e.cell), safe_text(e.error, EXAMPLE_LIMIT)) for e in errors)
    table = _group_table(_groups(pairs, split_by_where=False), "Cells", len(graded))
    note = "Errors that stopped a cell, grouped by message, ignoring numbers."
    return _section("cell-errors", "Most common cell errors", note, table)


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


def _group_table(groups: Sequence[_Group], where: str, graded: int) -> str:
    rows = [
        f'<tr><td class="num">{len(g.examples)}</td><td>{_e(", ".join(g.wheres))}</td>'
        f'<td><code>{_e(g.examples[0])}</code>{_variants(g.examples)}</td></tr>'
        for g in groups[:FAILURE_ROWS]
    ]
    more = len(groups) - FAILURE_ROWS
    note = f'<p class="note">…and {_plural(more, "more message")} not shown.</p>' if more > 0 else ""
    head = f'<tr><th class="num">Count</th><th>{where}</th><th>Message (one example)</th></tr>'
    share = f'<p class="note">Out of {_plural(graded, "graded submission")}.</p>'
    return f'<table>\n<thead>{head}</thead>\n<tbody>\n' + "\n".join(rows) + f"\n</tbody>\n</table>\n{share}{note}"


def _variants(examples: Sequence[str]) -> str:
    others = len(set(examples)) - 1
    return f' <span class="muted">(+{_plural(others, "variant")})</span>' if others else ""


# -- not graded -------------------------------------------------------------------------------


def _not_graded_section(rows: Sequence[Row]) -> str:
    missing = [result for result, _ in rows if result.status != "graded"]
    if not missing:
        return ""
    body = "\n".join(
        f"<tr><td>{_e(safe_text(r.submission, NAME_LIMIT))}</td><td>{_STATUS[r.status]}</td>"
        f"<td>{_e(safe_text(r.message, MESSAGE_LIMIT))}</td></tr>"
        for r in missing
    )
    table = (f"<table>\n<thead><tr><th>Submission</th><th>Status</th><th>Reason</th></tr></thead>\n"
             f"<tbody>\n{body}\n</tbody>\n</table>")
    note = "Rejected files and grader errors score 0 and are left out of every statistic above."
    return _section("not-graded", "Not graded", note, table)


_STATUS = {"graded": "graded", "rejected": "rejected", "grader_error": "grader error"}


# -- SVG and HTML pieces ----------------------------------------------------------------------


def _svg(name: str, width: float, height: float, label: str, parts: Sequence[str]) -> str:
    return (
        f'<svg class="chart" data-chart="{name}" role="img" aria-label="{_e(label)}" '
        f'viewBox="0 0 {width} {height:.0f}" width="{width}" height="{height:.0f}">\n'
        + "\n".join(parts)
        + "\n</svg>"
    )


def _rect(x: float, y: float, width: float, height: float, css: str, tooltip: str) -> str:
    return (f'<rect class="{css}" x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" rx="2">'
            f"<title>{_e(tooltip)}</title></rect>")


def _text(x: float, y: float, content: str, anchor: str, css: str) -> str:
    return f'<text class="{css}" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">{_e(content)}</text>'


def _section(anchor: str, heading: str, note: str, body: str) -> str:
    intro = f'<p class="note">{_e(note)}</p>\n' if note else ""
    return f'<section aria-labelledby="{anchor}">\n<h2 id="{anchor}">{_e(heading)}</h2>\n{intro}{body}\n</section>'


_CSS = """
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --panel: #f6f8fa; --track: #eaeef2;
  --accent: #0969da; --low: #cf222e; --mid: #d4a72c; --high: #2da44e; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--panel); color: var(--fg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 1000px; margin: 0 auto; padding: 28px 20px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 18px; margin: 0 0 4px; }
.warning { color: #953800; margin: 0 0 16px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 20px 24px; margin: 16px 0; }
.note, .muted { color: var(--muted); font-size: 13px; }
.note { margin: 0 0 12px; }
.empty { color: var(--muted); font-style: italic; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); gap: 12px; margin-top: 12px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
.card .label { color: var(--muted); font-size: 13px; }
.card .value { font-size: 28px; font-weight: 600; font-variant-numeric: tabular-nums; }
.card .sub { color: var(--muted); font-size: 12px; min-height: 1em; }
svg.chart { display: block; width: 100%; max-width: 720px; height: auto; }
svg text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; font-size: 12px; fill: var(--fg); }
svg .axis, svg .tick, svg .tag, svg .axis-title { fill: var(--muted); }
svg .small { font-size: 10px; }
svg .count { font-weight: 600; }
svg .grid { stroke: var(--line); stroke-width: 1; }
svg .bar { fill: var(--accent); }
svg .track { fill: var(--track); }
svg .bar.low { fill: var(--low); } svg .bar.mid { fill: var(--mid); } svg .bar.high { fill: var(--high); }
table { width: 100%; border-collapse: collapse; font-size: 14px; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
.num { text-align: right; width: 4em; font-variant-numeric: tabular-nums; }
code { font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; white-space: pre-wrap;
  overflow-wrap: anywhere; }
footer { color: var(--muted); font-size: 12px; text-align: center; }
@media print { body { background: #fff; } section { break-inside: avoid; border-color: #bbb; } }
"""


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8" />\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1" />\n'
        f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
        f'<h1>{_e(title)}</h1>\n<p class="warning">For instructors: this page names hidden checks and quotes '
        "their messages. Do not share it with students.</p>\n"
        f"{body}\n<footer>Made by tfgrade.</footer>\n</main>\n</body>\n</html>\n"
    )


# -- small helpers ----------------------------------------------------------------------------


def _percent(fraction: float) -> str:
    # Rounded down, so 99.6% does not pass for everyone; rounding to 6 places first keeps
    # 0.29 * 100 (= 28.999...) at 29.
    return f"{math.floor(round(100 * fraction, 6))}%"


def _count(checks: Iterable[CheckResult], outcome: str) -> int:
    return sum(1 for c in checks if c.outcome == outcome)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _e(text: str) -> str:
    return html.escape(text, quote=True)

