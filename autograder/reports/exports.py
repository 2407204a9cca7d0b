"""Gradebook files that LMSes import, made from a batch's rows (docs/exports.md has a sample of each).

:data:`REGISTRY` holds one :class:`ExportFormat` per format, and nothing else names a format: the
CLI's choices and help, the file names, the byte-order mark and the warnings all come from it
(docs/exports.md: a new format is one entry here and one test).

The rows come from :mod:`autograder.reports.gradebook` (:func:`read_batch` reads an earlier batch's
report.json files, :func:`gradebook` makes one row per student); the built-in formats' renderers
(:func:`canvas`, :func:`moodle`, :func:`otter`, :func:`plain`) are in
:mod:`autograder.reports.gradebook_formats`. Every name stays importable from here. This module holds
the registry, the warnings and refusals of each format, and :func:`write`, which writes a file.
"""

from __future__ import annotations

import functools
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder import messages, plugins
from autograder.core.roster import RosterEntry
from autograder.reports.gradebook import (
    NO_SUBMISSION,
    ExportError,
    GradebookRow,
    Pair,
    assignment_of,
    gradebook,
    read_batch,
)
from autograder.reports.gradebook_formats import CELL_LIMIT, canvas, lms_rows, moodle, otter, plain

__all__ = [  # and, made on first use, REGISTRY and FORMATS
    "CELL_LIMIT",
    "NO_SUBMISSION",
    "ExportError",
    "ExportFormat",
    "GradebookRow",
    "Pair",
    "assignment_of",
    "canvas",
    "default_path",
    "format_named",
    "gradebook",
    "moodle",
    "otter",
    "plain",
    "read_batch",
    "registry",
    "refusal_for",
    "render",
    "write",
]

Format = str
"""A format's name: one of :data:`FORMATS`."""


def warnings_for(fmt: Format, rows: Sequence[GradebookRow]) -> list[str]:
    """What the instructor should know before uploading ``fmt``: rows an LMS cannot match, rows left out,
    hand-graded answers no TA has scored yet."""
    return format_named(fmt).warnings(rows) + _waiting_warnings(rows)


def _waiting_warnings(rows: Sequence[GradebookRow]) -> list[str]:
    waiting = [row for row in rows if row.score.waiting]
    if not waiting:
        return []
    questions = sorted({q for row in waiting for q in row.score.waiting})
    return [messages.EXPORT_WAITING.format(count=len(waiting), questions=", ".join(questions))]


def _lms_warnings(lms: str) -> Callable[[Sequence[GradebookRow]], list[str]]:
    """The warnings of an LMS that matches rows to its students by id and keeps a grade a row leaves out."""
    def warnings(rows: Sequence[GradebookRow]) -> list[str]:
        notes: list[str] = []
        errors = [r.student.id for r in rows if r.status == "grader_error"]
        if errors:
            notes.append(messages.EXPORT_GRADER_ERRORS.format(count=len(errors), ids=", ".join(errors[:10])))
        return notes
    return warnings


def _no_warnings(_rows: Sequence[GradebookRow]) -> list[str]:
    return []


def _lms_refusal(lms: str) -> Callable[[Sequence[GradebookRow]], str]:
    """Why an LMS would reject the file, or "": rows named by a file path, which it cannot match to a student."""
    def refusal(rows: Sequence[GradebookRow]) -> str:
        paths = [r.student.id for r in lms_rows(rows) if _unusable_id(r.student)]
        if not paths:
            return ""
        return messages.EXPORT_NO_LMS_ID.format(count=len(paths), lms=lms, example=paths[0] or "an empty id")
    return refusal


def _unusable_id(student: RosterEntry) -> bool:
    return not student.ids() or Path(student.id).suffix.lower() in (".ipynb", ".zip")


def refusal_for(fmt: Format, rows: Sequence[GradebookRow]) -> str:
    """Why ``fmt`` cannot be made from ``rows`` (then nothing is written), or ""."""
    return format_named(fmt).refusal(rows)


# -- the formats ---------------------------------------------------------------------------------


def render(fmt: Format, rows: Sequence[GradebookRow], *, column: str) -> str:
    """The file's text in ``fmt``; ``column`` heads the assignment's column (otter has none)."""
    return format_named(fmt).render(rows, column)


# -- files ---------------------------------------------------------------------------------------


def default_path(out_dir: Path, fmt: Format, assignment: str) -> Path:
    """Where ``fmt`` goes when no --out names a file: its entry's ``file_name`` in ``out_dir``."""
    return out_dir / format_named(fmt).file_name.format(assignment=assignment, format=fmt)


