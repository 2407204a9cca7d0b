"""The console table lines up when names and messages are Hangul: each syllable takes two columns."""

from __future__ import annotations

import dataclasses

import pytest
from factories import autograph_checks, submission_result

from autograder.core import assignment as assignments
from autograder.core import scoring
from autograder.core.results import SubmissionResult
from autograder.reports.formats import console_table, display_width


@pytest.mark.parametrize(("text", "columns"), [
    ("abc", 3),
    ("김민지", 6),          # wide: two columns each
    ("ann 김", 6),
    ("e\u0301", 1),         # a combining accent takes none
    ("ｆｕｌｌ", 8),         # fullwidth Latin is wide too
])
def test_display_width_counts_terminal_columns(text: str, columns: int) -> None:
    assert display_width(text) == columns


def test_a_table_with_hangul_names_and_messages_lines_up_in_columns() -> None:
    questions = assignments.load("autograph").questions
    results: list[SubmissionResult] = [
        submission_result(*autograph_checks(), name="ann.ipynb"),
        submission_result(*autograph_checks("q1_public"), name="김민지_과제.ipynb"),
        dataclasses.replace(submission_result(name="박서준.ipynb"), status="rejected",
                            message="노트북이 아닙니다", checks=()),
    ]
    table = console_table([(r, scoring.score(r, questions)) for r in results]).splitlines()

    rows = table[:2 + len(results)]  # header, rule, one row per submission; then the summary line
    assert any("김민지" in row for row in rows) and any("노트북이 아닙니다" in row for row in rows)
    # Every column starts at the same terminal column on every row: where the rule's dashes begin.
    rule = rows[1]
    starts = [i for i, c in enumerate(rule) if c == "-" and (i == 0 or rule[i - 1] == " ")]
    for row in rows:
        for start in starts[1:]:
            # The text before the column, measured in terminal columns, ends in the gap between columns.
            prefix = _prefix_of_width(row, start)
            assert prefix is not None, (row, start)
            assert prefix.endswith(" "), (row, start)


def _prefix_of_width(row: str, columns: int) -> str | None:
    """The start of ``row`` that takes exactly ``columns`` terminal columns; None if a wide character straddles it."""
    for end in range(len(row) + 1):
        width = display_width(row[:end])
        if width == columns:
            return row[:end]
        if width > columns:
            return None
    return None
