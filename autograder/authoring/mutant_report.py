"""The mutation report: each mutant's verdict, the score of each question, and the report as text and JSON.

Pure: :func:`verdict` reads a graded mutant, :func:`build_report` settles and scores them, :func:`text`
and :func:`as_json` render the :class:`Report`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from autograder.authoring.mutant_equivalents import FILE_NAME
from autograder.authoring.mutant_generation import UNASSIGNED, Mutant
from autograder.grading.pipeline import Graded

SCHEMA = 1
"""Version of the JSON report's layout (``--mutants-report``)."""
REASON_CHARS = 300
"""How much of each failed check's message the report keeps: enough to see which requirement caught it."""

Status = Literal["killed", "survived", "error"]


@dataclass(frozen=True)
class Verdict:
    status: Status
    lost: tuple[str, ...] = ()
    """Questions that lost points."""
    failed: tuple[str, ...] = ()
    """Checks that did not pass."""
    message: str = ""
    """Why the grading stopped, for a rejected notebook or a grader error."""
    reasons: tuple[str, ...] = ()
    """The failure message of each check of ``failed`` (instructor-facing, clipped)."""
    run: str = "completed"
    """How the notebook's run ended: completed, timeout (a time limit), died, not_run."""


@dataclass(frozen=True)
class QuestionScore:
    question: str
    mutants: int
    killed: int
    survived: int
    equivalent: int
    """Reviewed equivalents that survived (left out of the score)."""
    errors: int

    @property
    def score(self) -> float | None:
        """killed / (mutants - reviewed equivalents - grader errors); None when nothing is left to count."""
        counted = self.mutants - self.equivalent - self.errors
        return self.killed / counted if counted else None


@dataclass(frozen=True)
class Report:
    assignment: str
    mutants: tuple[tuple[Mutant, Verdict], ...]
    equivalents: dict[str, str]
    questions: tuple[QuestionScore, ...]
    stale: tuple[str, ...]
    """Reviewed ids that no mutant has any more (the solution changed): remove them from mutants.toml."""
    solution_problem: str = ""
    """Why the mutants were not graded: the solution itself does not get full marks."""
    skipped_cells: tuple[int, ...] = ()
    """Answer cells that are not plain Python (``ast`` cannot parse them), left unmutated."""

    def unreviewed(self) -> list[tuple[Mutant, Verdict]]:
        return [(m, v) for m, v in self.mutants if v.status == "survived" and m.id not in self.equivalents]

    def reviewed(self) -> list[tuple[Mutant, Verdict]]:
        return [(m, v) for m, v in self.mutants if v.status == "survived" and m.id in self.equivalents]

    def wrongly_equivalent(self) -> list[tuple[Mutant, Verdict]]:
        """Mutants recorded as equivalent that lose points: if the review is right, a check rejects a
        correct answer."""
        return [(m, v) for m, v in self.mutants if v.status == "killed" and m.id in self.equivalents]

    def errors(self) -> list[tuple[Mutant, Verdict]]:
        return [(m, v) for m, v in self.mutants if v.status == "error"]

    def cascades(self) -> list[tuple[Mutant, Verdict]]:
        """Killed mutants that cost points in another question than their own (one question, one verdict?).
        Not those whose notebook ran out of time or died: that costs points everywhere, whatever the checks."""
        return [(m, v) for m, v in self.mutants if v.status == "killed" and v.run == "completed"
                and m.question != UNASSIGNED and set(v.lost) - {m.question}]

    @property
    def ok(self) -> bool:
        return not (self.solution_problem or self.unreviewed() or self.wrongly_equivalent() or self.errors())


# --- verdicts and scores (pure) -------------------------------------------------------------------

def verdict(graded: Graded) -> Verdict:
    """Killed when the mutant loses any point (a rejected notebook loses them all); a grader error is
    neither: the grader failed, and that is reported on its own."""
    result = graded.result
    if result.status == "grader_error":
        return Verdict("error", message=result.message)
    lost = tuple(q.question for q in graded.score.questions if q.earned < q.points - 1e-9)
    failing = [c for c in result.checks if c.outcome != "passed"]
    message = result.message if result.status != "graded" else ""
    return Verdict("killed" if lost else "survived", lost, tuple(c.name for c in failing), message,
                   tuple(_clip(c.message, REASON_CHARS) for c in failing), result.execution.status)


def build_report(assignment: str, questions: Sequence[str], graded: Sequence[tuple[Mutant, Verdict]],
                 equivalents: dict[str, str], skipped_cells: Sequence[int] = ()) -> Report:
    settled = tuple((_settle(m, v), v) for m, v in graded)
    scores = tuple(_score(q, settled, equivalents) for q in [*questions, UNASSIGNED]
                   if q != UNASSIGNED or any(m.question == UNASSIGNED for m, _ in settled))
    ids = {m.id for m, _ in settled}
    stale = tuple(sorted(i for i in equivalents if i not in ids))
    return Report(assignment, settled, equivalents, scores, stale, skipped_cells=tuple(skipped_cells))


