"""A small graded batch to review: three autograph submissions graded with canned checks (no TensorFlow).

Helpers only; the fixtures that use them are in this folder's conftest.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from factories import FakeExecutor, autograph_checks, execution, write_notebook

from autograder.core.assignment import Assignment
from autograder.core.notebook import Notebook
from autograder.grading.batch import grade_all
from autograder.grading.execution import Execution

FAILING = {"ann.ipynb": (), "bo.ipynb": ("q2_hidden", "q3_public"), "cy.ipynb": ("q1_hidden",)}
"""Each submission's failing checks: ann 11 / 11, bo 8 / 11, cy 9 / 11."""


@dataclass
class PerNotebook(FakeExecutor):
    """The fake executor with canned checks per notebook file name."""

    by_name: dict[str, Execution] = field(default_factory=dict)

    def run(self, notebook: Notebook, assignment: Assignment, *, include_hidden: bool, language: str) -> Execution:
        self.canned = self.by_name.get(notebook.path.name, self.canned)
        return super().run(notebook, assignment, include_hidden=include_hidden, language=language)


def executor() -> PerNotebook:
    return PerNotebook(by_name={name: execution(*autograph_checks(*failing)) for name, failing in FAILING.items()})


def graded_batch(root: Path, assignment: Assignment) -> tuple[Path, list[Path]]:
    """``root/out`` graded from ``root/subs``: cy's notebook imports the grader (an integrity flag)."""
    paths = []
    for name in FAILING:
        cells = ["import math", "from autograder.channel import protocol"] if name == "cy.ipynb" else ["import math"]
        paths.append(write_notebook(root / "subs" / name, *cells))
    out = root / "out"
    grade_all(paths, assignment, executor(), out, lambda _: None)
    return out, paths
