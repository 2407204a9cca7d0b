"""The mutation report for assignment authors: ``tfgrade validate ASSIGNMENT --mutants``.

A *mutant* is the solution notebook with one small mistake in its answer code (the code cells that
differ from the student template; given cells and public-check cells are never mutated). Each
mutant is graded with the real pipeline. A mutant that loses a point is *killed*; one that gets full
marks *survives*: either the mistake changes nothing the text asks (an *equivalent* mutant, which
the author reviews once and records with a reason) or a check is missing.

An assignment records reviewed equivalents in ``assignments/<name>/mutants.toml``::

    [[equivalent]]
    id = "q3:cell10:line6:swap-elements"
    reason = "Add is commutative: Add()([h, x]) computes the same sum."

Which question a mutant belongs to: the question whose heading (``## Question N``) comes before its
cell, unless the template marks the code around the change with a ``# Question N`` comment (the
custom_layers template asks for ``get_config`` and the registration decorator, Question 2, inside
the Question 1 cell). A mutant whose cell has neither takes the question whose checks it makes fail.

Generation (:mod:`~autograder.authoring.mutant_generation`), equivalents
(:mod:`~autograder.authoring.mutant_equivalents`), scoring and the report
(:mod:`~autograder.authoring.mutant_report`) are pure; :func:`run`, here, is the only function that
grades (in parallel, one :class:`~autograder.grading.execution.Executor` per mutant, as validate does).
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

# Generation, equivalents and the report have modules of their own; their names stay importable from here.
from autograder.authoring.mutant_equivalents import FILE_NAME, EquivalentsError, load_equivalents, parse_equivalents
from autograder.authoring.mutant_generation import ID_SHAPE, UNASSIGNED, Mutant, generate, mutant_notebook
from autograder.authoring.mutant_report import (
    REASON_CHARS,
    SCHEMA,
    QuestionScore,
    Report,
    Status,
    Verdict,
    as_json,
    build_report,
    text,
    verdict,
)
from autograder.core import ipynb
from autograder.core.assignment import Assignment, AssignmentError
from autograder.grading.execution import Executor
from autograder.grading.pipeline import Graded, grade

__all__ = [
    "FILE_NAME", "ID_SHAPE", "REASON_CHARS", "SCHEMA", "UNASSIGNED", "EquivalentsError", "Mutant", "Progress",
    "QuestionScore", "Report", "Status", "Verdict", "as_json", "build_report", "generate", "load_equivalents",
    "mutant_notebook", "parse_equivalents", "run", "text", "verdict",
]


# --- grading (the only I/O) -----------------------------------------------------------------------

@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    mutant: Mutant | None
    """None for the solution, graded first."""
    verdict: Verdict
    graded: Graded = field(repr=False)


def run(
    assignment: Assignment,
    make_executor: Callable[[], Executor],
    *,
    workers: int = 2,
    progress: Callable[[Progress], None] = lambda _: None,
) -> Report:
    """Grade the solution, then every mutant."""
    if assignment.solution is None:
        raise AssignmentError(f"{assignment.name}: no solution notebook to mutate (set solution = \"...\" "
                              "in assignment.toml)")
    equivalents = load_equivalents(assignment.root)
    questions = [q.name for q in assignment.questions]
    solution = ipynb.read(assignment.solution, as_version=4)
    mutants, skipped = generate(solution, ipynb.read(assignment.template, as_version=4), questions)
    baseline = grade(assignment.solution, assignment, make_executor())
    first = verdict(baseline)
    progress(Progress(0, len(mutants), None, first, baseline))
    if first.status != "survived":
        problem = f"the solution itself does not get full marks ({first.status}: " \
                  f"{', '.join(first.failed) or first.message}); fix that first"
        return Report(assignment.name, (), equivalents, (), (), solution_problem=problem)
    graded = _grade_all(assignment, solution, mutants, make_executor, workers, progress)
    return build_report(assignment.name, questions, graded, equivalents, skipped)


def _grade_all(assignment: Assignment, solution: nbformat.NotebookNode, mutants: list[Mutant],
               make_executor: Callable[[], Executor], workers: int,
               progress: Callable[[Progress], None]) -> list[tuple[Mutant, Verdict]]:
    done = [0]
    lock = threading.Lock()
    with tempfile.TemporaryDirectory(prefix="tfgrade-mutants-") as folder:
        def one(indexed: tuple[int, Mutant]) -> tuple[Mutant, Verdict]:
            index, mutant = indexed
            path = Path(folder) / f"mutant-{index:03d}.ipynb"
            ipynb.write(mutant_notebook(solution, mutant), path)
            graded = grade(path, assignment, make_executor())
            found = verdict(graded)
            with lock:  # progress lines count up in order, whichever worker finishes first
                done[0] += 1
                progress(Progress(done[0], len(mutants), mutant, found, graded))
            return mutant, found

        pool = ThreadPoolExecutor(max_workers=max(1, workers))
        try:
            return list(pool.map(one, enumerate(mutants, start=1)))
        finally:  # on Ctrl-C, stop after the gradings under way instead of grading every mutant left
            pool.shutdown(wait=True, cancel_futures=True)
