"""One student's feedback, ready to publish: as Markdown, or as a standalone HTML page.

Both renderers are pure and draw the same content from one view of the result, so they cannot
disagree: the total, each question's score, every *public* check with its message, hidden
checks only as counts and points per question (never their names or messages), the cells that
stopped with an error, the submission-level message, and what to do next.

Student-controlled text (file names, exception text quoted in messages) first goes through
:func:`autograder.reports.formats.safe_text`, then is escaped for the format it lands in: HTML entities
in the page; in Markdown, entities plus backslashes before markup characters, and fenced code
blocks for multi-line messages. A grader error shows the student a plain sentence, never the
instructor's message.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from autograder.core.results import CheckResult, Outcome, SubmissionResult, SubmissionStatus
from autograder.core.scoring import QuestionScore, Score
from autograder.reports.formats import (
    CELL_ERROR_LIMIT,
    CHECK_BROKE_NOTE,
    HIDDEN_NOTE,
    MESSAGE_LIMIT,
    NAME_LIMIT,
    format_number,
    next_steps,  # the one "what to do next" policy, shared with feedback_text and Gradescope
    safe_text,
    submission_message,
)

__all__ = ["feedback_html", "feedback_markdown"]

ALL_PASSED = "Every check passed. Well done!"
NO_CHECKS = "No checks ran for this question."
NOT_SCORED = "not a question of this assignment, so it is not scored"

_STATUS_LABEL: dict[SubmissionStatus, str] = {
    "graded": "Score",
    "rejected": "Not graded",
    "grader_error": "Not graded yet",
}
_VERDICT: dict[Outcome, tuple[str, str]] = {
    "passed": ("✓", "Passed"),
    "failed": ("✗", "Failed"),
    "error": ("!", "Could not run"),
}


# -- the view both renderers draw -------------------------------------------------------------


@dataclass(frozen=True)
class _Check:
    name: str
    outcome: Outcome
    points: str
    message: str
    """Already made safe; may span lines."""


@dataclass(frozen=True)
class _Question:
    heading: str
    points: str
    """``"2 / 3 points"``, or why the question is not scored."""
    checks: tuple[_Check, ...]
    hidden: str
    """One line about the hidden checks, or empty when the question has none."""


@dataclass(frozen=True)
class _View:
    submission: str
    assignment: str
    status: SubmissionStatus
    total: str
    fraction: float
    notices: tuple[str, ...]
    cell_errors: tuple[tuple[int, str], ...]
    questions: tuple[_Question, ...]
    next_steps: tuple[str, ...]
    closing: str


def _view(result: SubmissionResult, score: Score) -> _View:
    graded = result.status == "graded"
    steps = tuple(next_steps(result))
    return _View(
        submission=safe_text(result.submission, NAME_LIMIT),
        assignment=safe_text(result.assignment, NAME_LIMIT),
        status=result.status,
        total=_points(score.earned, score.points),
        fraction=min(max(score.earned / score.points, 0.0), 1.0) if score.points > 0 else 0.0,
        notices=tuple(_notices(result)),
        cell_errors=tuple((e.cell, safe_text(e.error, CELL_ERROR_LIMIT)) for e in result.execution.cell_errors),
        questions=_questions(result, score) if graded else (),
        next_steps=steps,
        closing=ALL_PASSED if graded and result.checks and not steps and score.earned >= score.points else "",
    )


def _notices(result: SubmissionResult) -> list[str]:
    message = safe_text(submission_message(result, for_student=True), MESSAGE_LIMIT, one_line=False)
    notices = [message] if message else []
    execution = result.execution
    # A graded submission's message is usually the execution message itself; say it once.
    if execution.status in ("timeout", "died") and execution.message != result.message:
        notices.append(safe_text(execution.message, MESSAGE_LIMIT, one_line=False))
    if execution.missing_names:
        names = ", ".join(safe_text(n, NAME_LIMIT) for n in execution.missing_names)
        notices.append(f"Your notebook never defines {names}. The assignment asks for these exact names.")
    return notices


def _questions(result: SubmissionResult, score: Score) -> tuple[_Question, ...]:
    """The assignment's questions in order, then any question a check named that it lacks."""
    groups: dict[str, list[CheckResult]] = {q.question: [] for q in score.questions}
    for check in result.checks:
        groups.setdefault(check.question, []).append(check)
    scores = {q.question: q for q in score.questions}
    return tuple(_question(name, scores.get(name), checks) for name, checks in groups.items())


