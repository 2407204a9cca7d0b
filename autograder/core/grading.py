"""The grading pipeline, written once:

load and validate the notebook -> execute it and run the checks (student process + trusted check
process) -> explain the failures (each check's requirement and hint, the Keras 2 / TF 1 habit behind
an error) -> score -> (the caller renders reports from the result and the score).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from autograder.core import habits, notebook, requirements, scoring
from autograder.core.assignment import Assignment
from autograder.core.execution import Execution, Executor, GraderError
from autograder.core.results import SubmissionResult


@dataclass(frozen=True)
class Graded:
    result: SubmissionResult
    score: scoring.Score


def grade(path: Path, assignment: Assignment, executor: Executor, *, include_hidden: bool = True) -> Graded:
    result = _result(path, assignment, executor, include_hidden)
    return Graded(result=result, score=scoring.score(result, assignment.questions))


def _result(path: Path, assignment: Assignment, executor: Executor, include_hidden: bool) -> SubmissionResult:
    name = str(path)
    try:
        nb = notebook.load(path, assignment.name)
    except notebook.NotebookRejected as exc:
        return SubmissionResult(name, assignment.name, "rejected", str(exc))
    try:
        execution = executor.run(nb, assignment, include_hidden=include_hidden)
        _expect_declared_points(execution, assignment, include_hidden)
    except GraderError as exc:
        return SubmissionResult(name, assignment.name, "grader_error", f"Grader error: {exc}")
    sources = {c.number: c.source for c in nb.cells}
    summary = habits.explain_cells(execution.summary, sources, assignment.packages)
    checks = requirements.annotate(execution.checks, assignment.requirements)
    checks = habits.explain_checks(checks, summary.cell_errors, sources)
    return SubmissionResult(name, assignment.name, "graded", summary.message, summary, checks)


def _expect_declared_points(execution: Execution, assignment: Assignment, include_hidden: bool) -> None:
    """The checks must add up to what assignment.toml declares, or the scores mean nothing."""
    totals: dict[str, float] = defaultdict(float)
    for check in execution.checks:
        if assignment.question(check.question) is None:
            raise GraderError(
                f"check {check.name} names question {check.question!r}, which assignment.toml does not declare"
            )
        totals[check.question] += check.points
    if not include_hidden:
        return
    for question in assignment.questions:
        if abs(totals[question.name] - question.points) > 1e-9:
            raise GraderError(
                f"assignment.toml gives {question.name} {question.points:g} points but its checks add "
                f"up to {totals[question.name]:g}"
            )