def _settle(m: Mutant, v: Verdict) -> Mutant:
    """A mutant of no known question takes the first question that lost points (its id keeps its name)."""
    if m.question != UNASSIGNED or not v.lost:
        return m
    return Mutant(m.id, v.lost[0], m.cell, m.line, m.operator, m.before, m.after, m.source)


def _score(question: str, graded: Sequence[tuple[Mutant, Verdict]], equivalents: dict[str, str]) -> QuestionScore:
    mine = [(m, v) for m, v in graded if m.question == question]
    killed = sum(v.status == "killed" and m.id not in equivalents for m, v in mine)
    survived = sum(v.status == "survived" for _, v in mine)
    equivalent = sum(m.id in equivalents and v.status != "error" for m, v in mine)
    errors = sum(v.status == "error" for _, v in mine)
    return QuestionScore(question, len(mine), killed, survived, equivalent, errors)


# --- the report, as text and as JSON (pure) -------------------------------------------------------

def text(report: Report, *, width: int = 160) -> str:
    if report.solution_problem:
        return f"No mutants graded: {report.solution_problem}"
    lines = ["Mutation scores (killed / (mutants - reviewed equivalents - grader errors)):"]
    for q in report.questions:
        score = "  n/a" if q.score is None else f"{q.score:5.0%}"
        lines.append(f"  {q.question}: {score}  {q.mutants} mutants, {q.killed} killed, {q.survived} survived"
                     f" ({q.equivalent} reviewed equivalent), {q.errors} grader errors")
    sections: list[tuple[str, list[tuple[Mutant, Verdict]], Callable[[Mutant, Verdict], list[str]]]] = [
        ("Survivors to review (a check is missing, or record them in mutants.toml with a reason)",
         report.unreviewed(), lambda m, v: _change(m, width)),
        ("Recorded as equivalent but killed (if the review is right, a check rejects a correct answer)",
         report.wrongly_equivalent(), lambda m, v: [*_change(m, width), f"      failed: {', '.join(v.failed)}"]),
        ("Grader errors (the grader failed on these mutants)", report.errors(),
         lambda m, v: [f"      {_clip(v.message, width)}"]),
        ("Also cost points in another question (a cascade: one question, one verdict?)",
         report.cascades(), lambda m, v: [f"      lost points in {', '.join(v.lost)}: {', '.join(v.failed)}"]),
        ("Reviewed equivalents", report.reviewed(), lambda m, v: [f"      {report.equivalents[m.id]}"]),
    ]
    for title, rows, detail in sections:
        if rows:
            lines += ["", f"{title}: {len(rows)}"]
            for m, v in rows:
                lines += [f"  {m.id}", *detail(m, v)]
    if report.stale:
        lines += ["", f"Reviewed ids no mutant has any more (remove them from {FILE_NAME}): {len(report.stale)}",
                  *(f"  {i}" for i in report.stale)]
    if report.skipped_cells:
        lines += ["", "Answer cells that are not plain Python, left unmutated: "
                  + ", ".join(f"cell {n}" for n in report.skipped_cells)]
    return "\n".join(lines)


def _change(m: Mutant, width: int) -> list[str]:
    before = [f"      - {_clip(line, width)}" for line in m.before.splitlines()[:6]]
    after = [f"      + {_clip(line, width)}" for line in m.after.splitlines()[:6]] or ["      + (removed)"]
    return before + after


def _clip(line: str, width: int) -> str:
    line = line.rstrip()
    return line if len(line) <= width else line[: width - 3] + "..."


def as_json(report: Report) -> dict[str, Any]:
    """The report as plain data, to compare scores before and after a change of the checks."""
    return {
        "schema": SCHEMA,
        "assignment": report.assignment,
        "solution_problem": report.solution_problem,
        "questions": {q.question: {"mutants": q.mutants, "killed": q.killed, "survived": q.survived,
                                   "equivalent": q.equivalent, "errors": q.errors, "score": q.score}
                      for q in report.questions},
        "mutants": [{"id": m.id, "question": m.question, "cell": m.cell, "line": m.line, "operator": m.operator,
                     "before": m.before, "after": m.after, "status": v.status, "lost": list(v.lost),
                     "failed": dict(zip(v.failed, v.reasons or ("",) * len(v.failed), strict=True)),
                     "message": v.message, "run": v.run,
                     "equivalent": report.equivalents.get(m.id)} for m, v in report.mutants],
        "stale_equivalents": list(report.stale),
        "skipped_cells": list(report.skipped_cells),
        "ok": report.ok,
    }
