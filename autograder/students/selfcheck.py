"""The student's self-check: public checks, run the way the grader runs them.

From a notebook cell::

    from autograder.selfcheck import check
    check("q1")

This grades the SAVED notebook in a fresh process (exactly as the grader will), not the live
kernel's state, and shows the result as HTML in Jupyter (the ``selfcheck.html`` template) and as
text elsewhere, in the words of :mod:`autograder.messages`. The same engine backs ``tfgrade check``.

Hidden checks do not run here. For each question, the self-check lists what its hidden checks will
test: the hints of the requirements (``requirements.toml``) that have hidden checks, which are
written for students; never a hidden check's name or inputs.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

from autograder import i18n, messages
from autograder.core import assignment as assignments
from autograder.core import notebook as notebooks
from autograder.core.check_shares import HiddenShare, hidden_shares
from autograder.core.results import CheckResult
from autograder.grading.execution import Executor, ProcessExecutor
from autograder.grading.pipeline import Graded, grade
from autograder.reports.formats import (
    MESSAGE_LIMIT,
    format_number,
    safe_text,
    student_check_message,
    submission_message,
)
from autograder.reports.pages import render_page
from autograder.sandbox import warm
from autograder.students import inside_grading
from autograder.students.locator import Located, located


@dataclass(frozen=True)
class SelfCheck:
    """What the self-check found; shows itself as HTML in Jupyter and as text elsewhere."""

    graded: Graded
    question: str | None
    hidden: tuple[HiddenShare, ...]
    isolation: str
    notebook: Located | None = None
    """Which notebook ``check()`` checked and how it found it; None from the command line."""

    @property
    def checks(self) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.graded.result.checks if self.question in (None, c.question))

    @property
    def passed(self) -> bool:
        return self.graded.result.status == "graded" and all(c.outcome == "passed" for c in self.checks)

    def text(self) -> str:
        return render_text(self)

    def html(self) -> str:
        return render_html(self)

    def _repr_html_(self) -> str:
        return self.html()

    def __repr__(self) -> str:
        return self.text()


def run_self_check(
    path: str | os.PathLike[str], assignment: assignments.Assignment, question: str | None = None,
    executor: Executor | None = None, data: bytes | None = None,
) -> SelfCheck:
    """The public checks on the notebook at ``path`` (or its ``data``, when the caller has read it)."""
    if question is not None and assignment.question(question) is None:
        known = ", ".join(q.name for q in assignment.questions)
        raise ValueError(messages.UNKNOWN_QUESTION.format(question=question, known=known))
    executor = executor or ProcessExecutor()
    graded = grade(Path(path), assignment, executor, include_hidden=False, data=data)
    with i18n.using(graded.result.language):  # the hints of the hidden checks, in the notebook's language
        hidden = tuple(h for h in hidden_shares(assignment) if question in (None, h.question))
    return SelfCheck(graded=graded, question=question, hidden=hidden, isolation=executor.isolation)


def check(
    question: str | None = None, *, notebook: str | os.PathLike[str] | None = None, lang: str | None = None,
) -> SelfCheck | None:
    """Run the public checks (of one question, or all) on your saved notebook. Save first!

    ``lang="ko"`` shows the results in Korean (by default: the notebook's language, then the assignment's).
    """
    if inside_grading():  # the grader is running this notebook, and runs the checks itself
        return None
    # A student checks again and again from the same kernel: keep the TensorFlow-loaded server for the next
    # check, as the tfgrade command does (TFGRADE_WARM_SECONDS still decides).
    warm.keep_warm_by_default()
    with i18n.using(lang), located(notebook) as found:  # a notebook not found is said in ``lang`` too
        name = notebooks.load(found.path, expected_assignment=None).assignment
        if name is None:
            raise ValueError(messages.NO_ASSIGNMENT.format(file=found.name))
        assignment = requested(assignments.for_notebook(found.seat, name), lang)
        result = run_self_check(found.path, assignment, question)
    return dataclasses.replace(result, notebook=found)


def requested(assignment: assignments.Assignment, lang: str | None) -> assignments.Assignment:
    """The assignment with the student's choice of language (``lang=``/``--lang``), which beats the notebook's."""
    return dataclasses.replace(assignment, requested_language=i18n.check(lang, "lang")) if lang else assignment


# --- rendering (pure) ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    mark: str
    question: str
    name: str
    message: str | None
    """None for a check that passed."""


def _summary(result: SelfCheck) -> str:
    checks = result.checks
    passed = sum(c.outcome == "passed" for c in checks)
    hidden = sum(h.checks for h in result.hidden)
    if result.question:
        scope = messages.SCOPE_QUESTION.format(question=result.question)
    else:
        scope = messages.SCOPE_ALL.format()
    points = _points(sum(h.points for h in result.hidden))
    note = messages.SELFCHECK_HIDDEN.format(count=hidden, points=points) if hidden else ""
    return messages.SELFCHECK_SUMMARY.format(passed=passed, total=len(checks), scope=scope, hidden=note)


def _points(points: float) -> str:
    """"1 point", "2.5 points": the number as scores write it, the word in the language's plural form."""
    return messages.POINT_COUNT.format(points=format_number(points), count=points)


