"""Gradebook files that LMSes import, made from a batch's rows (docs/exports.md has a sample of each).

:data:`REGISTRY` holds one :class:`ExportFormat` per format, and nothing else names a format: the
CLI's choices and help, the file names, the byte-order mark and the warnings all come from it
(docs/exports.md: a new format is one entry here and one test).

* :func:`canvas`  Canvas's gradebook import: ``Student,ID,SIS User ID,SIS Login ID,Section,<assignment>``
                  and a ``Points Possible`` row.
* :func:`moodle`  Moodle's grade import: id columns, ``<assignment>`` and ``<assignment> (feedback)``.
* :func:`otter`   otter-grader's ``final_grades.csv``: per-question columns, total, percent, status.
* :func:`plain`   ``student_id,<assignment>,percent,status``.

Every renderer is a pure function of :class:`GradebookRow` values; a row's points are
``score.earned`` (the final score, overrides included, once they exist). The I/O lives at the
edges: :func:`read_batch` reads an earlier batch's report.json files and :func:`write` writes a file.

Cells hold text that students control (file names, and ids taken from them), so every text cell is
made one line and safe for a spreadsheet, as in grades.csv.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import io
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder import i18n, messages, plugins
from autograder.core import cache, codec
from autograder.core.results import SubmissionResult
from autograder.core.roster import Roster, Student, Submitted, match
from autograder.core.scoring import Score
from autograder.errors import TfgradeError
from autograder.reports.formats import format_number, late_lines, safe_text

__all__ = [  # and, made on first use, REGISTRY and FORMATS
    "ExportError",
    "ExportFormat",
    "GradebookRow",
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
NO_SUBMISSION = "no_submission"
"""The status of a roster student with no submission (plain and otter exports)."""
CELL_LIMIT = 500
"""Characters kept of any one text cell."""
# Spreadsheets run a cell starting with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@")
Pair = tuple[SubmissionResult, Score]


class ExportError(TfgradeError):
    """An export cannot be made without guessing; the message says what to do."""


@dataclass(frozen=True)
class GradebookRow:
    student: Student
    result: SubmissionResult | None
    """None: a roster student who submitted nothing."""
    score: Score
    """The final score; all zero when nothing was submitted."""

    @property
    def status(self) -> str:
        return self.result.status if self.result else NO_SUBMISSION


# -- gathering the rows ------------------------------------------------------------------------


def read_batch(out_dir: Path) -> list[Submitted[Pair]]:
    """Every submission of an earlier batch in ``out_dir``: its id, its folder's name, its result and score.

    Refuses a batch it cannot read whole: a missing submission would export as a 0.
    """
    folders = sorted(p.parent for p in (out_dir / "submissions").glob(f"*/{cache.REPORT}"))
    if not folders:
        raise ExportError(f"{out_dir} holds no graded submissions ({out_dir}/submissions/*/{cache.REPORT}). "
                          f"Grade first: tfgrade grade SUBMISSIONS --assignment NAME --out {out_dir}")
    found: list[Submitted[Pair]] = []
    damaged: list[str] = []
    for folder in folders:
        try:
            report = codec.REPORT.loads((folder / cache.REPORT).read_bytes())
        except (OSError, codec.DecodeError):
            damaged.append(str(folder / cache.REPORT))
            continue
        name = report.result.submission
        found.append(Submitted(name, (Path(name).name, folder.name), (report.result, report.score)))
    if damaged:
        raise ExportError(f"cannot read {len(damaged)} report(s): {', '.join(damaged[:5])}. Run the same "
                          "tfgrade grade command again: it regrades those submissions, then export.")
    return found


def gradebook(submitted: Sequence[Submitted[Pair]], roster: Roster | None) -> tuple[list[GradebookRow], list[str]]:
    """The rows to export and the warnings to show: one row per roster student (those who submitted
    nothing score 0), or without a roster one per submission, named by its id."""
    if not submitted:
        raise ExportError("there are no submissions to export.")
    _expect_one_assignment(submitted)
    if roster is None:
        _expect_unique_ids(submitted)
        rows = [GradebookRow(Student(student_id=s.id), *s.item) for s in submitted]
        return rows, []
    matching = match(roster, submitted)
    blank = _zero(submitted[0].item[1])
    rows = [GradebookRow(p.student, *(p.item or (None, blank))) for p in matching.placed]
    return rows, matching.warnings()


def assignment_of(submitted: Sequence[Submitted[Pair]]) -> str:
    return submitted[0].item[0].assignment


def _expect_one_assignment(submitted: Sequence[Submitted[Pair]]) -> None:
    names = sorted({s.item[0].assignment for s in submitted})
    if len(names) > 1:
        raise ExportError(f"the batch mixes assignments ({', '.join(names)}); an export is for one. "
                          "Grade each assignment into its own --out folder.")


def _expect_unique_ids(submitted: Sequence[Submitted[Pair]]) -> None:
    seen: dict[str, str] = {}
    for s in submitted:
        if s.id in seen:
            raise ExportError(f"two submissions have the student id {s.id!r} ({seen[s.id]} and {s.files[-1]}); "
                              "a gradebook would keep one of them at random. Keep one submission per student, "
                              "or map files to students with --roster.")
        seen[s.id] = s.files[-1]


def _zero(template: Score) -> Score:
    """The score of a student who submitted nothing: 0 of the assignment's points, per question."""
    questions = tuple(dataclasses.replace(q, earned=0.0) for q in template.questions)
    return Score(earned=0.0, points=template.points, questions=questions)