def write(path: Path, fmt: Format, text: str) -> None:
    """Write ``text`` as UTF-8, with a byte-order mark if ``fmt``'s entry asks for one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8-sig" if format_named(fmt).bom else "utf-8")
    temporary = path.with_name(f".{path.name}.partial")
    temporary.write_bytes(data)
    temporary.replace(path)


# -- the registry ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportFormat:
    """One gradebook format: everything the CLI, the docs and the writer know about it."""

    name: str
    """What ``--export`` and ``tfgrade export --format`` take."""
    render: Callable[[Sequence[GradebookRow], str], str]
    """The file's text from the rows and the assignment column's heading."""
    bom: bool
    """Written with a UTF-8 byte-order mark: for files instructors open in Excel before uploading, which
    reads UTF-8 without one as the local code page (Hangul turns to mojibake)."""
    file_name: str
    """The default file in the --out folder; ``{assignment}`` and ``{format}`` are filled in."""
    warnings: Callable[[Sequence[GradebookRow]], list[str]]
    """What the instructor should know before uploading (printed to stderr, never in the file)."""
    help: str
    """One line or two for ``tfgrade export --help``; the line is wrapped there."""
    refusal: Callable[[Sequence[GradebookRow]], str] = lambda _rows: ""
    """Why the file would be unusable (then the export exits 2 and writes nothing), or ""."""


DEFAULT_FILE = "{assignment}-{format}.csv"

BUILT_IN: tuple[ExportFormat, ...] = (
    # Canvas's importer finds its headers with ``include?``, so "\ufeffStudent" still reads as Student.
    ExportFormat("canvas", canvas, True, DEFAULT_FILE, _lms_warnings("Canvas"),
                 "Canvas's gradebook import (Grades > Import): Student, ID, SIS User ID, SIS Login ID, Section, "
                 "then the assignment's points, and a Points Possible row; UTF-8 with a byte-order mark",
                 _lms_refusal("Canvas")),
    # Moodle's CSV reader removes the mark.
    ExportFormat("moodle", moodle, True, DEFAULT_FILE, _lms_warnings("Moodle"),
                 "Moodle's grade import (Grades > Import > CSV file): the id columns the roster fills, the "
                 "assignment's points and a feedback column; UTF-8 with a byte-order mark", _lms_refusal("Moodle")),
    # Read by pandas scripts, which would keep a mark in the first heading; the name otter writes.
    ExportFormat("otter", otter, False, "final_grades.csv", _no_warnings,
                 "otter-grader's final_grades.csv: per-question points, total_points_earned, percent_correct"),
    ExportFormat("csv", plain, False, DEFAULT_FILE, _no_warnings,
                 "student_id, the assignment's points, percent, status"),
)


@functools.cache
def registry() -> tuple[ExportFormat, ...]:
    """The built-in formats, then those installed packages add (:mod:`autograder.plugins`); read on first
    use, not at import, since a plugin imports this module to make its entry."""
    return BUILT_IN + plugins.load(plugins.EXPORTS, ExportFormat, (f.name for f in BUILT_IN), lambda f: f.name)


def __getattr__(name: str) -> Any:
    """``REGISTRY`` (every format) and ``FORMATS`` (their names), made from :func:`registry` on first use."""
    if name == "REGISTRY":
        return registry()
    if name == "FORMATS":
        return tuple(f.name for f in registry())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def format_named(name: Format) -> ExportFormat:
    """The registry's entry for ``name``; an :class:`ExportError` for a name it does not hold."""
    try:
        return next(f for f in registry() if f.name == name)
    except StopIteration:
        names = ", ".join(f.name for f in registry())
        raise ExportError(f"no export format {name!r}; the formats are {names}.") from None


def formats_help() -> str:
    """The formats as ``tfgrade export --help`` lists them, one entry a block, wrapped to 100 columns."""
    width = max(len(f.name) for f in registry()) + 2
    lines: list[str] = []
    for entry in registry():
        first, *more = textwrap.wrap(entry.help, 100 - width - 2)
        lines += [f"  {entry.name:<{width}}{first}", *(f"  {'':<{width}}{line}" for line in more)]
    return "\n".join(lines)


def file_names_help() -> list[tuple[str, str]]:
    """Each default file name and the formats written there, for ``tfgrade grade --help``."""
    names: dict[str, list[str]] = {}
    for f in registry():
        names.setdefault(f.file_name.replace("{format}", "<format>").replace("{assignment}", "<assignment>"),
                         []).append(f.name)
    return [(name, "|".join(formats)) for name, formats in names.items()]
