"""What the desk reads from a grading folder: each submission's report.json, and the course's overrides.csv.

Read afresh on every page, so what a TA sees is what is on disk now: a ``tfgrade grade`` run, another TA's
override or a finished regrade shows on the next page load. The score a page shows is the *current*
one: the checks' automatic score with the overrides file as it is now, then the late penalty of the run that
wrote report.json (its times and rule, a ``late`` row waiving it), which is what the next ``tfgrade grade
--overrides`` writes. Where it differs from what report.json holds, the page says so.

With ``--roster``, grades.csv names each submission's roster id (its ``roster_id`` column): the desk shows it,
reads override rows that name it, and writes it in the rows it adds, as ``tfgrade grade --roster`` does.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from autograder.core import cache, codec, late, overrides
from autograder.core.results import SubmissionResult
from autograder.core.scoring import LatePenalty, Score
from autograder.grading.batch import GRADES, SUBMISSIONS
from autograder.reports import formats as report
from autograder.text import csv_text

__all__ = ["Desk", "Entry", "automatic", "current", "read", "resolve"]


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
    """The rows of the overrides file that change this submission's scores (a row naming the roster id renamed
    to :attr:`name`, as ``tfgrade grade --roster`` renames it)."""
    roster_id: str = ""
    """The roster student's id grades.csv gives it ("" without --roster, or no roster student claims it)."""

    @property
    def student(self) -> str:
        """How an overrides row the desk writes names it: the roster id if it has one, else :attr:`name`."""
        return self.roster_id or self.name

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
    roster_ids: Mapping[str, str] | None = field(default=None, compare=False)
    """Each submission's roster id by its name, from grades.csv (None: graded without --roster)."""

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
    id_column, by_cell = _grades_columns(out)
    # grades.csv writes each name through csv_text (a name like "=x" gets an apostrophe): look it up the same way.
    roster_ids = None if by_cell is None else {
        found.result.submission: by_cell.get(csv_text(found.result.submission), "") for _, found in stored}
    rows, problem = _overrides(overrides_file, stored, questions, roster_ids or {})
    entries = tuple(_entry(folder, found, rows.get(Path(found.result.submission), ()),
                           overrides_file is None or bool(problem), (roster_ids or {}).get(found.result.submission, ""))
                    for folder, found in stored)
    names = {found.result.assignment for _, found in stored}
    return Desk(out, entries, questions, ", ".join(sorted(names)), id_column, unreadable, problem, roster_ids)


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
    path: Path | None, stored: Sequence[tuple[str, codec.Report]], questions: Mapping[str, float],
    roster_ids: Mapping[str, str],
) -> tuple[dict[Path, tuple[overrides.Override, ...]], str]:
    """The overrides of each submission, keyed as :func:`overrides.resolve` keys them; or why they cannot be used."""
    if path is None or not path.is_file():
        return {}, ""
    try:
        names = [found.result.submission for _, found in stored]
        return resolve(overrides.read(path), names, questions, roster_ids), ""
    except overrides.OverridesError as exc:
        return {}, str(exc)


def resolve(
    rows: Sequence[overrides.Override], names: Iterable[str], questions: Mapping[str, float],
    roster_ids: Mapping[str, str],
) -> dict[Path, tuple[overrides.Override, ...]]:
    """:func:`overrides.resolve` over the submissions named ``names``, a row naming a roster id renamed to its
    submission first (as ``tfgrade grade --roster`` does); OverridesError as there."""
    by_id = {rid: name for name, rid in roster_ids.items() if rid}
    return overrides.resolve(overrides.with_paths(rows, by_id), submissions_of(names), questions)


def submissions_of(names: Iterable[str]) -> dict[Path, str]:
    """What :func:`overrides.resolve` matches a row's student against: the name, its path, its file name."""
    return {Path(name): name for name in names}


def _entry(folder: str, found: codec.Report, rows: tuple[overrides.Override, ...], as_stored: bool,
           roster_id: str) -> Entry:
    now = found.score if as_stored else current(found.score, rows)
    return Entry(folder, found.result, found.score, now, rows, roster_id)


def current(stored: Score, rows: Sequence[overrides.Override]) -> Score:
    """What ``tfgrade grade`` makes of ``stored`` with ``rows``: the overrides on the checks' score, then the late
    penalty of the run that wrote it (the same times and rule; a ``late`` row sets the points taken), in the
    batch's order (:func:`autograder.grading.batch.grade_all`)."""
    return late.apply(overrides.apply(automatic(stored), rows), due_of(stored.late), *overrides.late_waiver(rows))


def automatic(score: Score) -> Score:
    """``score`` as the checks gave it, every override and the late penalty taken off (what
    :func:`overrides.apply` starts from)."""
    if not score.overridden and score.late is None:
        return score
    questions = tuple(replace(q, earned=q.automatic, override=None) for q in score.questions)
    return replace(score, earned=score.automatic, questions=questions, override=None, late=None)


def due_of(penalty: LatePenalty | None) -> late.Due | None:
    """The late case a stored penalty was computed from (its times are ISO 8601 with their offsets), so the
    same rule gives the same percent on a new score; None for a submission that lost nothing to lateness."""
    if penalty is None:
        return None
    deadline = datetime.fromisoformat(penalty.deadline)
    rule = late.Rule(deadline, per_day=penalty.per_day, per_hour=penalty.per_hour, cap=penalty.cap,
                     grace_minutes=penalty.grace_minutes)
    return late.Due(datetime.fromisoformat(penalty.submitted), deadline, rule)


def _grades_columns(out: Path) -> tuple[str, dict[str, str] | None]:
    """grades.csv's first column (so a rewritten grades.csv keeps it) and, with a ``roster_id`` column, each row's
    roster id by its first cell."""
    try:
        text = (out / GRADES).read_text(encoding="utf-8")
    except OSError:
        text = ""
    records = list(csv.reader(io.StringIO(text, newline="")))
    header = records[0] if records else []
    id_column = report.STUDENT_ID_COLUMN if header[:1] == [report.STUDENT_ID_COLUMN] else report.SUBMISSION_COLUMN
    if report.ROSTER_COLUMN not in header:
        return id_column, None
    at = header.index(report.ROSTER_COLUMN)
    return id_column, {r[0]: r[at] for r in records[1:] if len(r) > at}
