"""Who is in the class, and which submission is whose: the roster an export names its rows from.

A roster is a CSV file with a header row. Its columns (any order, headings case-insensitive; each
accepts the heading an LMS export uses for it, so Canvas's own gradebook export works as a roster):

=============  =====================================  =============================================
column         also accepted                          what it holds
=============  =====================================  =============================================
student_id     ``SIS User ID``, ``ID number``,        the id the gradebook knows the student by
               ``idnumber``
file           ``files``                              the submission's file name, or a pattern
                                                      (``ann_*``); with or without ``.ipynb``/``.zip``
name           ``Student``                            shown in Canvas's Student column
email          ``Email address``                      Moodle can match on it
section        ``Section``
canvas_id      ``ID``                                 Canvas's own user id (the number in the names
                                                      of a Canvas submissions download)
login          ``SIS Login ID``, ``username``         Canvas's SIS Login ID, Moodle's username
deadline       ``extension``                          the student's own deadline (an extension), ISO
                                                      8601; empty: the assignment's (docs/late.md)
=============  =====================================  =============================================

At least one of student_id, canvas_id, login and email is needed. A submission belongs to the row
whose ``file`` pattern matches its file name; in a roster without a ``file`` column, to the row
one of whose ids equals the submission's id (``--student-id``). Every row matched by no submission
is a student who submitted nothing.

Problems that would put a grade on the wrong student are errors (:class:`RosterError`, nothing is
written); a submission that matches no row is a warning, since leaving it out harms nobody else.
"""

from __future__ import annotations

import csv
import fnmatch
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from autograder import messages
from autograder.errors import TfgradeError

T = TypeVar("T")

COLUMNS: dict[str, tuple[str, ...]] = {
    "student_id": ("student_id", "sis user id", "id number", "idnumber"),
    "file": ("file", "files"),
    "name": ("name", "student"),
    "email": ("email", "email address"),
    "section": ("section",),
    "canvas_id": ("canvas_id", "id"),
    "login": ("login", "sis login id", "username"),
    "deadline": ("deadline", "extension"),
}
"""Each roster field and the headings that fill it (lower case)."""
ID_FIELDS = ("student_id", "canvas_id", "login", "email")
"""The fields that can name a student to a gradebook; a roster needs at least one."""
SUBMISSION_SUFFIXES = (".ipynb", ".zip")
SHOWN = 10
"""File names listed in one message; the rest are counted."""


class RosterError(TfgradeError):
    """The roster cannot be read or matched without guessing; the message says what to change."""


@dataclass(frozen=True)
class RosterEntry:
    """One student as the gradebook knows them; every field but one id may be empty."""

    student_id: str = ""
    name: str = ""
    email: str = ""
    section: str = ""
    canvas_id: str = ""
    login: str = ""
    file: str = ""
    """The roster's file pattern ("" when submissions match by id)."""
    deadline: str = ""
    """The student's own deadline as written (an extension); "" for the assignment's."""

    @property
    def id(self) -> str:
        """The id a plain export shows: the student id, else the first other id the roster has."""
        return next((getattr(self, f) for f in ID_FIELDS if getattr(self, f)), "")

    def ids(self) -> tuple[str, ...]:
        return tuple(getattr(self, f) for f in ID_FIELDS if getattr(self, f))


@dataclass(frozen=True)
class Roster:
    students: tuple[RosterEntry, ...]
    source: str
    """Where it came from, for messages."""
    by_file: bool
    """Whether it has a ``file`` column (else submissions match by id)."""


@dataclass(frozen=True)
class Submitted(Generic[T]):
    """One graded submission to place: its id (``--student-id`` or the path as graded), the file
    names it may have had, and whatever the caller carries along (its result and score)."""

    id: str
    files: tuple[str, ...]
    item: T


@dataclass(frozen=True)
class Placed(Generic[T]):
    """A roster student and their submission's item; ``item`` is None when they submitted nothing."""

    student: RosterEntry
    item: T | None


@dataclass(frozen=True)
class Matching(Generic[T]):
    placed: tuple[Placed[T], ...]
    """One per roster row, in the roster's order."""
    unmatched: tuple[Submitted[T], ...]
    """Submissions no roster row claims: left out of the export, with a warning."""

    def warnings(self) -> list[str]:
        if not self.unmatched:
            return []
        files = _listing([s.files[0] if s.files else s.id for s in self.unmatched])
        return [messages.ROSTER_UNMATCHED.format(count=len(self.unmatched), files=files)]


# -- reading ------------------------------------------------------------------------------------


