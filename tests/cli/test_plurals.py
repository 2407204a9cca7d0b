"""Counted lines (the tfgrade command's, and the instructor's from core/ and reports/) take gettext's plural
forms, never "(s)" (issue 21), in both languages."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from autograder import i18n, messages

INSTRUCTORS = [messages.EXPORT_WAITING, messages.EXPORT_GRADER_ERRORS, messages.EXPORT_NO_LMS_ID,
               messages.EXPORT_DAMAGED_REPORTS, messages.ASSIGNMENT_UNKNOWN_LIMITS, messages.ASSIGNMENT_HIDDEN_UNKNOWN,
               messages.ROSTER_UNMATCHED, messages.ROSTER_NAMELESS, messages.ROSTER_NO_FILE, messages.ROSTER_AMBIGUOUS,
               messages.ROSTER_DOUBLES, messages.LATE_MORE_UNTIMED, messages.OVERRIDES_MISSING_COLUMNS,
               messages.OVERRIDES_UNUSABLE]
CLI = [m for m in messages.catalog().values() if m.id.startswith("cli.")] + INSTRUCTORS
PACKAGE = Path(messages.__file__).parent


@pytest.mark.parametrize("message", CLI, ids=lambda m: m.id)
def test_every_counted_cli_line_has_a_plural_form(message: messages.Message) -> None:
    assert message.plural is not None and "(s)" not in message.text + message.plural


def grading(count: int, lang: str) -> str:
    with i18n.using(lang):
        return messages.CLI_GRADING.format(count=count, assignment="autograph", out="out")


def test_english_says_one_submission_and_two_submissions() -> None:
    assert grading(1, "en") == "Grading 1 submission for 'autograph' into out/ ..."
    assert grading(2, "en") == "Grading 2 submissions for 'autograph' into out/ ..."
    with i18n.using("en"):
        assert messages.CLI_EXPORT_ROWS.format(count=1) == "1 row"
        assert messages.CLI_EXPORT_ROWS.format(count=2) == "2 rows"
        assert messages.CLI_OVERRIDES.format(count=1).startswith("1 override applied: grades.csv shows it ")
        assert messages.CLI_OVERRIDES.format(count=2).startswith("2 overrides applied: grades.csv shows each ")


def test_korean_has_one_form_for_every_count() -> None:
    assert grading(1, "ko") == "'autograph' 제출물 1개를 채점해 out/ 폴더에 씁니다 ..."
    assert grading(2, "ko") == "'autograph' 제출물 2개를 채점해 out/ 폴더에 씁니다 ..."
    with i18n.using("ko"):
        assert messages.CLI_EXPORT_ROWS.format(count=1) == "1개 행"
        assert messages.CLI_EXPORT_ROWS.format(count=2) == "2개 행"
        points = messages.POINT_COUNT.format(points="1.5", count=1.5)
        assert (messages.CLI_HIDDEN_LEFT_OUT.format(question="q1", count=2, points=points)
                == "q1: 숨겨진 검사 2개(1.5점)는 배포본에서 뺐습니다")


def test_no_text_in_the_package_says_s_in_brackets() -> None:
    """Every string literal of autograder/ (f-strings' text too): a count goes through a plural Message."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and re.search(r"[a-z]\(s\)", node.value):
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {node.value[:60]}")
    assert found == []


def test_the_instructors_counted_lines_in_english_and_korean() -> None:
    with i18n.using("en"):
        assert messages.ROSTER_NAMELESS.format(file="r.csv", count=1, rows="3") == (
            "r.csv: row 3 has no student id. Fill in the id, or delete the row.")
        assert messages.ROSTER_NAMELESS.format(file="r.csv", count=2, rows="3 and 5").startswith(
            "r.csv: rows 3 and 5 have no student id.")
        assert messages.LATE_MORE_UNTIMED.format(count=1) == (
            "... and 1 more submission with no time, also without a penalty.")
    with i18n.using("ko"):
        assert messages.OVERRIDES_UNUSABLE.format(file="o.csv", count=2) == (
            "o.csv: 2개 행을 쓸 수 없어 아무것도 채점하거나 쓰지 않았습니다. 고친 뒤 다시 실행하십시오:")
        assert messages.EXPORT_NO_LMS_ID.format(count=4, lms="Canvas", example="a.ipynb").startswith(
            "Canvas가 아는 학생 ID가 없는 행이 4개 있습니다(예: a.ipynb).")
