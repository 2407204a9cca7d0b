"""Grade many submissions and write every report: the instructor's batch.

Every submission gets a row, whatever happens to it: a student's problem is a score and a
message, and even a bug in the grader becomes a visible ``grader_error`` row while the batch
goes on.
"""

from __future__ import annotations

import dataclasses
import glob
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote

from autograder.core import cache, late, overrides, scoring
from autograder.core.results import SubmissionResult
from autograder.errors import TfgradeError

# The per-submission files, kept importable from here (plugins and the CLI read them here).
from autograder.grading.outputs import (
    BUILT_IN,
    FEEDBACK_PAGE,
    SUBMISSIONS,
    NotebookFeedback,
    Output,
    feedback_notebook_current,
    outputs,
    outputs_help,
    write_feedback_notebook,
    write_reports,
)
from autograder.reports import changes, progress
from autograder.reports import formats as report

# Imported where used: `tfgrade grade --help` reads OUTPUTS, and should not wait for nbformat, IPython or the sandbox.
if TYPE_CHECKING:

    from autograder.core.assignment import Assignment
    from autograder.grading.execution import Executor
    from autograder.grading.pipeline import Graded

__all__ = [  # and, made on first use, OUTPUTS
    "BUILT_IN", "FEEDBACK_PAGE", "SUBMISSIONS", "BatchError", "BatchResult", "NotebookFeedback", "Output",
    "expand", "expect_solution", "grade_all", "outputs", "outputs_help", "student_namer", "write_reports",
]

Progress = Callable[[str], None]


class Grader(Protocol):
    """Grades one submission: the file at ``path``, whose bytes the batch has read once as ``data`` (None: it
    could not, and the grader's own reading says why), on this machine or elsewhere (a Dask cluster)."""

    def __call__(self, path: Path, data: bytes | None = None) -> Graded: ...


@dataclass(frozen=True)
class BatchResult:
    rows: tuple[Graded, ...]
    out_dir: Path
    reused: int = 0
    """How many rows came unchanged from an earlier run."""
    changes: tuple[changes.Change, ...] = ()
    """Every score that differs from an earlier run's, and every new submission (``changes.csv``)."""
    earlier: int = 0
    """How many rows had a readable report from an earlier run (0: a first run, nothing to compare)."""


def expand(specs: Iterable[str]) -> list[Path]:
    """Files as given; folders become their ``*.ipynb`` and ``*.zip`` files (recursively); globs expand."""
    paths: list[Path] = []
    for spec in specs:
        path = Path(spec)
        if path.is_dir():
            found = [*path.rglob("*.ipynb"), *path.rglob("*.zip")]
            paths += sorted(p for p in found if not _hidden(p.relative_to(path)))
        elif path.exists() or path.is_symlink():
            paths.append(path)
        else:
            matches = sorted(Path(m) for m in glob.glob(spec, recursive=True))
            paths += matches or [path]  # a missing file still gets its (rejected) row
    return list(dict.fromkeys(paths))


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


def grade_all(
    paths: list[Path],
    assignment: Assignment,
    executor: Executor,
    out_dir: Path,
    progress: Progress,
    *,
    jobs: int = 1,
    student_id: Callable[[Path], str] | None = None,
    grader: Grader | None = None,
    adjust: Sequence[overrides.Override] = (),
    with_solutions: bool = False,
    dues: Mapping[Path, late.Due] | None = None,
    roster_ids: Mapping[Path, str] | None = None,
) -> BatchResult:
    """Grade in parallel (``jobs`` at once), reusing every unchanged earlier result in ``out_dir``.

    Rows are named by ``student_id`` (then grades.csv's first column is ``student_id``), else by the
    path as given (``submission``). ``grader`` grades one submission; by default here with
    ``executor``, or e.g. on a Dask cluster (:class:`autograder.interop.distributed.DaskGrader`).
    ``adjust`` are the instructor's overrides (:mod:`autograder.core.overrides`), applied after the
    automatic score of every row, reused ones too; a row that names no submission or question raises
    :class:`~autograder.core.overrides.OverridesError` before anything is written. Each score that differs
    from an earlier run's is in the result's ``changes`` and in ``changes.csv``.
    ``with_solutions`` puts the reference solution in each feedback notebook (after the deadline).
    ``dues`` are the submissions' deadlines and times: a late one loses points after the overrides
    (:mod:`autograder.core.late`). ``roster_ids`` name each submission's student in grades.csv and changes.csv.
    """
    from autograder.grading.pipeline import grade

    grader = grader or (lambda path, data=None: grade(path, assignment, executor, data=data))
    name_of = student_id or str
    # Overrides are checked before anything is graded or written: a bad row stops the batch untouched.
    chosen = overrides.resolve(adjust, {p: name_of(p) for p in paths}, {q.name: q.points for q in assignment.questions})
    _expect_writable_batch_files(out_dir)
    grading = cache.grading_keys(assignment)
    folders = [out_dir / SUBMISSIONS / f for f in _report_folders(paths)]
    tracker = _Tracker(len(paths), progress)

    batch = _Batch(assignment, grader, name_of, chosen, dues or {}, with_solutions, grading, tracker)

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        done = tuple(pool.map(batch.row, zip(paths, folders, strict=True)))
    rows = tuple(row.graded for row in done)
    found = tuple(change for row in done for change in row.changes)
    feedback = [f"{SUBMISSIONS}/{quote(folder.name)}/{FEEDBACK_PAGE}" for folder in folders]
    ids = [(roster_ids or {}).get(path, "") for path in paths] if roster_ids is not None else None
    _write_batch_files(rows, assignment, out_dir, found, id_column=_id_column(student_id), feedback=feedback,
                       roster_ids=ids)
    return BatchResult(rows=rows, out_dir=out_dir, reused=tracker.reused, changes=found,
                       earlier=sum(row.earlier for row in done))