def read(path: Path) -> Roster:
    """Read a roster file (UTF-8, with or without a byte-order mark, comma- or semicolon-separated)."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise RosterError(f"cannot read the roster {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise RosterError(f"the roster {path} is not UTF-8 text. Save it as \"CSV UTF-8\" and try again.") from exc
    return parse(text, source=str(path))


def parse(text: str, *, source: str = "roster") -> Roster:
    text = text.removeprefix("\ufeff")  # Excel's "CSV UTF-8" starts with a byte-order mark
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise RosterError(f"{source} is empty: it needs a header row (student_id,file,...) and a row per student.")
    # Spreadsheets in some locales save CSV with semicolons; the header tells which.
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    fields = _fields(rows[0], source)
    students = [_student(row, fields) for row in rows[1:] if any(cell.strip() for cell in row)]
    # Canvas's gradebook export carries a "Points Possible" row under its header: not a student.
    students = [s for s in students if "points possible" not in s.name.lower()]
    _check_rows(students, source, by_file="file" in fields)
    return Roster(tuple(students), source, by_file="file" in fields)


def _fields(header: Sequence[str], source: str) -> dict[str, int]:
    heading = {cell.strip().lower(): i for i, cell in reversed(list(enumerate(header)))}
    fields: dict[str, int] = {}
    for field, names in COLUMNS.items():  # the first heading listed for a field wins
        found = next((heading[h] for h in names if h in heading), None)
        if found is not None:
            fields[field] = found
    if not any(f in fields for f in ID_FIELDS):
        shown = ", ".join(cell.strip() for cell in header) or "(none)"
        raise RosterError(
            f"{source} has no column that names a student. It needs one of: student_id, canvas_id, login, email "
            f"(or Canvas's SIS User ID / ID / SIS Login ID, Moodle's ID number / username / Email address). "
            f"Its columns are: {shown}."
        )
    return fields


def _student(row: Sequence[str], fields: dict[str, int]) -> RosterEntry:
    def cell(field: str) -> str:
        index = fields.get(field)
        return row[index].strip() if index is not None and index < len(row) else ""

    return RosterEntry(**{field: cell(field) for field in COLUMNS})


def _check_rows(students: list[RosterEntry], source: str, *, by_file: bool) -> None:
    if not students:
        raise RosterError(f"{source} has a header but no students.")
    nameless = [n for n, s in enumerate(students, start=2) if not s.ids()]
    if nameless:
        raise RosterError(messages.ROSTER_NAMELESS.format(
            file=source, count=len(nameless), rows=_listing([str(n) for n in nameless])))
    for field in ID_FIELDS:
        seen: dict[str, int] = {}
        for n, student in enumerate(students, start=2):
            value = getattr(student, field)
            if value and value in seen:
                raise RosterError(f"{source}: rows {seen[value]} and {n} have the same {field} {value!r}. "
                                  "Each student needs a row of their own.")
            seen.setdefault(value, n)
    if by_file:
        missing = [n for n, s in enumerate(students, start=2) if not s.file]
        if missing:
            raise RosterError(messages.ROSTER_NO_FILE.format(
                file=source, count=len(missing), rows=_listing([str(n) for n in missing])))


# -- matching -----------------------------------------------------------------------------------


def match(roster: Roster, submitted: Sequence[Submitted[T]]) -> Matching[T]:
    """Place each submission on its roster row; raise RosterError where that would mean guessing."""
    owners = {n: _owners(roster, s) for n, s in enumerate(submitted)}
    ambiguous = {n: rows for n, rows in owners.items() if len(rows) > 1}
    if ambiguous:
        n, rows = next(iter(ambiguous.items()))
        who = " and ".join(repr(roster.students[r].id) for r in rows[:2])
        raise RosterError(messages.ROSTER_AMBIGUOUS.format(
            count=len(ambiguous), example=_name(submitted[n]), who=who, roster=roster.source))
    claimed: dict[int, list[int]] = {}
    for n, rows in owners.items():
        for row in rows:
            claimed.setdefault(row, []).append(n)
    doubles = {row: ns for row, ns in claimed.items() if len(ns) > 1}
    if doubles:
        row, ns = next(iter(doubles.items()))
        raise RosterError(messages.ROSTER_DOUBLES.format(
            count=len(doubles), student=repr(roster.students[row].id),
            files=_listing([_name(submitted[n]) for n in ns]), roster=roster.source))
    placed = tuple(
        Placed(student, submitted[claimed[row][0]].item if row in claimed else None)
        for row, student in enumerate(roster.students)
    )
    unmatched = tuple(s for n, s in enumerate(submitted) if not owners[n])
    return Matching(placed, unmatched)


def _owners(roster: Roster, submission: Submitted[T]) -> list[int]:
    if roster.by_file:
        return [n for n, s in enumerate(roster.students) if _file_matches(s.file, submission.files)]
    return [n for n, s in enumerate(roster.students) if submission.id in s.ids()]


def _file_matches(pattern: str, files: Sequence[str]) -> bool:
    """The pattern against each name the submission may have had, and against it without its suffix,
    so ``ann_1.ipynb``, ``ann_1`` and ``ann_*`` all match ``ann_1.ipynb``."""
    pattern = _without_suffix(pattern)
    return any(fnmatch.fnmatchcase(_without_suffix(Path(f).name), pattern) for f in files)


def _without_suffix(name: str) -> str:
    for suffix in SUBMISSION_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def _name(submission: Submitted[T]) -> str:
    return submission.files[0] if submission.files else submission.id


def _listing(names: Sequence[str]) -> str:
    shown = ", ".join(names[:SHOWN])
    return shown + (f" and {len(names) - SHOWN} more" if len(names) > SHOWN else "")