def warnings_for(fmt: Format, rows: Sequence[GradebookRow]) -> list[str]:
    """What the instructor should know before uploading ``fmt``: rows an LMS cannot match, rows left out,
    hand-graded answers no TA has scored yet."""
    return format_named(fmt).warnings(rows) + _waiting_warnings(rows)


def _waiting_warnings(rows: Sequence[GradebookRow]) -> list[str]:
    waiting = [row for row in rows if row.score.waiting]
    if not waiting:
        return []
    questions = sorted({q for row in waiting for q in row.score.waiting})
    return [f"{len(waiting)} row(s) have hand-graded answers no TA has scored yet ({', '.join(questions)}): they "
            f"count 0 points in this file. Score them (overrides.csv, or tfgrade review) and export again."]


def _lms_warnings(lms: str) -> Callable[[Sequence[GradebookRow]], list[str]]:
    """The warnings of an LMS that matches rows to its students by id and keeps a grade a row leaves out."""
    def warnings(rows: Sequence[GradebookRow]) -> list[str]:
        notes: list[str] = []
        errors = [r.student.id for r in rows if r.status == "grader_error"]
        if errors:
            notes.append(f"{len(errors)} submission(s) hit a grader error and are left out so their gradebook "
                         f"grade stays as it is: {', '.join(errors[:10])}. Regrade them (run tfgrade grade again), "
                         "then export.")
        return notes
    return warnings


def _no_warnings(_rows: Sequence[GradebookRow]) -> list[str]:
    return []


def _lms_refusal(lms: str) -> Callable[[Sequence[GradebookRow]], str]:
    """Why an LMS would reject the file, or "": rows named by a file path, which it cannot match to a student."""
    def refusal(rows: Sequence[GradebookRow]) -> str:
        paths = [r.student.id for r in _lms_rows(rows) if _unusable_id(r.student)]
        if not paths:
            return ""
        return (f"{len(paths)} row(s) have no student id {lms} knows (e.g. {paths[0] or 'an empty id'}): "
                f"{lms} would reject the file, so none was written. Export again with --roster FILE (or "
                "--student-id REGEX).")
    return refusal


def _unusable_id(student: Student) -> bool:
    return not student.ids() or Path(student.id).suffix.lower() in (".ipynb", ".zip")


def refusal_for(fmt: Format, rows: Sequence[GradebookRow]) -> str:
    """Why ``fmt`` cannot be made from ``rows`` (then nothing is written), or ""."""
    return format_named(fmt).refusal(rows)


# -- the formats ---------------------------------------------------------------------------------


def render(fmt: Format, rows: Sequence[GradebookRow], *, column: str) -> str:
    """The file's text in ``fmt``; ``column`` heads the assignment's column (otter has none)."""
    return format_named(fmt).render(rows, column)


def canvas(rows: Sequence[GradebookRow], column: str) -> str:
    """Canvas's gradebook import: five student columns, then the assignment's points.

    Canvas finds the student by ID (its own user id), then SIS User ID, then SIS Login ID, then the
    name; an empty cell is skipped. The second row gives the assignment's points possible. Rows with a
    grader error are left out, so Canvas keeps what it had.
    """
    lines = [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", _text(column)],
             ["Points Possible", "", "", "", "", _points_possible(rows)]]
    for row in _lms_rows(rows):
        s = row.student
        lines.append([_text(s.name), _text(s.canvas_id), _text(s.student_id), _text(s.login), _text(s.section),
                      format_number(row.score.earned)])
    return _csv(lines)


