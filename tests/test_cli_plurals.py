"""The tfgrade command's counted lines take gettext's plural forms, never "(s)" (issue 21), in both languages."""

from __future__ import annotations

import pytest

from autograder import i18n, messages

CLI = [m for m in messages.catalog().values() if m.id.startswith("cli.")]


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
