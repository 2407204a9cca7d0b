"""The grading pipeline, written once:

load and validate the notebook -> read its source for integrity flags (code that reaches into the
grader, :mod:`autograder.core.integrity`; never scored) -> execute it and run the checks (student
process + trusted check process) -> explain the failures (each check's requirement and hint, the
Keras 2 / TF 1 habit behind an error) -> score -> (the caller renders reports from the result and
the score).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path

from autograder import i18n
from autograder.core import habits, integrity, notebook, requirements, scoring, source
from autograder.core.assignment import Assignment
from autograder.core.results import CheckResult, IntegrityFlag, SubmissionResult
from autograder.grading.execution import Execution, Executor, GraderError


@dataclass(frozen=True)
class Graded:
    result: SubmissionResult
    score: scoring.Score
    submitted: bytes | None = field(default=None, repr=False, compare=False)
    """The submitted file's bytes as they were graded, for the feedback notebook; None where this process did
    not read them (a result reused from an earlier run, or rejected before the file could be read)."""


def grade(path: Path, assignment: Assignment, executor: Executor, *, include_hidden: bool = True,
          data: bytes | None = None) -> Graded:
    """Grade the file at ``path``, or its ``data`` when the caller has read it already (then it is not read again)."""
    result, submitted = _result(path, data, assignment, executor, include_hidden)
    return Graded(result, scoring.score(result, assignment.questions_in(result.language)), submitted)


def _result(
    path: Path, data: bytes | None, assignment: Assignment, executor: Executor, include_hidden: bool,
) -> tuple[SubmissionResult, bytes | None]:
    """The result and the bytes it is of: the notebook is read and parsed once, its language resolved once."""
    # Until the notebook is read, its own language is unknown: a rejection speaks the command's or the assignment's.
    language = i18n.choose(assignment.requested_language, None, assignment.language)
    with i18n.using(language):
        try:
            nb = notebook.load(path, assignment.name, data)
        except notebook.NotebookRejected as exc:
            return SubmissionResult(str(path), assignment.name, "rejected", str(exc), language=language), data
    language = i18n.choose(assignment.requested_language, nb.language, assignment.language)
    return _executed(nb, assignment, executor, include_hidden, language), nb.data


def _executed(
    nb: notebook.Notebook, assignment: Assignment, executor: Executor, include_hidden: bool, language: str,
) -> SubmissionResult:
    name, flags = str(nb.path), _integrity_flags(nb)
    try:  # the executor is told the language: it passes it to the student's and the check process
        execution = executor.run(nb, assignment, include_hidden=include_hidden, language=language)
        _expect_declared_points(execution, assignment, include_hidden)
    except GraderError as exc:
        return SubmissionResult(name, assignment.name, "grader_error", f"Grader error: {exc}", language=language,
                                flags=flags)
    with i18n.using(language):  # the hints and explanations the result carries are written in its language
        sources = {c.number: c.source for c in nb.cells}
        summary = habits.explain_cells(execution.summary, sources, assignment.packages)
        checks = _translated_hints(requirements.annotate(execution.checks, assignment.requirements), assignment)
        checks = habits.explain_checks(checks, summary.cell_errors, sources)
    return SubmissionResult(name, assignment.name, "graded", summary.message, summary, checks, language=language,
                            flags=flags)


def _integrity_flags(nb: notebook.Notebook) -> tuple[IntegrityFlag, ...]:
    """From the cells the grader read itself, before anything runs: the student's process has no say."""
    return integrity.flags(source.parse_cells((cell.number, cell.source) for cell in nb.cells))


def _translated_hints(checks: tuple[CheckResult, ...], assignment: Assignment) -> tuple[CheckResult, ...]:
    """requirements.toml's hints in the current language, from the assignment's catalog (by their English text).

    A hint is one line: the table wraps it for its authors, and every renderer shows each line of a
    hint as a thing of its own to look at (explain_checks adds a line for a habit or a failed cell).
    """
    return tuple(
        replace(c, hint=" ".join(i18n.assignment_text(assignment.root, c.hint).split())) if c.hint else c
        for c in checks
    )


def _expect_declared_points(execution: Execution, assignment: Assignment, include_hidden: bool) -> None:
    """The checks must add up to what assignment.toml declares, or the scores mean nothing."""
    totals: dict[str, float] = defaultdict(float)
    for check in execution.checks:
        question = assignment.question(check.question)
        if question is None:
            raise GraderError(
                f"check {check.name} names question {check.question!r}, which assignment.toml does not declare"
            )
        if question.manual:
            raise GraderError(f"check {check.name} names question {check.question!r}, which assignment.toml "
                              f"marks as hand-graded (manual = true): a TA scores it, not a check")
        totals[check.question] += check.points
    if not include_hidden:
        return
    for question in assignment.questions:
        if question.manual:
            continue
        if abs(totals[question.name] - question.points) > 1e-9:
            raise GraderError(
                f"assignment.toml gives {question.name} {question.points:g} points but its checks add "
                f"up to {totals[question.name]:g}"
            )
