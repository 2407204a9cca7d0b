"""The class report's charts: the score distribution, each question's mean and each check's pass rate, drawn as
inline SVG shapes (:mod:`autograder.reports.class_shapes`); and the pass rates as CSV for item analysis.

Only graded submissions count (the caller passes them): a rejected file or a grader error says nothing about
what the student knows.
"""

from __future__ import annotations

import csv
import io
import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from autograder.core.results import CheckResult, SubmissionResult
from autograder.core.scoring import Score
from autograder.reports import class_words as words
from autograder.reports.class_shapes import Chart, Line, Section, Shape, Text, chart, percent, rect, text
from autograder.reports.formats import NAME_LIMIT, csv_text, format_number, safe_text

__all__ = ["CHECKS_CSV_HEADER", "check_rates_csv", "histogram_section", "pass_rate_section", "question_section"]

Row = tuple[SubmissionResult, Score]

EXACT_BINS_UP_TO = 20
"""Up to this many points, whole-number scores get one histogram bar per possible score."""
HISTOGRAM_BINS = 10
"""Histogram bars otherwise: equal ranges from 0 to the maximum, the last one closed."""
LABEL_LIMIT = 120
"""Characters of a label kept beside a bar (a whole check name); the full label is in the bar's tooltip."""
LOW_RATE, MID_RATE = 0.5, 0.8
"""Bars below LOW_RATE are red, below MID_RATE amber, the rest green."""


@dataclass(frozen=True)
class _Bin:
    label: str
    count: int


def histogram_section(graded: Sequence[Row], points: float) -> Section:
    scores = [score.earned for _, score in graded]
    heading, note = words.SCORES.format(), words.SCORES_NOTE.format()
    if not scores:
        return Section("scores", heading, note, empty=words.SCORES_EMPTY.format())
    return Section("scores", heading, note, chart=_histogram_chart(_bins(scores, points), len(scores), points))


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


