"""One student's feedback, ready to publish: as Markdown, or as a standalone HTML page.

Both renderers are pure and draw the same content from one view of the result, so they cannot
disagree: the total, each question's score, every *public* check with its message and hints, hidden
checks only as counts and points per question with the hints of the failed ones (never their names,
messages or inputs), the cells that stopped with an error and the hint of the habit behind each,
the submission-level message, an instructor's change of a score with its reason, and what to do
next, and for a submission with integrity flags only a neutral line (never a flag's kind, cell or
detail). Every sentence comes from :mod:`autograder.messages`; the page is the ``feedback.html``
template (:mod:`.pages`).

Student-controlled text (file names, exception text quoted in messages) first goes through
:func:`autograder.reports.formats.safe_text`, then is escaped for the format it lands in: the
template's autoescape in the page; in Markdown, entities plus backslashes before markup
characters, and fenced code blocks for multi-line messages. A grader error shows the student a
plain sentence, never the instructor's message.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from autograder import messages
from autograder.core.results import CheckResult, Outcome, SubmissionResult, SubmissionStatus
from autograder.core.scoring import QuestionScore, Score
from autograder.reports.formats import (
    CELL_ERROR_LIMIT,
    MESSAGE_LIMIT,
    NAME_LIMIT,
    format_number,
    hidden_hints,
    hidden_summary,
    hint_lines,
    next_steps,  # the one "what to do next" policy, shared with feedback_text and Gradescope
    override_lines,
    points_text,
    question_note,
    safe_text,
    student_check_message,
    submission_message,
)
from autograder.reports.pages import render_page
from autograder.text import code_spans

__all__ = ["feedback_html", "feedback_markdown"]

_STATUS_LABEL: dict[SubmissionStatus, messages.Message] = {
    "graded": messages.STATUS_GRADED,
    "rejected": messages.STATUS_REJECTED,
    "grader_error": messages.STATUS_GRADER_ERROR,
}
_MARK: dict[Outcome, str] = {"passed": "✓", "failed": "✗", "error": "!"}
_VERDICT: dict[Outcome, messages.Message] = {
    "passed": messages.VERDICT_PASSED,
    "failed": messages.VERDICT_FAILED,
    "error": messages.VERDICT_ERROR,
}


# -- the view both renderers draw -------------------------------------------------------------


@dataclass(frozen=True)
class _Check:
    name: str
    outcome: Outcome
    mark: str
    verdict: str
    points: str
    message: str
    """Already made safe; may span lines."""
    hints: tuple[str, ...]
    """What the failure points at (a habit, a failed cell), one line each, made safe."""


@dataclass(frozen=True)
class _CellError:
    cell: int
    error: str
    hint: str
    """The hint of the habit behind the error, or empty; made safe."""


@dataclass(frozen=True)
class _Question:
    heading: str
    points: str
    """``"2 / 3 points"``, or why the question is not scored."""
    checks: tuple[_Check, ...]
    hidden: str
    """One line about the hidden checks, or empty when the question has none."""
    hints: tuple[str, ...]
    """The hints of the failed hidden checks, each once, made safe."""
    override: str = ""
    """The instructor's change of this question's score, with its reason; empty without one."""


@dataclass(frozen=True)
class _View:
    submission: str
    assignment: str
    status: SubmissionStatus
    status_label: str
    earned: str
    out_of: str
    count: float
    """The assignment's points, which pick the plural of "points"."""
    fraction: float
    notices: tuple[str, ...]
    cell_errors: tuple[_CellError, ...]
    questions: tuple[_Question, ...]
    next_steps: tuple[str, ...]
    closing: str

    @property
    def total(self) -> str:
        return messages.POINTS.format(earned=self.earned, points=self.out_of, count=self.count)


