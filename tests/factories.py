"""Small builders shared by the fast tests: notebooks on disk, result values, a fake executor.

Nothing here imports TensorFlow or starts a process.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder.core.assignment import Assignment
from autograder.core.notebook import Notebook
from autograder.core.results import (
    CellError,
    CheckResult,
    ExecutionStatus,
    ExecutionSummary,
    Outcome,
    SubmissionResult,
    SubmissionStatus,
    Visibility,
)
from autograder.grading.execution import Execution

ALL_RAN = "All cells ran without errors."

# -- notebooks --------------------------------------------------------------------------------


def code(source: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_code_cell(source)


def markdown(source: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_markdown_cell(source)


def write_notebook(
    path: Path, *cells: str | nbformat.NotebookNode, assignment: str | None = "autograph"
) -> Path:
    """Write a valid notebook; plain strings become code cells. ``assignment`` goes in metadata."""
    node = nbformat.v4.new_notebook()
    node.cells = [code(c) if isinstance(c, str) else c for c in cells]
    if assignment is not None:
        node.metadata["tfgrade"] = {"assignment": assignment}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(node, path)
    return path


def write_answer(path: Path, assignment: str | None = "autograph") -> Path:
    """A small gradable notebook: a markdown title, then two code cells."""
    return write_notebook(path, markdown("# My answers"), "import math", "x = math.pi", assignment=assignment)


# -- result values ----------------------------------------------------------------------------


def check_result(
    name: str = "check",
    question: str = "q1",
    *,
    points: float = 1.0,
    earned: float | None = None,
    outcome: Outcome = "passed",
    message: str = "",
    visibility: Visibility = "public",
) -> CheckResult:
    if earned is None:
        earned = points if outcome == "passed" else 0.0
    return CheckResult(name, question, points, earned, outcome, message, visibility)


def summary(
    status: ExecutionStatus = "completed", message: str = ALL_RAN, cell_errors: tuple[CellError, ...] = ()
) -> ExecutionSummary:
    return ExecutionSummary(status, message, cell_errors)


def execution(*checks: CheckResult, run: ExecutionSummary | None = None) -> Execution:
    return Execution(summary=run or summary(), checks=checks)


def autograph_checks(*failing: str) -> tuple[CheckResult, ...]:
    """Checks that add up to the ``autograph`` assignment's 11 points: per question one public
    check worth 1 and hidden checks for the rest. Checks named in ``failing`` fail."""
    layout = {"q1": 2.0, "q2": 2.0, "q3": 2.0, "q4": 1.0}  # hidden points per question
    checks: list[CheckResult] = []
    for question, hidden_points in layout.items():
        for name, points, visibility in (
            (f"{question}_public", 1.0, "public"),
            (f"{question}_hidden", hidden_points, "hidden"),
        ):
            outcome: Outcome = "failed" if name in failing else "passed"
            message = f"{name} is wrong; fix it." if outcome == "failed" else ""
            checks.append(
                check_result(name, question, points=points, outcome=outcome, message=message, visibility=visibility)
            )
    return tuple(checks)


def submission_result(
    *checks: CheckResult, status: SubmissionStatus = "graded", message: str = ALL_RAN, name: str = "alice.ipynb"
) -> SubmissionResult:
    return SubmissionResult(name, "autograph", status, message, summary(), checks)


# -- execution --------------------------------------------------------------------------------


@dataclass
class Call:
    notebook: Notebook
    assignment: Assignment
    include_hidden: bool
    language: str
    """The language the executor was told to run in (the real one passes it to the student's and check processes)."""


@dataclass
class FakeExecutor:
    """An :class:`autograder.grading.execution.Executor` that returns a canned :class:`Execution`.

    Like the real one, it leaves hidden checks out when ``include_hidden`` is False. ``errors``
    maps a notebook's file name to an exception to raise for it instead. Every call is recorded.
    """

    canned: Execution = field(default_factory=lambda: execution(*autograph_checks()))
    isolated: bool = True
    isolation: str = "fake executor"
    errors: Mapping[str, BaseException] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)

    def run(self, notebook: Notebook, assignment: Assignment, *, include_hidden: bool, language: str) -> Execution:
        self.calls.append(Call(notebook, assignment, include_hidden, language))
        if notebook.path.name in self.errors:
            raise self.errors[notebook.path.name]
        if include_hidden:
            return self.canned
        public = tuple(c for c in self.canned.checks if c.visibility == "public")
        return Execution(summary=self.canned.summary, checks=public)
