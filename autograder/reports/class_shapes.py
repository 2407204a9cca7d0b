"""What the class report's template draws (:mod:`autograder.reports.class_report`): its sections, cards,
tables and the shapes of its inline SVG charts, as frozen dataclasses of ready-made strings.

Each table and shape has a ``kind`` the ``class.html`` template switches on; every string is escaped there.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

__all__ = ["Card", "Chart", "GroupRow", "GroupTable", "Line", "PlainTable", "Rect", "Section", "Shape",
           "StudentRow", "StudentTable", "Text", "chart", "percent", "rect", "text"]


@dataclass(frozen=True)
class Rect:
    kind: ClassVar[str] = "rect"
    css: str
    x: str
    y: str
    width: str
    height: str
    tooltip: str


@dataclass(frozen=True)
class Line:
    kind: ClassVar[str] = "line"
    css: str
    x: str
    y: str
    x2: str
    y2: str


@dataclass(frozen=True)
class Text:
    kind: ClassVar[str] = "text"
    css: str
    x: str
    y: str
    anchor: str
    text: str
    tag: str = ""
    """Shown after the text, muted and in brackets (e.g. ``hidden``)."""


Shape = Rect | Line | Text


@dataclass(frozen=True)
class Chart:
    name: str
    width: str
    height: str
    label: str
    """The chart in words, for screen readers (``aria-label``)."""
    shapes: tuple[Shape, ...]


@dataclass(frozen=True)
class Card:
    label: str
    value: str
    sub: str


@dataclass(frozen=True)
class GroupRow:
    count: int
    wheres: str
    example: str
    variants: str


@dataclass(frozen=True)
class GroupTable:
    kind: ClassVar[str] = "groups"
    where: str
    rows: tuple[GroupRow, ...]
    share: str
    more: str
    heads: tuple[str, str]
    """The headings of the count column and of the example message's column."""


@dataclass(frozen=True)
class PlainTable:
    kind: ClassVar[str] = "plain"
    head: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class StudentRow:
    submission: str
    link: str
    """The feedback page's address, relative to this page (the template escapes it)."""
    status: str
    score: str
    flags: str
    late: str = ""
    """The points the late penalty took, and why ("" when on time)."""
    hand: str = ""
    """Its hand-graded questions: which wait for a TA, which a TA scored ("" without any)."""


@dataclass(frozen=True)
class StudentTable:
    kind: ClassVar[str] = "students"
    head: tuple[str, ...]
    rows: tuple[StudentRow, ...]
    late: bool = False
    """Whether the late column is shown (some row was late)."""
    hand: bool = False
    """Whether the hand-graded column is shown (the assignment has a hand-graded question)."""


@dataclass(frozen=True)
class Section:
    anchor: str
    heading: str
    note: str = ""
    cards: tuple[Card, ...] = ()
    chart: Chart | None = None
    table: GroupTable | PlainTable | StudentTable | None = None
    empty: str = ""
    """Said instead of a chart or table when there is nothing to draw."""



def chart(name: str, width: float, height: float, label: str, shapes: Sequence[Shape]) -> Chart:
    return Chart(name, str(width), f"{height:.0f}", label, tuple(shapes))


def rect(x: float, y: float, width: float, height: float, css: str, tooltip: str) -> Rect:
    return Rect(css, f"{x:.1f}", f"{y:.1f}", f"{width:.1f}", f"{height:.1f}", tooltip)


def text(x: float, y: float, content: str, anchor: str, css: str) -> Text:
    return Text(css, f"{x:.1f}", f"{y:.1f}", anchor, content)



def percent(fraction: float) -> str:
    # Rounded down, so 99.6% does not pass for everyone; rounding to 6 places first keeps
    # 0.29 * 100 (= 28.999...) at 29.
    return f"{math.floor(round(100 * fraction, 6))}%"