@dataclass(frozen=True)
class _Batch:
    """What every submission of one batch is graded with; :meth:`row` grades (or reuses) one, from a worker thread."""

    assignment: Assignment
    grader: Grader
    name_of: Callable[[Path], str]
    chosen: Mapping[Path, Sequence[overrides.Override]]
    dues: Mapping[Path, late.Due]
    with_solutions: bool
    grading: dict[str, str]
    tracker: _Tracker

    def row(self, item: tuple[Path, Path]) -> _Row:
        path, folder = item
        notebook_feedback = NotebookFeedback(path, self.assignment, self.with_solutions)
        # Read once: the cache key, the grading and the feedback notebook are all of these bytes.
        data = _submitted(path)
        wanted, name = cache.keys(path, self.grading, data), self.name_of(path)
        earlier = cache.stored(folder)
        stored = cache.reusable_result(earlier, wanted)
        if stored is None:
            graded = _grade_one(path, data, self.assignment, self.grader, name)
        else:  # named as this run names it: --student-id may have been added or changed since
            graded = _score(dataclasses.replace(stored, submission=name), self.assignment, data)
        mine = self.chosen.get(path, ())
        final = late.apply(overrides.apply(graded.score, mine), self.dues.get(path), *overrides.late_waiver(mine))
        graded = dataclasses.replace(graded, score=final)
        if earlier is None or stored is None or earlier.result.submission != name or earlier.score != graded.score:
            write_reports(graded, folder, wanted, notebook_feedback)
        elif not feedback_notebook_current(graded, folder, notebook_feedback):  # e.g. --with-solutions added
            write_feedback_notebook(graded, folder, notebook_feedback)
        self.tracker.done(graded, reused=stored is not None)
        reasons = () if stored is not None else changes.regrade_reasons(earlier, wanted)
        kept = dataclasses.replace(graded, submitted=None)  # the bytes are written out: a batch keeps no notebooks
        return _Row(kept, tuple(changes.compare(name, earlier, graded.score, reasons)), earlier is not None)


@dataclass(frozen=True)
class _Row:
    graded: Graded
    changes: tuple[changes.Change, ...]
    earlier: bool


def _id_column(student_id: Callable[[Path], str] | None) -> str:
    return report.STUDENT_ID_COLUMN if student_id else report.SUBMISSION_COLUMN


def _write_batch_files(
    rows: Sequence[Graded], assignment: Assignment, out_dir: Path, found: Sequence[changes.Change], *, id_column: str,
    feedback: Sequence[str] = (), roster_ids: Sequence[str] | None = None,
) -> None:
    from autograder.reports.class_report import check_rates_csv, class_report_html  # here: `grade --help` imports batch

    pairs = [(g.result, g.score) for g in rows]
    cache.write_atomically(out_dir / GRADES, report.grades_csv(pairs, id_column=id_column, roster_ids=roster_ids))
    page = class_report_html(pairs, title=f"{assignment.name}: class report", feedback=feedback)
    cache.write_atomically(out_dir / CLASS_REPORT, page)
    cache.write_atomically(out_dir / CHECK_RATES, check_rates_csv(pairs))
    # Rewritten on every run, so a changes.csv left by an earlier run never passes for this run's.
    names = (g.result.submission for g in rows)
    by_name = dict(zip(names, roster_ids, strict=True)) if roster_ids is not None else None
    cache.write_atomically(out_dir / CHANGES, changes.changes_csv(found, roster_ids=by_name))