def _question(name: str, q: QuestionScore | None, checks: Sequence[CheckResult]) -> _Question:
    label = safe_text(name, NAME_LIMIT)
    title = safe_text(q.title, NAME_LIMIT) if q else ""
    hidden = [c for c in checks if c.visibility == "hidden"]
    return _Question(
        heading=label if title in ("", label) else f"{label}: {title}",
        points=_points(q.earned, q.points) if q else NOT_SCORED,
        checks=tuple(_check(c) for c in checks if c.visibility == "public"),
        hidden=_hidden_line(hidden) if hidden else "",
    )


def _check(check: CheckResult) -> _Check:
    message = safe_text(check.message, MESSAGE_LIMIT, one_line=False)
    if check.outcome == "error":
        message = f"{message}\n{CHECK_BROKE_NOTE}".strip()
    return _Check(safe_text(check.name, NAME_LIMIT), check.outcome, _points(check.earned, check.points), message)


def _hidden_line(hidden: Sequence[CheckResult]) -> str:
    passed = sum(1 for c in hidden if c.outcome == "passed")
    points = _points(sum(c.earned for c in hidden), sum(c.points for c in hidden))
    return f"Hidden checks: {passed} of {len(hidden)} passed ({points}). {HIDDEN_NOTE}"


def _points(earned: float, points: float) -> str:
    out_of = format_number(points)
    return f"{format_number(earned)} / {out_of} {'point' if out_of == '1' else 'points'}"


# -- Markdown ---------------------------------------------------------------------------------

_MD_PUNCTUATION = re.compile(r"([\\`*_\[\]|~])")
_MD_LINE_MARKER = re.compile(r"^(\s*)([#+=-])")
_MD_LINE_NUMBER = re.compile(r"^(\s*\d+)([.)])")


def feedback_markdown(result: SubmissionResult, score: Score) -> str:
    """The feedback as Markdown (CommonMark), safe to publish where Markdown is rendered."""
    view = _view(result, score)
    lines = [f"# Feedback: {_md(view.submission)}", "", f"Assignment: {_md(view.assignment)}", ""]
    lines += [f"**{_STATUS_LABEL[view.status]}: {view.total}**", ""]
    lines += [_md_paragraph(notice) + "\n" for notice in view.notices]
    if view.cell_errors:
        lines += ["## Cells that stopped with an error", ""]
        lines += [f"- Cell {cell}: {_md(error)}" for cell, error in view.cell_errors] + [""]
    if view.questions:
        lines += ["## Your answers", ""]
        for question in view.questions:
            lines += _md_question(question)
    if view.next_steps:
        lines += ["## What to do next", ""] + [f"- {_md(step)}" for step in view.next_steps] + [""]
    if view.closing:
        lines += [view.closing, ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _md_question(question: _Question) -> list[str]:
    lines = [f"### {_md(question.heading)} ({_md(question.points)})", ""]
    for check in question.checks:
        mark, verdict = _VERDICT[check.outcome]
        item = f"- {mark} {verdict}: **{_md(check.name)}** ({check.points})"
        if "\n" in check.message:
            lines += [item + ":", *_md_code_block(check.message, indent="  ")]
        else:
            lines.append(f"{item}: {_md(check.message)}" if check.message else item)
    if question.hidden:
        lines.append(f"- {_md(question.hidden)}")
    if not question.checks and not question.hidden:
        lines.append(f"- {NO_CHECKS}")
    return [*lines, ""]


def _md(text: str) -> str:
    """One line of text that Markdown shows as typed: no HTML, links, emphasis or block markers."""
    text = _MD_PUNCTUATION.sub(r"\\\1", html.escape(text, quote=False))
    text = _MD_LINE_MARKER.sub(r"\1\\\2", text)
    return _MD_LINE_NUMBER.sub(r"\1\\\2", text)


def _md_paragraph(text: str) -> str:
    # A backslash at the end of a line is CommonMark's hard line break.
    return "\\\n".join(_md(line) for line in text.split("\n"))


def _md_code_block(text: str, *, indent: str) -> list[str]:
    """A fenced block longer than any run of backticks in ``text``, so nothing inside can close it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [indent + fence, *(indent + line for line in text.split("\n")), indent + fence]


# -- HTML -------------------------------------------------------------------------------------

_CSS = """
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --panel: #f6f8fa;
  --pass: #1a7f37; --fail: #cf222e; --warn: #9a6700; --accent: #0969da; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--panel); color: var(--fg);
  font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 820px; margin: 0 auto; padding: 32px 20px 48px; }
section, header { background: #fff; border: 1px solid var(--line); border-radius: 10px;
  padding: 20px 24px; margin-bottom: 16px; }
