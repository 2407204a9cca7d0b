"""Instructor overrides: a CSV of score changes, each with the reason the student reads.

An overrides file (``tfgrade grade --overrides overrides.csv``) has a header naming at least the
columns ``student,question,points,reason`` (in any order; other columns, e.g. a date or who
decided, are ignored) and one row per change:

* ``student``: the row's name as the batch names it (the ``--student-id`` id, or the path as
  given), or the path as given, or the submission's file name when only one submission has it.
  With ``--roster``, also the student's id in the roster (any of student_id, canvas_id, login, email).
* ``question``: a question of the assignment (``q2``), or empty or ``total`` for the whole assignment,
  or ``late`` for the points a late penalty takes (``0`` waives it; docs/late.md).
* ``points``: ``7`` sets the score to 7; ``+2`` or ``-1.5`` adds to the automatic score.
* ``reason``: required, since the student sees it.

Everything is checked before anything is graded or written (:func:`read`, :func:`resolve`): a
row that cannot be read, an unknown student or question, a name that matches two submissions, a
set value outside ``[0, max]``, a missing reason or a second row for the same score is an
:class:`OverridesError` that lists every such row as ``file:line``. :func:`apply` is pure and
runs after the automatic score, on every grade and regrade (reused results too): question
overrides first, then a whole-assignment one on the sum. A ``+``/``-`` change that would leave
``[0, max]`` stops at the bound, and the score's :class:`~autograder.core.scoring.Adjustment`
keeps the automatic score next to the final one.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from autograder import messages
from autograder.core.scoring import DECIMALS, Adjustment, QuestionScore, Score
from autograder.errors import TfgradeError

__all__ = ["COLUMNS", "LATE", "TOTAL", "Override", "OverridesError", "apply", "late_waiver", "parse", "read",
           "resolve", "with_paths"]

COLUMNS = ("student", "question", "points", "reason")
TOTAL = "total"
"""The ``question`` of a whole-assignment override (an empty cell means the same)."""
LATE = "late"
"""The ``question`` of a row that sets the points a late penalty takes (``0`` waives it; core/late.py)."""
_POINTS = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
SHOWN_PROBLEMS = 20
"""Problems listed in one error; the rest are counted."""


class OverridesError(TfgradeError):
    """The overrides file cannot be used as it is; the message lists each row to fix as ``file:line``."""


@dataclass(frozen=True)
class Override:
    """One row of the overrides file."""

    student: str
    question: str
    """A question's name, or :data:`TOTAL` for the whole assignment."""
    points: str
    """As written: ``7`` sets the score, ``+2`` / ``-1.5`` adds to it."""
    reason: str
    where: str
    """``file:line`` of the row, for error messages."""

    @property
    def relative(self) -> bool:
        return self.points.startswith(("+", "-"))

    @property
    def value(self) -> float:
        return float(self.points)


def read(path: Path) -> tuple[Override, ...]:
    """The rows of the overrides file at ``path``, each checked on its own (:func:`parse`)."""
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise OverridesError(f"Cannot read the overrides file {path}: {exc.strerror or exc}.") from exc
    except UnicodeDecodeError as exc:
        raise OverridesError(f"{path} is not UTF-8 text. Save it as 'CSV UTF-8' and run again.") from exc
    return parse(text, str(path))


