"""What the desk reads from a grading folder: each submission's report.json, and the course's overrides.csv.

Read afresh on every page, so what a TA sees is what is on disk now: a ``tfgrade grade`` run, another TA's
override or a finished regrade shows on the next page load. The score a page shows is the *current*
one: the checks' automatic score with the overrides file as it is now, which is what the next
``tfgrade grade --overrides`` writes. Where it differs from what report.json holds, the page says so.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from autograder.core import cache, codec, overrides
from autograder.core.results import SubmissionResult
from autograder.core.scoring import Score
from autograder.grading.batch import GRADES, SUBMISSIONS
from autograder.reports import formats as report

__all__ = ["Desk", "Entry", "automatic", "read"]


@dataclass(frozen=True)
class Entry:
    """One submission of the grading folder."""

    folder: str
    """Its folder under ``OUT/submissions/``: the desk's id for it in URLs."""
    result: SubmissionResult
    stored: Score
    """The score report.json holds (with the overrides of the run that wrote it)."""
    current: Score
    """The automatic score with the overrides file as it is now."""
    overrides: tuple[overrides.Override, ...] = ()
    """The rows of the overrides file that change this submission's scores."""

    @property
    def name(self) -> str:
        """Its name as grades.csv and overrides.csv write it (the --student-id id, or the path)."""
        return self.result.submission

    @property
    def pending(self) -> bool:
        """The overrides file changed this score since report.json was written: the next grade run writes it."""
        return self.current != self.stored

    def question(self, name: str) -> float | None:
        return next((q.earned for q in self.current.questions if q.question == name), None)


@dataclass(frozen=True)
class Desk:
    """Everything the class page shows."""

    out: Path
    entries: tuple[Entry, ...]
    questions: Mapping[str, float]
    """Each question and its points, in the assignment's order."""
    assignment: str
    id_column: str
    """grades.csv's first column: ``student_id`` with --student-id, else ``submission``."""
    unreadable: tuple[str, ...] = ()
    """Folders whose report.json this tfgrade cannot read (a rerun of tfgrade grade rewrites them)."""
    overrides_problem: str = ""
    """Why the overrides file cannot be used as it is (then scores are shown as report.json holds them)."""

    def entry(self, folder: str) -> Entry | None:
        return next((e for e in self.entries if e.folder == folder), None)

    @property
    def total(self) -> float:
        return sum(self.questions.values())


def read(out: Path, overrides_file: Path | None) -> Desk:
    """The desk of grading folder ``out``, with the overrides in ``overrides_file`` (which may not exist yet;
    None: the scores as report.json holds them)."""
    stored, unreadable = _reports(out)
    questions = _questions(stored)
    rows, problem = _overrides(overrides_file, stored, questions)
    entries = tuple(_entry(folder, found, rows.get(Path(found.result.submission), ()),
                           overrides_file is None or bool(problem))
                    for folder, found in stored)
    names = {found.result.assignment for _, found in stored}
    return Desk(out, entries, questions, ", ".join(sorted(names)), _id_column(out), unreadable, problem)


def _reports(out: Path) -> tuple[list[tuple[str, codec.Report]], tuple[str, ...]]:
    found: list[tuple[str, codec.Report]] = []
    unreadable: list[str] = []
    for path in sorted((out / SUBMISSIONS).glob(f"*/{cache.REPORT}")):
        try:
            found.append((path.parent.name, codec.REPORT.loads(path.read_bytes())))
        except (OSError, codec.DecodeError):  # half-written by an older tfgrade, or damaged: listed, not fatal
            unreadable.append(path.parent.name)
    return found, tuple(unreadable)


def _questions(stored: Sequence[tuple[str, codec.Report]]) -> dict[str, float]:
    questions: dict[str, float] = {}
    for _, found in stored:
        questions |= {q.question: q.points for q in found.score.questions if q.question not in questions}
    return questions


def _overrides(
    path: Path | None, stored: Sequence[tuple[str, codec.Report]], questions: Mapping[str, float]
) -> tuple[dict[Path, tuple[overrides.Override, ...]], str]:
    """The overrides of each submission, keyed as :func:`overrides.resolve` keys them; or why they cannot be used."""
    if path is None or not path.is_file():
        return {}, ""
    try:
        rows = overrides.read(path)
        return overrides.resolve(rows, submissions_of(found.result.submission for _, found in stored), questions), ""
    except overrides.OverridesError as exc:
        return {}, str(exc)


def submissions_of(names: Iterable[str]) -> dict[Path, str]:
    """What :func:`overrides.resolve` matches a row's student against: the name, its path, its file name."""
    return {Path(name): name for name in names}


def _entry(folder: str, found: codec.Report, rows: tuple[overrides.Override, ...], as_stored: bool) -> Entry:
    current = found.score if as_stored else overrides.apply(automatic(found.score), rows)
    return Entry(folder, found.result, found.score, current, rows)


def automatic(score: Score) -> Score:
    """``score`` as the checks gave it, every override taken off (what :func:`overrides.apply` starts from)."""
    if not score.overridden:
        return score
    questions = tuple(replace(q, earned=q.automatic, override=None) for q in score.questions)
    return replace(score, earned=score.automatic, questions=questions, override=None)


def _id_column(out: Path) -> str:
    """grades.csv's first column, so a rewritten grades.csv keeps it."""
    try:
        with (out / GRADES).open(encoding="utf-8", newline="") as handle:
            header = next(csv.reader(io.StringIO(handle.readline())), [])
    except OSError:
        header = []
    return report.STUDENT_ID_COLUMN if header[:1] == [report.STUDENT_ID_COLUMN] else report.SUBMISSION_COLUMN