h1 { font-size: 24px; margin: 0 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 18px; margin: 0 0 12px; }
.question + .question { margin-top: 20px; }
h3 { font-size: 16px; margin: 0 0 6px; display: flex; justify-content: space-between; gap: 12px; }
h3 .pts { color: var(--muted); font-weight: normal; white-space: nowrap; }
.eyebrow { color: var(--muted); margin: 0; font-size: 14px; }
.total { font-size: 18px; margin: 12px 0 8px; }
.total strong { font-size: 34px; }
.meter { height: 10px; background: #eaeef2; border-radius: 5px; overflow: hidden; }
.meter span { display: block; height: 100%; background: var(--accent); }
.status { display: inline-block; padding: 2px 10px; border-radius: 999px; font-size: 14px;
  background: #fff1e5; color: #953800; border: 1px solid #ffd8b5; }
ul { padding-left: 0; margin: 0; list-style: none; }
li { padding: 8px 0; border-top: 1px solid #eaeef2; }
li:first-child { border-top: 0; }
.mark { display: inline-block; width: 1.4em; font-weight: bold; }
.passed .mark { color: var(--pass); } .failed .mark { color: var(--fail); } .error .mark { color: var(--warn); }
.check-pts { color: var(--muted); font-size: 14px; }
.message, .notice { white-space: pre-wrap; overflow-wrap: anywhere; }
.message { margin: 4px 0 0 1.4em; color: #393f46;
  font: 14px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.hidden-checks { color: var(--muted); }
.next li::before { content: "→ "; color: var(--accent); }
.closing { color: var(--pass); font-weight: 600; }
"""


def feedback_html(result: SubmissionResult, score: Score) -> str:
    """The feedback as one standalone HTML page: inline CSS, no scripts, nothing fetched."""
    view = _view(result, score)
    parts = [_html_header(view), _html_notices(view), _html_cell_errors(view), _html_questions(view), _html_next(view)]
    body = "\n".join(part for part in parts if part)
    title = _e(f"Feedback: {view.submission}")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8" />\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1" />\n'
        f"<title>{title}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def _html_header(view: _View) -> str:
    earned, _, rest = view.total.partition(" / ")
    status = "" if view.status == "graded" else f'<p><span class="status">{_STATUS_LABEL[view.status]}</span></p>'
    return (
        f'<header>\n<p class="eyebrow">Feedback · {_e(view.assignment)}</p>\n<h1>{_e(view.submission)}</h1>\n'
        f'<p class="total"><strong>{_e(earned)}</strong> / {_e(rest)}</p>\n'
        f'<div class="meter" aria-hidden="true"><span style="width: {100 * view.fraction:.1f}%"></span></div>\n'
        f"{status}</header>"
    )


def _html_notices(view: _View) -> str:
    if not view.notices:
        return ""
    paragraphs = "\n".join(f'<p class="notice">{_e(notice)}</p>' for notice in view.notices)
    return f"<section>\n{paragraphs}\n</section>"


def _html_cell_errors(view: _View) -> str:
    if not view.cell_errors:
        return ""
    items = "\n".join(
        f'<li><strong>Cell {cell}</strong>: <span class="message">{_e(error)}</span></li>'
        for cell, error in view.cell_errors
    )
    return f"<section>\n<h2>Cells that stopped with an error</h2>\n<ul>\n{items}\n</ul>\n</section>"


def _html_questions(view: _View) -> str:
    if not view.questions:
        return ""
    blocks = "\n".join(_html_question(q) for q in view.questions)
    return f"<section>\n<h2>Your answers</h2>\n{blocks}\n</section>"


def _html_question(question: _Question) -> str:
    items = [_html_check(c) for c in question.checks]
    if question.hidden:
        items.append(f'<li class="hidden-checks">{_e(question.hidden)}</li>')
    if not items:
        items.append(f'<li class="hidden-checks">{NO_CHECKS}</li>')
    heading = f'<h3><span>{_e(question.heading)}</span> <span class="pts">{_e(question.points)}</span></h3>'
    return '<div class="question">\n' + heading + "\n<ul>\n" + "\n".join(items) + "\n</ul>\n</div>"


def _html_check(check: _Check) -> str:
    mark, verdict = _VERDICT[check.outcome]
    message = f'<div class="message">{_e(check.message)}</div>' if check.message else ""
    return (
        f'<li class="check {check.outcome}"><span class="mark" aria-hidden="true">{mark}</span>'
        f"{verdict}: <strong>{_e(check.name)}</strong> "
        f'<span class="check-pts">({_e(check.points)})</span>{message}</li>'
    )


def _html_next(view: _View) -> str:
    if view.next_steps:
        items = "\n".join(f"<li>{_e(step)}</li>" for step in view.next_steps)
        return f'<section class="next">\n<h2>What to do next</h2>\n<ul>\n{items}\n</ul>\n</section>'
    if view.closing:
        return f'<section>\n<p class="closing">{_e(view.closing)}</p>\n</section>'
    return ""


def _e(text: str) -> str:
    return html.escape(text, quote=True)