def parse(text: str, source: str) -> tuple[Override, ...]:
    """The rows of an overrides CSV named ``source`` in messages; OverridesError lists every bad row."""
    records = _records(text.removeprefix("\ufeff"))  # spreadsheets often start a UTF-8 CSV with a BOM
    header = _header(records, source)
    rows: list[Override] = []
    problems: list[str] = []
    for line, cells in records:
        where = f"{source}:{line}"
        if not any(cell.strip() for cell in cells):
            continue  # blank lines are allowed, e.g. between groups of rows
        fields = {name: cells[i].strip() if i < len(cells) else "" for name, i in header.items()}
        problem = _row_problem(fields)
        if problem:
            problems.append(f"{where}: {problem}")
            continue
        question = fields["question"] if fields["question"].lower() != TOTAL else ""
        rows.append(Override(fields["student"], question or TOTAL, fields["points"], fields["reason"], where))
    _raise_if(problems, source)
    return tuple(rows)


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """Each CSV record with the line it starts on (a quoted cell may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    for cells in reader:
        yield start, cells
        start = reader.line_num + 1


def _header(records: Iterator[tuple[int, list[str]]], source: str) -> dict[str, int]:
    for line, cells in records:
        if any(cell.strip() for cell in cells):
            names = [cell.strip().lower() for cell in cells]
            missing = [c for c in COLUMNS if c not in names]
            if missing:
                raise OverridesError(messages.OVERRIDES_MISSING_COLUMNS.format(
                    file=source, line=line, count=len(missing), names=", ".join(missing), columns=",".join(COLUMNS)))
            return {c: names.index(c) for c in COLUMNS}
    raise OverridesError(f"{source} is empty. Its first line must name the columns: {','.join(COLUMNS)}.")


def _row_problem(fields: Mapping[str, str]) -> str:
    if not fields["student"]:
        return "the student is empty: write the name grades.csv shows in its first column, or the file name."
    if not _POINTS.fullmatch(fields["points"]):
        return (f"points {fields['points']!r} is not a number: write 7 to set the score, or +2 / -1.5 to "
                "add to the automatic score.")
    if not fields["reason"]:
        return "the reason is empty: write why, since the student will read it."
    return ""


def resolve(
    overrides: Sequence[Override], submissions: Mapping[Path, str], questions: Mapping[str, float]
) -> dict[Path, tuple[Override, ...]]:
    """Each submission's overrides; OverridesError lists every row that names no submission or question.

    ``submissions`` maps each path of the batch to its row's name, ``questions`` each question to its points.
    """
    chosen: dict[Path, list[Override]] = {}
    seen: dict[tuple[Path, str], str] = {}
    problems: list[str] = []
    for override in overrides:
        path, problem = _submission(override.student, submissions)
        problem = problem or _question_problem(override, questions)
        if not problem and path is not None and (path, override.question) in seen:
            first = seen[path, override.question]
            problem = f"a second change of the same score (the first is at {first}); keep one row."
        if problem or path is None:
            problems.append(f"{override.where}: {problem}")
            continue
        seen[path, override.question] = override.where
        chosen.setdefault(path, []).append(override)
    _raise_if(problems, overrides[0].where.rsplit(":", 1)[0] if overrides else "overrides")
    return {path: tuple(rows) for path, rows in chosen.items()}


def _submission(student: str, submissions: Mapping[Path, str]) -> tuple[Path | None, str]:
    named = [p for p, name in submissions.items() if student in (name, str(p))]
    matches = named or [p for p in submissions if p.name == student]
    if len(matches) == 1:
        return matches[0], ""
    if not matches:
        return None, (f"no submission of this batch is {student!r}. Write the name grades.csv shows in its first "
                      "column (the --student-id id, or the path), or the submission's file name.")
    paths = ", ".join(str(p) for p in matches[:3])
    return None, f"{student!r} matches {len(matches)} submissions ({paths}); write the path as given instead."


def _question_problem(override: Override, questions: Mapping[str, float]) -> str:
    if override.question == LATE:
        most = round(sum(questions.values()), DECIMALS)
        if override.relative or not 0 <= override.value <= most:
            return (f"points {override.points} of a late row are the points the penalty takes: write a number from 0 "
                    f"(waives it) to {most:g}.")
        return ""
    if override.question == TOTAL:
        most = round(sum(questions.values()), DECIMALS)
    elif override.question in questions:
        most = questions[override.question]
    else:
        known = ", ".join(questions) or "none"
        return (f"the assignment has no question {override.question!r} (its questions: {known}); leave the "
                f"question empty or write {TOTAL} to change the whole assignment's score.")
    if not override.relative and not 0 <= override.value <= most:
        what = "the assignment" if override.question == TOTAL else f"question {override.question}"
        return f"points {override.points} is outside 0 to {most:g}, the points of {what}."
    return ""


def _raise_if(problems: Sequence[str], source: str) -> None:
    if not problems:
        return
    shown = problems[:SHOWN_PROBLEMS]
    more = [f"... and {len(problems) - len(shown)} more."] if len(problems) > len(shown) else []
    lines = "\n".join(f"  {p}" for p in [*shown, *more])
    raise OverridesError(messages.OVERRIDES_UNUSABLE.format(file=source, count=len(problems)) + f"\n{lines}")


def with_paths(overrides: Sequence[Override], paths: Mapping[str, str]) -> tuple[Override, ...]:
    """``overrides`` with each row naming a key of ``paths`` (a roster id) renamed to its submission's path."""
    return tuple(replace(o, student=paths[o.student]) if o.student in paths else o for o in overrides)


def late_waiver(overrides: Sequence[Override]) -> tuple[str, str]:
    """The points and reason of the ``late`` row among a submission's overrides (``("", "")`` without one)."""
    row = next((o for o in overrides if o.question == LATE), None)
    return (row.points, row.reason) if row else ("", "")


def apply(score: Score, overrides: Sequence[Override]) -> Score:
    """``score`` with ``overrides`` applied: question ones first, then a whole-assignment one on the new sum."""
    overrides = [o for o in overrides if o.question != LATE]  # applied with the late penalty (core/late.py)
    if not overrides:
        return score
    by_question = {o.question: o for o in overrides}
    questions = tuple(_question(q, by_question.get(q.question)) for q in score.questions)
    earned = round(sum(q.earned for q in questions), DECIMALS) if questions != score.questions else score.earned
    total = by_question.get(TOTAL)
    if total is not None:
        adjustment = Adjustment(automatic=earned, change=total.points, reason=total.reason)
        return replace(score, earned=_adjusted(earned, total, score.points), questions=questions, override=adjustment)
    return replace(score, earned=earned, questions=questions)


def _question(q: QuestionScore, override: Override | None) -> QuestionScore:
    if override is None:
        return q
    adjustment = Adjustment(automatic=q.earned, change=override.points, reason=override.reason)
    return replace(q, earned=_adjusted(q.earned, override, q.points), override=adjustment)


def _adjusted(automatic: float, override: Override, most: float) -> float:
    value = automatic + override.value if override.relative else override.value
    # A change past a bound stops there: +2 on 2 / 3 gives 3, -5 on 2 gives 0 (the Adjustment keeps the 2).
    return round(max(0.0, min(value, most)), DECIMALS)