def moodle(rows: Sequence[GradebookRow], column: str) -> str:
    """Moodle's grade import (Grades > Import > CSV file): the id columns the roster fills, the
    assignment's points and a feedback line per student. On import, map the id column to the Moodle
    field it holds, the points to the assignment, and the feedback column to its feedback."""
    ids = [(field, heading) for field, heading in _MOODLE_IDS if any(getattr(r.student, field) for r in rows)]
    lines = [[heading for _, heading in ids] + [_text(column), _text(f"{column} (feedback)")]]
    for row in _lms_rows(rows):
        cells = [_text(getattr(row.student, field)) for field, _ in ids]
        lines.append([*cells, format_number(row.score.earned), _text(_feedback(row))])
    return _csv(lines)


_MOODLE_IDS = (("student_id", "ID number"), ("login", "Username"), ("email", "Email address"))
"""Moodle's own export headings for the fields its import can match a user on."""


def otter(rows: Sequence[GradebookRow], _column: str = "") -> str:
    """otter-grader's final_grades.csv, as ``otter grade`` writes it: ``file``, the questions in sorted
    order, ``total_points_earned``, ``percent_correct`` (a fraction to 4 places) and ``grading_status``;
    first a ``points-per-question`` row; the rows sorted by file. ``file`` holds the row's id."""
    questions = sorted({q.question for row in rows for q in row.score.questions})
    template = rows[0].score if rows else Score(0.0, 0.0, ())
    possible = {q.question: format_number(q.points) for q in template.questions}
    lines = [["file", *map(_text, questions), "total_points_earned", "percent_correct", "grading_status"],
             ["points-per-question", *(possible.get(q, "") for q in questions), format_number(template.points),
              "1", "--"]]
    for row in sorted(rows, key=lambda r: _text(r.student.id)):
        earned = {q.question: format_number(q.earned) for q in row.score.questions}
        fraction = round(row.score.earned / row.score.points, 4) if row.score.points else 0.0
        lines.append([_text(row.student.id), *(earned.get(q, "0") for q in questions),
                      format_number(row.score.earned), format_number(fraction), _text(_otter_status(row))])
    return _csv(lines)


def plain(rows: Sequence[GradebookRow], column: str) -> str:
    """``student_id,<assignment>,percent,status``: points, percent of the assignment (2 places) and the
    status (graded, rejected, grader_error, no_submission). A grader error's points are left empty."""
    lines = [["student_id", _text(column), "percent", "status"]]
    for row in rows:
        if row.status == "grader_error":
            lines.append([_text(row.student.id), "", "", row.status])
            continue
        lines.append([_text(row.student.id), format_number(row.score.earned), _percent(row.score), row.status])
    return _csv(lines)


def _lms_rows(rows: Sequence[GradebookRow]) -> list[GradebookRow]:
    return [r for r in rows if r.status != "grader_error"]


def _points_possible(rows: Sequence[GradebookRow]) -> str:
    return format_number(rows[0].score.points) if rows else ""


def _percent(score: Score) -> str:
    return format_number(round(100 * score.earned / score.points, 2)) if score.points else "0"


def _feedback(row: GradebookRow) -> str:
    """One line for the student in Moodle, in the student's language: the total, each question, or why
    there is no score."""
    with i18n.using(row.result.language if row.result else None):
        total = messages.EXPORT_TOTAL.format(earned=format_number(row.score.earned),
                                             points=format_number(row.score.points))
        if row.result is None:
            return messages.EXPORT_NO_SUBMISSION.format(total=total)
        if row.result.status == "rejected":
            return messages.EXPORT_NOT_GRADED.format(total=total, reason=row.result.message)
        per_question = ", ".join(f"{q.question} {format_number(q.earned)}/{format_number(q.points)}"
                                 for q in row.score.questions)
        return " ".join([messages.EXPORT_GRADED.format(total=total, questions=per_question),
                         *late_lines(row.score.late)])


def _otter_status(row: GradebookRow) -> str:
    # otter writes "Completed", or the error that stopped grading; ours are the rejection's or grader's message.
    if row.result is None:
        return "no submission"
    return "Completed" if row.result.status == "graded" else row.result.message


def _text(value: str) -> str:
    cleaned = safe_text(value, CELL_LIMIT)
    return f"'{cleaned}" if cleaned.startswith(_FORMULA_STARTS) else cleaned


def _csv(lines: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(lines)
    return buffer.getvalue()


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
