"""The TAs' decisions, written where the CLI reads them: rows of the course's ``overrides.csv``.

Why a file under a lock and not a database: ``overrides.csv`` is the one file ``tfgrade grade --overrides``
reads and instructors already edit by hand (docs/overrides.md). The desk writes that very file, so there is
nothing to export and nothing to drift apart. Two TAs posting at once lose nothing: each write takes an
exclusive ``flock`` on ``overrides.csv.lock`` beside it, reads the file as it is *now*, changes one row,
checks the whole new file exactly as :mod:`autograder.core.overrides` will, and replaces the file
atomically (a temporary file, fsync, ``os.replace``). A reader never sees half a file, and a TA's edit by
hand between two posts is kept.

A row the desk adds names the submission as ``tfgrade grade`` does: its roster id when the batch was graded
with ``--roster`` (grades.csv's ``roster_id``), else its name in grades.csv.

One row per score, as the core requires: a second decision on the same question (or total) of the same
submission replaces the first row in place; withdrawing one deletes its row. Other columns (``by``, a date
an instructor added) and other rows are written back as they were.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import io
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from autograder.core import overrides
from autograder.errors import TfgradeError
from autograder.review.desk import Desk, Entry, resolve

__all__ = ["Decision", "DecisionError", "HEADER", "save_override"]

HEADER = (*overrides.COLUMNS, "by")
"""The header of an overrides file the desk starts: the core's columns and who decided."""


class DecisionError(TfgradeError, ValueError):
    """The decision cannot be written as it is; the message says why (nothing was written)."""


@dataclass(frozen=True)
class Decision:
    """One override as a TA posted it."""

    question: str
    """A question's name, or :data:`overrides.TOTAL` (an empty field means the same)."""
    points: str
    """As the core reads it: ``7`` sets, ``+2`` / ``-1.5`` adds; empty withdraws the override."""
    reason: str
    by: str = ""

    @property
    def withdraws(self) -> bool:
        return not self.points.strip()


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive lock for changing ``path``, held by every desk (and thread) that writes it."""
    lock = path.with_name(path.name + ".lock")
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the handle closes, even if the writer dies
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def save_override(path: Path, desk: Desk, entry: Entry, decision: Decision) -> None:
    """Write ``decision`` on ``entry`` into the overrides file at ``path``: DecisionError if the file would not
    be usable by ``tfgrade grade`` afterwards."""
    question = decision.question.strip() or overrides.TOTAL
    if question not in (overrides.TOTAL, overrides.LATE) and question not in desk.questions:
        raise DecisionError(f"{entry.name} has no question {question!r}.")
    with locked(path):
        records = _records(path)
        header = _header(records)
        cells = None if decision.withdraws else _cells(header, entry.student, question, decision)
        records = _replaced(records, header, entry, question, cells)
        text = _text(records)
        _expect_usable(text, path, desk)
        _write_atomically(path, text)


def _records(path: Path) -> list[list[str]]:
    try:
        text = path.read_bytes().decode("utf-8").removeprefix("\ufeff")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise DecisionError(f"Cannot read {path}: {exc}. Fix the file, then decide again.") from exc
    return list(csv.reader(io.StringIO(text, newline="")))


def _header(records: list[list[str]]) -> dict[str, int]:
    """Each column's index; a file without a header (or none at all) gets the desk's."""
    for cells in records:
        if any(c.strip() for c in cells):
            names = [c.strip().lower() for c in cells]
            return {name: i for i, name in reversed(list(enumerate(names)))}
    records.insert(0, list(HEADER))
    return {name: i for i, name in enumerate(HEADER)}


def _cells(header: dict[str, int], student: str, question: str, decision: Decision) -> list[str]:
    values = {"student": student, "question": question, "points": decision.points.strip(),
              "reason": " ".join(decision.reason.split()), "by": decision.by.strip()}
    cells = [""] * (max(header.values()) + 1)
    for name, value in values.items():
        if name in header:
            cells[header[name]] = value
    return cells


def _replaced(
    records: list[list[str]], header: dict[str, int], entry: Entry, question: str, cells: list[str] | None
) -> list[list[str]]:
    """``records`` with the row of that score replaced by ``cells`` (or dropped for None), else ``cells`` added."""
    start = next(i for i, r in enumerate(records) if any(c.strip() for c in r)) + 1
    kept = records[:start]
    placed = False
    for record in records[start:]:
        if _same_score(record, header, entry, question):
            if cells is not None and not placed:
                kept.append(cells)
            placed = True
        else:
            kept.append(record)
    if not placed and cells is not None:
        kept.append(cells)
    return kept


def _same_score(record: list[str], header: dict[str, int], entry: Entry, question: str) -> bool:
    def cell(name: str) -> str:
        index = header.get(name, -1)
        return record[index].strip() if 0 <= index < len(record) else ""

    written = cell("question")
    if written.lower() in ("", overrides.TOTAL):
        written = overrides.TOTAL
    names = {entry.name, Path(entry.name).name, *((entry.roster_id,) if entry.roster_id else ())}
    return written == question and cell("student") in names


def _text(records: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for record in records:
        writer.writerow(record)
    return buffer.getvalue()


def _expect_usable(text: str, path: Path, desk: Desk) -> None:
    """The new file, checked as ``tfgrade grade --overrides`` will check it: a TA cannot write a file that stops
    the next grading run."""
    try:
        rows = overrides.parse(text, str(path))
        resolve(rows, (e.name for e in desk.entries), desk.questions, desk.roster_ids or {})
    except overrides.OverridesError as exc:
        raise DecisionError(str(exc)) from exc


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.chmod(temporary, path.stat().st_mode & 0o777 if path.exists() else 0o644)  # mkstemp's 0600 would hide it
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
