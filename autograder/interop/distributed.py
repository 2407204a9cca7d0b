"""Grading beyond one machine: each submission a Dask task, on workers that share no filesystem.

The batch (caching, reports, progress) stays in the instructor's process; only the grading of one
submission runs on a Dask worker. Nothing a worker reads or returns depends on the instructor's paths:

- The assignment travels once per worker, packed as a zip inside a worker plugin
  (:class:`autograder.interop.dask_worker.AssignmentBundle`): assignment.toml, the student template,
  ``requirements.toml``, ``checks/`` and ``data/``; never samples, the corpus or the solution.
- Each submission travels as its bytes and its file name (rejections name the file:
  ``corrupt.ipynb is not ...``). This process reads the file, so a missing or unreadable file is
  rejected exactly as on one machine, and the worker grades a copy written under that name.
- What comes back is the JSON report, decoded by :data:`autograder.core.codec.REPORT`; never a
  pickled result. This process names the row and writes every file (:func:`batch.grade_all`).

A worker that cannot grade as this machine would (another tfgrade, no sandbox, missing tools)
fails each of its tasks with a message naming it and what it lacks; the batch turns that into the
submission's ``grader_error`` row and goes on.

Dask is imported only when a grader is made, so ``tfgrade`` starts as fast without it.
"""

from __future__ import annotations

import dataclasses
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

from autograder.core import codec, notebook, scoring
from autograder.core.assignment import Assignment
from autograder.core.results import SubmissionResult
from autograder.errors import TfgradeError
from autograder.grading.pipeline import Graded
from autograder.interop.worker_settings import WorkerSettings

if TYPE_CHECKING:
    from autograder.interop.dask_worker import AssignmentBundle


class WorkerReplyError(TfgradeError):
    """A worker answered with something other than a JSON report."""


def cluster(scheduler: str | None, assignment: Assignment,
            settings: WorkerSettings) -> AbstractContextManager[DaskGrader | None]:
    """A grader on the Dask cluster at ``scheduler`` (open while in the ``with``); None without one, so
    :func:`autograder.grading.batch.grade_all` grades on this machine."""
    return DaskGrader(scheduler, assignment, settings) if scheduler else nullcontext()


class DaskGrader:
    """Grades one submission per Dask task; use as a context manager so the client closes."""

    def __init__(self, scheduler: str, assignment: Assignment, settings: WorkerSettings | None = None) -> None:
        from autograder import extras

        client_class = extras.require("distributed", "Grading on a Dask cluster (--scheduler)").Client
        from autograder.interop import dask_worker

        self._assignment = assignment
        self._bundle: AssignmentBundle = dask_worker.AssignmentBundle.of(assignment, settings or WorkerSettings())
        self._client = client_class(scheduler)
        self._refused = ""
        """Why some worker could not take the assignment (e.g. its tfgrade is too old to know the plugin)."""
        try:
            # Kept by the scheduler, which hands it to every worker now and to every worker that joins later,
            # even when one of them refuses it: that worker's tasks then fail, and the batch goes on.
            self._client.register_plugin(self._bundle)
        except Exception as exc:  # noqa: BLE001 - whatever a worker raised, from unpickling to setup
            self._refused = f"{type(exc).__name__}: {exc}"
        except BaseException:
            self._client.close()
            raise

    def in_flight(self, jobs: int) -> int:
        """How many submissions the batch should keep on the cluster at once: ``jobs`` (``-j``, which defaults to
        this machine's cores), but at least one per thread of the workers there now. The batch sends a task only
        when one of its ``jobs`` threads is free, so fewer would leave the rest of the cluster idle."""
        return max(jobs, int(sum(self._client.nthreads().values())))

    def __call__(self, path: Path, data: bytes | None = None) -> Graded:
        """Grade ``path`` on a worker: its ``data`` if the batch has read it already, else the file read here."""
        from autograder.interop.dask_worker import grade_on_worker

        try:
            data = notebook.read_bytes(path) if data is None else data
        except notebook.NotebookRejected as exc:  # as grading on this machine rejects it: the message needs the path
            return self._graded(SubmissionResult(str(path), self._assignment.name, "rejected", str(exc)))
        # --lang travels with each task (the bundle holds assignment.toml, which cannot say it); sent only when
        # given, so a worker of a tfgrade before languages still grades the rest.
        language = [self._assignment.requested_language] if self._assignment.requested_language else []
        future = self._client.submit(grade_on_worker, self._bundle.name, path.name, data, *language, pure=False)
        try:
            text = future.result()
        except Exception as exc:
            if self._refused and not isinstance(exc, TfgradeError):
                raise WorkerReplyError(
                    f"a Dask worker could not grade ({type(exc).__name__}: {exc}); a worker refused the assignment "
                    f"({self._refused}). Install the same tfgrade on every worker as here."
                ) from exc
            raise
        if not isinstance(text, str):
            raise WorkerReplyError(f"a Dask worker sent back a {type(text).__name__}, not a JSON report")
        result = dataclasses.replace(codec.REPORT.loads(text).result, submission=str(path))
        return dataclasses.replace(self._graded(result), submitted=data)  # the bytes the worker graded

    def _graded(self, result: SubmissionResult) -> Graded:
        return Graded(result=result, score=scoring.score(result, self._assignment.questions_in(result.language)))

    def __enter__(self) -> DaskGrader:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._client.close()