GRADES, CLASS_REPORT, CHANGES, CHECK_RATES = "grades.csv", "class.html", "changes.csv", "checks.csv"


class BatchError(TfgradeError):
    """The batch cannot write its files; the message says what the instructor should do."""


def expect_solution(assignment: Assignment) -> None:
    """Before grading with the reference solution in each feedback notebook (``with_solutions``): the solution
    notebook must be there, or every student would get feedback without it."""
    if not (assignment.solution and assignment.solution.is_file()):
        raise BatchError(
            f"--with-solutions needs the solution notebook of '{assignment.name}', and "
            f"{assignment.solution or 'none is declared'} is not there. Add it (solutions/{assignment.name}.ipynb "
            "in the course), or leave out --with-solutions.")


def _expect_writable_batch_files(out_dir: Path) -> None:
    """Refuse before grading, not after: an output folder of an older tfgrade may hold a folder named grades.csv."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in (GRADES, CLASS_REPORT, CHANGES, CHECK_RATES):
        if (out_dir / name).is_dir():
            raise BatchError(
                f"{out_dir / name} is a folder (an older tfgrade put a submission's reports there), so the batch "
                f"cannot write its {name}. Move that folder away or choose another --out, then run again."
            )


def _submitted(path: Path) -> bytes | None:
    """The submission's bytes, read once for the whole row; None if they cannot be (the grading says why)."""
    from autograder.core import notebook

    try:
        return notebook.read_bytes(path)
    except notebook.NotebookRejected:
        return None


def _score(result: SubmissionResult, assignment: Assignment, submitted: bytes | None = None) -> Graded:
    from autograder.grading.pipeline import Graded

    return Graded(result, scoring.score(result, assignment.questions_in(result.language)), submitted)


def _grade_one(path: Path, data: bytes | None, assignment: Assignment, grader: Grader, name: str) -> Graded:
    try:
        graded = grader(path, data)
        return _score(dataclasses.replace(graded.result, submission=name), assignment, graded.submitted)
    except Exception as exc:  # noqa: BLE001 - the batch boundary: a grader bug becomes a row
        message = f"Grader error: {type(exc).__name__}: {exc}"
        return _score(SubmissionResult(name, assignment.name, "grader_error", message), assignment)



class _Tracker:
    """Progress lines with an ETA, safe to call from worker threads."""

    def __init__(self, total: int, progress: Progress) -> None:
        self.total, self.progress = total, progress
        self.count = self.reused = 0
        self.started = time.monotonic()
        self.lock = threading.Lock()

    def done(self, graded: Graded, *, reused: bool) -> None:
        with self.lock:
            self.count += 1
            self.reused += reused
            line = _progress_line(self.count, self.total, graded, self.started)
            self.progress(line + (" (unchanged: reused earlier result)" if reused else ""))


def student_namer(pattern: str | None) -> Callable[[Path], str] | None:
    """Row names from the first group of ``pattern`` found in the path (the path if none); None without a pattern."""
    if pattern is None:
        return None
    regex = re.compile(pattern)

    def name(path: Path) -> str:
        found = regex.search(str(path))
        return found.group(1) if found and found.groups() else str(path)

    return name


def _report_folders(paths: list[Path]) -> list[str]:
    """One folder name per submission, unique even when two files share a name."""
    names: list[str] = []
    for path in paths:
        base = re.sub(r"[^\w.-]", "_", report.safe_text(path.stem, 80)).lstrip(".") or "submission"
        name, n = base, 2
        while name in names:
            name, n = f"{base}-{n}", n + 1
        names.append(name)
    return names


def _progress_line(number: int, total: int, graded: Graded, started: float) -> str:
    score = f"{report.format_number(graded.score.earned)}/{report.format_number(graded.score.points)}"
    name = report.safe_text(Path(graded.result.submission).name, 60)
    return progress.line(number, total, f"{name}: {score} ({graded.result.status})", time.monotonic() - started)


def __getattr__(name: str) -> Any:
    """``OUTPUTS``: :func:`autograder.grading.outputs.outputs`, on first use."""
    if name == "OUTPUTS":
        return outputs()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