@dataclass(frozen=True)
class _Problem:
    text: str
    hint: str = ""
    """What to write instead, when the problem is a cell error from a Keras 2 / TF 1 habit."""


@dataclass(frozen=True)
class _Hidden:
    lead: str
    tests: tuple[str, ...]


def _problems(result: SelfCheck) -> list[_Problem]:
    r = result.graded.result
    if r.status != "graded":
        return [_Problem(safe_text(submission_message(r, for_student=True), 600))]
    problems = []
    if r.execution.status != "completed":
        problems.append(_Problem(safe_text(r.execution.message, 600)))
    problems += [
        _Problem(
            messages.CELL_STOPPED.format(cell=e.cell, error=safe_text(e.error, 300)),
            messages.HINT.format(hint=safe_text(e.hint, MESSAGE_LIMIT)) if e.hint.strip() else "",
        )
        for e in r.execution.cell_errors
    ]
    return problems


def _hidden(result: SelfCheck) -> list[_Hidden]:
    """What each question's hidden checks will test, for the questions whose requirements say."""
    return [
        _Hidden(
            messages.SELFCHECK_HIDDEN_TESTS.format(
                question=safe_text(h.question, 80), count=h.checks, points=_points(h.points)
            ),
            tuple(safe_text(t, MESSAGE_LIMIT) for t in h.tests),
        )
        for h in result.hidden
        if h.tests
    ]


def _rows(result: SelfCheck, marks: tuple[str, str]) -> list[_Row]:
    """One row per check; ``marks`` are the signs for passed and not passed."""
    return [
        _Row(
            marks[0] if c.outcome == "passed" else marks[1], c.question, c.name,
            None if c.outcome == "passed" else safe_text(student_check_message(c), 600),
        )
        for c in result.checks
    ]


def render_text(result: SelfCheck) -> str:
    with i18n.using(result.graded.result.language):
        return _render_text(result)


def _render_text(result: SelfCheck) -> str:
    lines = [_summary(result)]
    for problem in _problems(result):
        lines += [f"  ! {problem.text}"] + ([f"      {problem.hint}"] if problem.hint else [])
    for row in _rows(result, ("✓", "✗")):
        lines.append(f"  {row.mark} {row.question} {row.name}" + ("" if row.message is None else f": {row.message}"))
    for hidden in _hidden(result):
        lines += [hidden.lead, *(f"  - {test}" for test in hidden.tests)]
    if result.passed:
        lines.append(messages.SELFCHECK_ALL_PASSED.format())
    lines.append(messages.SELFCHECK_RAN_SAVED.format(saved=messages.SAVED.format().upper()))
    if result.notebook:
        lines.append(result.notebook.sentence())
    return "\n".join(lines)


def render_html(result: SelfCheck) -> str:
    with i18n.using(result.graded.result.language):
        return _render_html(result)


def _render_html(result: SelfCheck) -> str:
    return render_page(
        "selfcheck.html", colour="#1a7f37" if result.passed else "#b42318", summary=_summary(result),
        problems=_problems(result), checks=_rows(result, ("✅", "❌")), hidden=_hidden(result),
        notebook=result.notebook.sentence() if result.notebook else "",
    )
