""""Regrade this one": the grader rerun on one submission, in a background thread of the desk.

The work is the batch's own (:func:`autograder.grading.batch.grade_all`, on a list of one, into a temporary
folder inside OUT), with the submission's name, its current overrides and the late case of the run that graded
it (its time, deadline and rule, kept in report.json), so the new files are exactly what ``tfgrade grade``
would write. grades.csv keeps its roster ids. They then replace the submission's files in ``OUT/submissions/<name>/``
(report.json last, as the batch writes it), and the batch's files (grades.csv, class.html, checks.csv) are
written again from every report in OUT. ``changes.csv`` then holds this regrade's changes: the regrade is a
run, of one submission. Never cached: the button is for a rerun (after a fix of a check, or a run that hit
a limit on a busy machine), so an earlier result is not reused even when nothing changed.

The submission's file is found as the batch named it (the path as given, relative to where the desk runs),
or among ``--submissions`` (the same arguments as ``tfgrade grade``), by the folder the batch gave it.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from autograder.core import cache
from autograder.grading import batch
from autograder.reports import changes
from autograder.reports.feedback_notebook import FEEDBACK_IPYNB
from autograder.review import desk as desks

if TYPE_CHECKING:
    from autograder.core.assignment import Assignment
    from autograder.core.scoring import Score
    from autograder.grading.execution import Executor

__all__ = ["Job", "Regrades", "locate", "regrade_one"]

State = Literal["running", "done", "failed"]
DESK_REGRADE = "regraded in the review desk"
"""changes.csv's ``why`` when nothing the cache keys cover changed: the TA asked for the run."""


@dataclass(frozen=True)
class Job:
    """A regrade as the page shows it."""

    state: State
    before: float
    after: float | None = None
    error: str = ""


def locate(entry: desks.Entry, specs: Sequence[str]) -> Path | None:
    """The submitted file behind ``entry``: its name as a path, else the one of ``specs`` the batch put in its
    folder."""
    named = Path(entry.name)
    if named.is_file():
        return named
    paths = batch.expand(specs) if specs else []
    # The batch's own naming of folders, over the same arguments, gives the same folder to the same file.
    folders = batch._report_folders(paths)  # private, but the one definition of those names
    return next((p for p, folder in zip(paths, folders, strict=True) if folder == entry.folder), None)


_writing = threading.Lock()
"""One regrade at a time replaces files in OUT, so the batch files are written from every finished report."""


def regrade_one(out: Path, entry: desks.Entry, path: Path, assignment: Assignment, executor: Executor) -> Score:
    """Grade ``path`` again as ``entry``, replace its files in ``out``, rewrite the batch files; the new score."""
    folder = out / batch.SUBMISSIONS / entry.folder
    earlier = cache.stored(folder)
    scratch = out / ".review"
    scratch.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=scratch) as fresh:
        due = desks.due_of(entry.stored.late)
        result = batch.grade_all([path], assignment, executor, Path(fresh), lambda _: None,
                                 student_id=lambda _: entry.name, adjust=entry.overrides,
                                 with_solutions=_with_solutions(folder), dues={path: due} if due else None)
        [graded] = result.rows
        [made] = (Path(fresh) / batch.SUBMISSIONS).iterdir()
        written = cache.stored(made)  # its keys are of the bytes the batch graded: the file is not read again
        wanted = written.cache if written and written.cache else cache.keys(path, cache.grading_keys(assignment))
        with _writing:
            _replace_files(made, folder)
            reasons = changes.regrade_reasons(earlier, wanted) or (DESK_REGRADE,)  # nothing changed but the run
            found = changes.compare(entry.name, earlier, graded.score, reasons)
            _rewrite_batch_files(out, assignment, found)
    return graded.score


def _with_solutions(folder: Path) -> bool:
    """Whether the feedback notebook the batch wrote had the solutions (``--with-solutions``): keep it so."""
    try:
        written = json.loads((folder / FEEDBACK_IPYNB).read_text(encoding="utf-8"))
        return bool(written["metadata"]["tfgrade"]["feedback"]["with_solutions"])
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _replace_files(made: Path, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for output in batch.OUTPUTS:  # the registry's order: report.json last, so it marks the set complete
        source = made / output.file
        if source.exists():
            os.replace(source, folder / output.file)
        else:
            (folder / output.file).unlink(missing_ok=True)


def _rewrite_batch_files(out: Path, assignment: Assignment, found: Sequence[changes.Change]) -> None:
    from autograder.grading.pipeline import Graded

    read = desks.read(out, None)
    rows = [Graded(result=e.result, score=e.stored) for e in read.entries]
    feedback = [f"{batch.SUBMISSIONS}/{e.folder}/{batch.FEEDBACK_PAGE}" for e in read.entries]
    ids = [e.roster_id for e in read.entries] if read.roster_ids is not None else None
    # The batch's own writer (private to batch, reused rather than copied): the same files a grade run writes.
    batch._write_batch_files(rows, assignment, out, found, id_column=read.id_column, feedback=feedback,
                             roster_ids=ids)


class Regrades:
    """The desk's regrades, one at most per submission, each in its own thread."""

    def __init__(self, work: Callable[[desks.Entry], Score]) -> None:
        self.work = work
        self.jobs: dict[str, Job] = {}
        self.lock = threading.Lock()

    def start(self, entry: desks.Entry) -> Job:
        with self.lock:
            job = self.jobs.get(entry.folder)
            if job is not None and job.state == "running":
                return job
            job = self.jobs[entry.folder] = Job("running", entry.stored.earned)
        threading.Thread(target=self._run, args=(entry,), name=f"regrade {entry.folder}", daemon=True).start()
        return job

    def get(self, folder: str) -> Job | None:
        with self.lock:
            return self.jobs.get(folder)

    def _run(self, entry: desks.Entry) -> None:
        try:
            after: Job = Job("done", entry.stored.earned, self.work(entry).earned)
        except Exception as exc:  # noqa: BLE001 - a thread's boundary: the page shows what went wrong
            after = Job("failed", entry.stored.earned, error=f"{type(exc).__name__}: {exc}")
        with self.lock:
            self.jobs[entry.folder] = after
