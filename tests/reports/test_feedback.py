"""Published per-student feedback: what a student sees, what they never see, and that it is safe."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest
from factories import check_result

from autograder import messages
from autograder.core.assignment import Question
from autograder.core.results import CellError, CheckResult, ExecutionSummary, SubmissionResult, SubmissionStatus
from autograder.core.scoring import Score, score
from autograder.reports.feedback import feedback_html, feedback_markdown

Renderer = Callable[[SubmissionResult, Score], str]
RENDERERS = pytest.mark.parametrize("render", [feedback_markdown, feedback_html], ids=["markdown", "html"])

QUESTIONS = (
    Question(name="q1", points=3.0, title="Build the model"),
    Question(name="q2", points=2.0, title="Train it"),
)
HIDDEN_NAME = "secret_weights_are_orthogonal"
HIDDEN_MESSAGE = "expected kernel[0, 0] == 0.4242"
SCRIPT = "<script>alert('hi')</script>"
ANSI = "\x1b[31m"
ALL_PASSED = messages.ALL_PASSED.format()
CHECK_BROKE_NOTE = messages.CHECK_BROKE_NOTE.format()
GRADER_ERROR_FOR_STUDENT = messages.GRADER_ERROR_FOR_STUDENT.format()
NEXT_FIX_FAILED = messages.NEXT_FIX_FAILED.format()
NEXT_GRADER_ERROR = messages.NEXT_GRADER_ERROR.format()
NEXT_REJECTED = messages.NEXT_REJECTED.format()
NEXT_RUN_CLEANLY = messages.NEXT_RUN_CLEANLY.format()


def result(
    *checks: CheckResult,
    status: SubmissionStatus = "graded",
    message: str = "All cells ran without errors.",
    execution: ExecutionSummary | None = None,
    name: str = "alice.ipynb",
) -> SubmissionResult:
    run = execution or ExecutionSummary("completed", "All cells ran without errors.")
    return SubmissionResult(name, "autograph", status, message, run, checks)


def mixed() -> SubmissionResult:
    """q1: one public pass, one public fail, hidden 1 of 2 passed; q2: one hidden fail; a cell error."""
    return result(
        check_result("shape", "q1"),
        check_result("activation", "q1", outcome="failed", message="Layer 2 uses sigmoid; use relu."),
        check_result("hidden_ok", "q1", visibility="hidden", message="fine"),
        check_result(HIDDEN_NAME, "q1", outcome="failed", message=HIDDEN_MESSAGE, visibility="hidden"),
        check_result("hidden_two", "q2", outcome="failed", points=2.0, visibility="hidden"),
        execution=ExecutionSummary(
            "completed", "Cell 4 stopped with an error.", (CellError(4, "ZeroDivisionError: division by zero"),)
        ),
    )


def render_with(render: Renderer, r: SubmissionResult) -> str:
    return render(r, score(r, QUESTIONS))


def page_text(page: str) -> str:
    """Everything a browser would show as text (the page is also well-formed XML)."""
    root = ET.fromstring(page)
    body = root.find("body")
    assert body is not None
    return " ".join("".join(body.itertext()).split())


def shown(render: Renderer, r: SubmissionResult) -> str:
    out = render_with(render, r)
    return page_text(out) if render is feedback_html else out


# -- content ----------------------------------------------------------------------------------


def test_markdown_lists_total_questions_public_checks_and_next_steps() -> None:
    md = render_with(feedback_markdown, mixed())

    assert "**Score: 2 / 5 points**" in md
    assert "### q1: Build the model (2 / 3 points)" in md
    assert "### q2: Train it (0 / 2 points)" in md
    assert "- ✓ Passed: **shape** (1 / 1 point)" in md
    assert "- ✗ Failed: **activation** (0 / 1 point): Layer 2 uses sigmoid; use relu." in md
    assert "- Cell 4: ZeroDivisionError: division by zero" in md
    steps = md.split("## What to do next", 1)[1]
    assert NEXT_RUN_CLEANLY in steps and NEXT_FIX_FAILED in steps
    assert ALL_PASSED not in md


def test_html_shows_the_same_content() -> None:
    text = shown(feedback_html, mixed())

    for expected in (
        "2 / 5 points",
        "q1: Build the model 2 / 3 points",
        "Passed: shape (1 / 1 point)",
        "Failed: activation (0 / 1 point)Layer 2 uses sigmoid; use relu.",
        "Cell 4: ZeroDivisionError: division by zero",
        "What to do next",
        NEXT_FIX_FAILED,
    ):
        assert expected in text


@RENDERERS
def test_hidden_checks_appear_only_as_counts_per_question(render: Renderer) -> None:
    out = render_with(render, mixed())

    assert HIDDEN_NAME not in out and "hidden_ok" not in out and "hidden_two" not in out
    assert HIDDEN_MESSAGE not in out and "fine" not in out
    text = shown(render, mixed())
    assert "Hidden checks: 1 of 2 passed (1 / 2 points)." in text
    assert "Hidden checks: 0 of 1 passed (0 / 2 points)." in text


@RENDERERS
def test_grader_error_shows_a_plain_sentence_not_the_instructors_message(render: Renderer) -> None:
    r = result(status="grader_error", message="Grader error: KeyError: 'q9' in /srv/checks/test_q9.py")
    text = shown(render, r)

    assert GRADER_ERROR_FOR_STUDENT in text
    assert NEXT_GRADER_ERROR in text
    assert "KeyError" not in text and "/srv/checks" not in text
    assert "Not graded yet" in text


@RENDERERS
def test_rejected_submission_says_why_and_lists_no_questions(render: Renderer) -> None:
    r = result(status="rejected", message="This file is not a notebook: it is empty.")
    text = shown(render, r)

    assert "Not graded" in text and "0 / 5 points" in text
    assert "This file is not a notebook: it is empty." in text
    assert NEXT_REJECTED in text
    assert "Build the model" not in text


@RENDERERS
def test_all_passed_gets_a_closing_line_and_no_next_steps(render: Renderer) -> None:
    r = result(check_result("a", "q1", points=3.0), check_result("b", "q2", points=2.0, visibility="hidden"))
    text = shown(render, r)

    assert ALL_PASSED in text
    assert "What to do next" not in text


@RENDERERS
def test_no_closing_praise_when_points_are_missing_without_a_failure(render: Renderer) -> None:
    text = shown(render, result(check_result("a", "q1", points=3.0)))

    assert ALL_PASSED not in text
    assert "No checks ran for this question." in text


@RENDERERS
def test_timeout_broken_check_missing_name_and_unknown_question_are_explained(render: Renderer) -> None:
    run = ExecutionSummary("timeout", "Cell 7 ran longer than 10 s and was stopped.", missing_names=("simple_nn",))
    r = result(
        check_result("uses_graph", "q1", outcome="error", message="check crashed"),
        check_result("extra", "q9"),
        message="Graded what ran before the time limit.",
        execution=run,
    )
    text = shown(render, r)

    assert "Cell 7 ran longer than 10 s and was stopped." in text
    assert re.search(r"never defines simple\\?_nn", text)  # Markdown escapes the underscore
    assert CHECK_BROKE_NOTE in text
    assert "Could not run" in text
    assert "q9 (not a question of this assignment" in text or "q9 not a question of this assignment" in text


# -- safety -----------------------------------------------------------------------------------


def hostile() -> SubmissionResult:
    return result(
        check_result(f"shape{SCRIPT}", "q1", outcome="failed", message=f"{ANSI}got {SCRIPT}\x07"),
        check_result("multi", "q1", outcome="failed", message=f"line one\n```\n# {SCRIPT}\n[x](javascript:x)"),
        name=f"{ANSI}{SCRIPT}.ipynb",
        execution=ExecutionSummary("completed", "x", (CellError(2, f"ValueError: {SCRIPT}{ANSI}"),)),
    )


def test_html_escapes_student_text_and_strips_terminal_escapes() -> None:
    page = render_with(feedback_html, hostile())
    root = ET.fromstring(page)

    assert "<script" not in page.lower()
    assert root.find(".//script") is None
    assert "\x1b" not in page and "\x07" not in page
    assert f"got {SCRIPT}" in page_text(page)  # shown to the student as the text it was
    assert root.findtext("head/title") == f"Feedback: {SCRIPT}.ipynb"


def test_markdown_cannot_inject_html_links_or_close_its_code_block() -> None:
    md = render_with(feedback_markdown, hostile())

    assert "\x1b" not in md and "\x07" not in md
    inline = md.split("````", 1)[0]  # everything before the multi-line message's fence
    assert "<script" not in inline
    assert "&lt;script&gt;" in inline
    assert "\\[" not in md.split("````")[1]  # inside the fence text is literal, not escaped
    fences = re.findall(r"^\s*(`{3,})\s*$", md, flags=re.MULTILINE)
    # Opened and closed by four backticks, so the message's own ``` line stays inside the block.
    assert fences == ["````", "```", "````"]


def test_markdown_escapes_markup_characters_in_one_line_text() -> None:
    r = result(check_result("*bold* _it_ [link](http://x) | `code`", "q1", outcome="failed", message="# not a heading"))
    md = render_with(feedback_markdown, r)

    assert r"**\*bold\* \_it\_ \[link\](http://x) \| `code`**" in md
    assert r"\# not a heading" in md


def test_code_in_messages_is_shown_as_code_never_as_backticks() -> None:
    # Messages mark code as `name` (issue 21): Markdown keeps the span, the page makes it <code>.
    message = "`MyDense` is not defined: `<b>x</b>` stays text, and so does a lone `."
    r = result(check_result("defined", "q1", outcome="failed", message=message))

    md = render_with(feedback_markdown, r)
    page = render_with(feedback_html, r)

    assert "`MyDense` is not defined: `<b>x</b>` stays text, and so does a lone \\`." in md
    assert "<code>MyDense</code> is not defined" in page
    assert "<code>&lt;b&gt;x&lt;/b&gt;</code>" in page and "<b>x</b>" not in page


def test_html_page_is_standalone() -> None:
    page = render_with(feedback_html, mixed())

    assert page.startswith("<!DOCTYPE html>")
    assert "<style>" in page
    assert not re.search(r"\b(src|href)=|@import|url\(", page)


# -- hints ------------------------------------------------------------------------------------

HINT = "The layer must accept inputs of <any> shape."
HABIT = messages.HABIT_VIS_UTILS.format()


def hinted() -> SubmissionResult:
    """A cell error from a habit; a public check with a hint; two failed hidden checks sharing a hint."""
    import dataclasses

    def with_hint(check: CheckResult, hint: str) -> CheckResult:
        return dataclasses.replace(check, hint=hint, requirement="q1-any-shape")

    return result(
        with_hint(check_result("draws", "q1", outcome="failed", message="`draw_model` is not defined."), HABIT),
        with_hint(check_result(HIDDEN_NAME, "q1", outcome="failed", message=HIDDEN_MESSAGE, visibility="hidden"), HINT),
        with_hint(check_result("hidden_two", "q1", outcome="failed", visibility="hidden"), HINT),
        execution=ExecutionSummary(
            "completed", "Cell 2 stopped with an error.",
            (CellError(2, "ModuleNotFoundError: No module named 'keras.utils.vis_utils'", HABIT),),
        ),
    )


@RENDERERS
def test_hints_follow_the_cell_error_the_check_and_the_hidden_counts(render: Renderer) -> None:
    text = shown(render, hinted())
    if render is feedback_markdown:  # what a reader of the rendered Markdown sees (code spans keep their backticks)
        text = html.unescape(re.sub(r"\\(.)", r"\1", text))
    hint_line = messages.HINT.format(hint=HABIT)
    if render is feedback_html:  # a page shows `code` as <code>, whose text has no backticks
        hint_line = hint_line.replace("`", "")

    assert text.count(hint_line) == 2  # after the cell error and after the public check's message
    assert text.count(HINT) == 1  # two failed hidden checks, one requirement: said once
    assert messages.HIDDEN_HINTS.format() in text
    assert HIDDEN_NAME not in text and HIDDEN_MESSAGE not in text and "hidden_two" not in text


def test_markdown_nests_the_hints_under_what_they_explain() -> None:
    md = render_with(feedback_markdown, hinted())

    assert "- Cell 2: ModuleNotFoundError: No module named 'keras.utils.vis\\_utils'\n  - Hint: Keras 3 removed" in md
    assert "- ✗ Failed: **draws** (0 / 1 point): `draw_model` is not defined.\n  - Hint: Keras 3 removed" in md
    assert "Details of hidden checks are not shown.\\\n  What the failed hidden checks point at:\n" in md
    assert "\n  - The layer must accept inputs of &lt;any&gt; shape.\n" in md


def test_html_escapes_hints_like_any_other_text() -> None:
    page = render_with(feedback_html, hinted())

    assert "&lt;any&gt;" in page and "<any>" not in page
    ET.fromstring(page)  # still well-formed