def _histogram_chart(bins: Sequence[_Bin], graded: int, points: float) -> Chart:
    tallest = max(b.count for b in bins) or 1
    slot = (_H_WIDTH - _H_LEFT - 8) / len(bins)
    base = _H_TOP + _H_PLOT
    small = " small" if len(bins) > 12 else ""
    shapes: list[Shape] = []
    for tick in sorted({0, (tallest + 1) // 2, tallest}):
        shapes += _gridline(base - _H_PLOT * tick / tallest, str(tick))
    for i, b in enumerate(bins):
        height = _H_PLOT * b.count / tallest
        x = _H_LEFT + i * slot + slot * 0.1
        tip = words.BIN_TIP.format(count=b.count, label=b.label)
        shapes.append(rect(x, base - height, slot * 0.8, height, "bar", tip))
        if b.count:
            shapes.append(text(x + slot * 0.4, base - height - 6, str(b.count), "middle", "count"))
        shapes.append(text(x + slot * 0.4, base + 16, b.label, "middle", "axis" + small))
    axis = words.AXIS_POINTS.format(points=format_number(points))
    shapes.append(text(_H_LEFT + (_H_WIDTH - _H_LEFT) / 2, base + 42, axis, "middle", "axis-title"))
    label = words.HISTOGRAM_LABEL.format(count=graded, bins="; ".join(f"{b.label}: {b.count}" for b in bins))
    return chart("histogram", _H_WIDTH, base + _H_BOTTOM, label, shapes)


def _gridline(y: float, label: str) -> list[Shape]:
    return [Line("grid", str(_H_LEFT), f"{y:.1f}", str(_H_WIDTH - 8), f"{y:.1f}"),
            text(_H_LEFT - 8, y + 4, label, "end", "tick")]


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


def _bars_chart(name: str, bars: Sequence[_Bar], label: str) -> Chart:
    # The label column is as wide as the longest label (with its tag), so a long check name is shown whole,
    # never cut at the page's left edge; the chart's viewBox scales the whole to the page.
    texts = [safe_text(bar.label, LABEL_LIMIT) for bar in bars]
    longest = max((len(t) + (len(bar.tag) + 3 if bar.tag else 0) for t, bar in zip(texts, bars, strict=True)),
                  default=0)
    left = max(_B_LABEL, round(longest * _B_CHAR) + 16)
    shapes: list[Shape] = []
    for i, (bar, shown) in enumerate(zip(bars, texts, strict=True)):
        y = 6 + i * _B_ROW
        shapes.append(Text("label", str(left - 10), f"{y + 12.5:.1f}", "end", shown, bar.tag))
        shapes.append(rect(left, y, _B_TRACK, _B_THICK, "track", bar.tooltip))
        fraction = min(max(bar.fraction, 0.0), 1.0)
        shapes.append(rect(left, y, _B_TRACK * fraction, _B_THICK, f"bar {_tone(fraction)}", bar.tooltip))
        shapes.append(text(left + _B_TRACK + 8, y + 12.5, bar.value, "start", "value"))
    return chart(name, _B_WIDTH - _B_LABEL + left, 12 + len(bars) * _B_ROW, label, shapes)


def _tone(fraction: float) -> str:
    return "low" if fraction < LOW_RATE else "mid" if fraction < MID_RATE else "high"


def question_section(graded: Sequence[Row]) -> Section | None:
    questions: dict[str, tuple[str, float, list[float]]] = {}
    for _, score in graded:
        for q in score.questions:
            questions.setdefault(q.question, (q.title, q.points, []))[2].append(q.earned)
    if not questions:
        return None
    bars = [_question_bar(name, *data) for name, data in questions.items()]
    label = words.QUESTIONS_LABEL.format(bars="; ".join(f"{b.label}: {b.value}" for b in bars))
    note = words.QUESTIONS_NOTE.format()
    return Section("questions", words.QUESTIONS.format(), note, chart=_bars_chart("question-means", bars, label))


def _question_bar(name: str, title: str, points: float, earned: list[float]) -> _Bar:
    mean = statistics.fmean(earned)
    fraction = mean / points if points > 0 else 0.0
    value = f"{format_number(round(mean, 2))} / {format_number(points)} ({percent(fraction)})"
    label = name if title in ("", name) else f"{name}: {title}"
    return _Bar(label, fraction, value, words.QUESTION_TIP.format(label=label, value=value))


@dataclass(frozen=True)
class _CheckRate:
    check: CheckResult
    runs: int
    passed: int
    errors: int


def pass_rate_section(graded: Sequence[Row]) -> Section | None:
    rates = _check_rates(graded)
    if not graded:
        return None
    if not rates:
        return Section("checks", words.CHECKS.format(), empty=words.CHECKS_EMPTY.format())
    bars = [_rate_bar(rate) for rate in rates]
    label = words.CHECKS_LABEL.format(bars="; ".join(f"{b.label}: {b.value}" for b in bars))
    note = words.CHECKS_NOTE.format()
    return Section("checks", words.CHECKS.format(), note, chart=_bars_chart("pass-rates", bars, label))


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
    value = words.RATE_VALUE.format(percent=percent(fraction), passed=rate.passed, runs=rate.runs)
    broke = words.RATE_BROKE.format(count=rate.errors) if rate.errors else ""
    requirement = safe_text(rate.check.requirement, NAME_LIMIT)
    tests = words.RATE_TESTS.format(requirement=requirement) if rate.check.requirement else ""
    tooltip = words.RATE_TIP.format(label=label, passed=rate.passed, runs=rate.runs, broke=broke, tests=tests)
    return _Bar(label, fraction, value, tooltip, "hidden" if rate.check.visibility == "hidden" else "")



def _count(checks: Iterable[CheckResult], outcome: str) -> int:
    return sum(1 for c in checks if c.outcome == outcome)