def feedback_view(result: SubmissionResult, score: Score) -> _View:
    graded = result.status == "graded"
    steps = tuple(next_steps(result))
    all_passed = graded and result.checks and not steps and score.earned >= score.points
    return _View(
        submission=safe_text(result.submission, NAME_LIMIT),
        assignment=safe_text(result.assignment, NAME_LIMIT),
        status=result.status,
        status_label=_STATUS_LABEL[result.status].format(),
        earned=format_number(score.earned),
        out_of=format_number(score.points),
        count=float(format_number(score.points)),
        fraction=min(max(score.earned / score.points, 0.0), 1.0) if score.points > 0 else 0.0,
        notices=(*_notices(result), *override_lines(score, questions=not graded)),
        cell_errors=tuple(
            _CellError(e.cell, safe_text(e.error, CELL_ERROR_LIMIT), safe_text(e.hint, MESSAGE_LIMIT))
            for e in result.execution.cell_errors
        ),
        questions=_questions(result, score) if graded else (),
        next_steps=steps,
        closing=messages.ALL_PASSED.format() if all_passed else "",
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
        notices.append(messages.MISSING_NAMES.format(names=names, count=len(execution.missing_names)))
    if result.flags:
        notices.append(messages.INTEGRITY_REVIEW.format())
    return notices


def _questions(result: SubmissionResult, score: Score) -> tuple[_Question, ...]:
    """The assignment's questions in order, then any question a check named that it lacks."""
    groups: dict[str, list[CheckResult]] = {q.question: [] for q in score.questions}
    for check in result.checks:
        groups.setdefault(check.question, []).append(check)
    scores = {q.question: q for q in score.questions}
    return tuple(question_view(name, scores.get(name), checks) for name, checks in groups.items())


def question_view(name: str, q: QuestionScore | None, checks: Sequence[CheckResult]) -> _Question:
    label = safe_text(name, NAME_LIMIT)
    title = safe_text(q.title, NAME_LIMIT) if q else ""
    hidden = [c for c in checks if c.visibility == "hidden"]
    return _Question(
        heading=label if title in ("", label) else f"{label}: {title}",
        points=points_text(q.earned, q.points) if q else messages.NOT_SCORED.format(),
        checks=tuple(_check(c) for c in checks if c.visibility == "public"),
        hidden=f"{hidden_summary(hidden)} {messages.HIDDEN_NOTE.format()}" if hidden else "",
        hints=tuple(hidden_hints(hidden)),
        override=question_note(q) if q else "",
    )


def _check(check: CheckResult) -> _Check:
    return _Check(
        name=safe_text(check.name, NAME_LIMIT),
        outcome=check.outcome,
        mark=_MARK[check.outcome],
        verdict=_VERDICT[check.outcome].format(),
        points=points_text(check.earned, check.points),
        message=student_check_message(check, with_hints=False),
        hints=tuple(hint_lines(check)) if check.outcome == "failed" else (),
    )


# -- Markdown ---------------------------------------------------------------------------------

_MD_PUNCTUATION = re.compile(r"([\\`*_\[\]|~])")
_MD_LINE_MARKER = re.compile(r"^(\s*)([#+=-])")
_MD_LINE_NUMBER = re.compile(r"^(\s*\d+)([.)])")


def feedback_markdown(result: SubmissionResult, score: Score) -> str:
    """The feedback as Markdown (CommonMark), safe to publish where Markdown is rendered."""
    view = feedback_view(result, score)
    lines = [f"# {md_escape(messages.FEEDBACK_TITLE.format(submission=view.submission))}", ""]
    lines += [md_escape(messages.FEEDBACK_ASSIGNMENT.format(assignment=view.assignment)), ""]
    lines += [f"**{md_escape(view.status_label)}: {view.total}**", ""]
    lines += [md_paragraph(notice) + "\n" for notice in view.notices]
    if view.cell_errors:
        lines += [f"## {messages.HEADING_CELL_ERRORS.format()}", ""]
        for error in view.cell_errors:
            lines.append(f"- {messages.CELL.format(cell=error.cell)}: {md_escape(error.error)}")
            lines += [f"  - {md_escape(messages.HINT.format(hint=error.hint))}"] if error.hint else []
        lines.append("")
    if view.questions:
        lines += [f"## {messages.HEADING_ANSWERS.format()}", ""]
        for question in view.questions:
            lines += md_question(question)
    if view.next_steps:
        lines += [f"## {messages.HEADING_NEXT.format()}", ""]
        lines += [f"- {md_escape(step)}" for step in view.next_steps] + [""]
    if view.closing:
        lines += [md_escape(view.closing), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def md_question(question: _Question) -> list[str]:
    lines = [f"### {md_escape(question.heading)} ({md_escape(question.points)})", ""]
    lines += [md_escape(question.override), ""] if question.override else []
    for check in question.checks:
        item = f"- {check.mark} {check.verdict}: **{md_escape(check.name)}** ({check.points})"
        if "\n" in check.message:
            lines += [item + ":", *md_code_block(check.message, indent="  ")]
        else:
            lines.append(f"{item}: {md_escape(check.message)}" if check.message else item)
        lines += [f"  - {md_escape(messages.HINT.format(hint=hint))}" for hint in check.hints]
    if question.hidden:
        lines.append(f"- {md_escape(question.hidden)}")
        if question.hints:
            # A hard line break, then the hints as a list nested in the hidden checks' item.
            lines[-1] += "\\"
            lines.append(f"  {md_escape(messages.HIDDEN_HINTS.format())}")
            lines += [f"  - {md_escape(hint)}" for hint in question.hints]
    if not question.checks and not question.hidden:
        lines.append(f"- {md_escape(messages.NO_CHECKS.format())}")
    return [*lines, ""]


def md_escape(text: str) -> str:
    """One line of text that Markdown shows as typed, its `code` as code spans: no HTML, links, emphasis
    or block markers. A code span's content is literal in CommonMark, so it is left as it is."""
    text = "".join(f"`{part}`" if code else _md_text(part) for part, code in code_spans(text))
    text = _MD_LINE_MARKER.sub(r"\1\\\2", text)
    return _MD_LINE_NUMBER.sub(r"\1\\\2", text)


def _md_text(text: str) -> str:
    return _MD_PUNCTUATION.sub(r"\\\1", html.escape(text, quote=False))


def md_paragraph(text: str) -> str:
    # A backslash at the end of a line is CommonMark's hard line break.
    return "\\\n".join(md_escape(line) for line in text.split("\n"))


def md_code_block(text: str, *, indent: str) -> list[str]:
    """A fenced block longer than any run of backticks in ``text``, so nothing inside can close it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [indent + fence, *(indent + line for line in text.split("\n")), indent + fence]


# -- HTML -------------------------------------------------------------------------------------


def feedback_html(result: SubmissionResult, score: Score) -> str:
    """The feedback as one standalone HTML page: inline CSS, no scripts, nothing fetched."""
    view = feedback_view(result, score)
    title = messages.FEEDBACK_TITLE.format(submission=view.submission)
    return render_page("feedback.html", page="feedback", title=title, view=view)
