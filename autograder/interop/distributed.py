"""Grading beyond one machine: each submission a Dask task, results gathered the same way.

The batch (caching, reports, progress) stays in the instructor's process; only the grading of
one submission runs on a Dask worker, which must see the same paths (a shared filesystem) and
have tfgrade installed. What comes back is the plain JSON report, never a pickled result.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from autograder.core import codec, scoring
from autograder.core.assignment import Assignment
from autograder.core.grading import Graded
from autograder.reports import formats as report


def grade_on_worker(path: str, assignment_root: str) -> dict[str, Any]:
    """Runs ON the worker: grade one submission and return its full JSON report."""
    from autograder.core.assignment import load
    from autograder.core.execution import ProcessExecutor
    from autograder.core.grading import grade

    assignment = load(Path(assignment_root))
    graded = grade(Path(path), assignment, ProcessExecutor())
    return report.submission_report(graded.result, graded.score)


class DaskGrader:
    """Grades one submission per Dask task; use as a context manager so the client closes."""

    def __init__(self, scheduler: str, assignment: Assignment) -> None:
        from distributed import Client

        self._client = Client(scheduler)
        self._assignment = assignment

    def __call__(self, path: Path) -> Graded:
        future = self._client.submit(grade_on_worker, str(path.resolve()), str(self._assignment.root), pure=False)
        result = codec.REPORT.decode(future.result()).result
        return Graded(result=result, score=scoring.score(result, self._assignment.questions))

    def __enter__(self) -> DaskGrader:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._client.close()
