"""The mutation report for assignment authors: ``tfgrade validate ASSIGNMENT --mutants``.

A *mutant* is the solution notebook with one small mistake in its answer code (the code cells that
differ from the student template; given cells and public-check cells are never mutated). Each
mutant is graded with the real pipeline. A mutant that loses a point is *killed*; one that gets full
marks *survives*: either the mistake changes nothing the text asks (an *equivalent* mutant, which
the author reviews once and records with a reason) or a check is missing.

An assignment records reviewed equivalents in ``assignments/<name>/mutants.toml``::

    [[equivalent]]
    id = "q3:cell10:line6:swap-elements"
    reason = "Add is commutative: Add()([h, x]) computes the same sum."

Which question a mutant belongs to: the question whose heading (``## Question N``) comes before its
cell, unless the template marks the code around the change with a ``# Question N`` comment (the
custom_layers template asks for ``get_config`` and the registration decorator, Question 2, inside
the Question 1 cell). A mutant whose cell has neither takes the question whose checks it makes fail.

Generation, equivalents, scoring and the report are pure; :func:`run` is the only function that
grades (in parallel, one :class:`~autograder.grading.execution.Executor` per mutant, as validate does).
"""

from __future__ import annotations

import ast
import io
import re
import tempfile
import threading
import tokenize
import tomllib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import nbformat

from autograder.authoring import mutation
from autograder.core.assignment import Assignment, AssignmentError
from autograder.grading.execution import Executor
from autograder.grading.pipeline import Graded, grade

FILE_NAME = "mutants.toml"
SCHEMA = 1
"""Version of the JSON report's layout (``--mutants-report``)."""
UNASSIGNED = "unassigned"
REASON_CHARS = 300
"""How much of each failed check's message the report keeps: enough to see which requirement caught it."""
ID_SHAPE = re.compile(r"^(q\d+|unassigned):cell\d+:line\d+:[a-z0-9]+(-[a-z0-9]+)*$")
"""What every mutant id looks like: question, cell, line of the change, operator (``-2`` when repeated)."""
_HEADING = re.compile(r"^\s*(?:#+\s*Question\s+(\d+)\b|\*\*q(\d+)\*\*)", re.IGNORECASE | re.MULTILINE)
_MARKER = re.compile(r"#\s*Question\s+(\d+)\b", re.IGNORECASE)

Status = Literal["killed", "survived", "error"]


class EquivalentsError(AssignmentError):
    """``mutants.toml`` is malformed: an instructor problem."""


@dataclass(frozen=True)
class Mutant:
    id: str
    """Stable across runs of the same solution: ``q2:cell7:line12:compare-gt-to-ge``."""
    question: str
    cell: int
    """1-based position of the mutated cell among all of the notebook's cells (as Jupyter shows them)."""
    line: int
    """1-based line of the change in the cell's original source. The solution's ``### BEGIN SOLUTION``
    marker lines count (the line as the notebook shows it) but are never mutated: they are comments,
    which ``ast`` does not see."""
    operator: str
    before: str
    after: str
    source: str
    """The mutated cell's whole source."""


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


# --- generation (pure) ----------------------------------------------------------------------------

def generate(solution: nbformat.NotebookNode, template: nbformat.NotebookNode,
             questions: Sequence[str]) -> tuple[list[Mutant], list[int]]:
    """Every mutant of the solution's answer cells, and the answer cells that could not be parsed."""
    given = {_normal(c.source) for c in template.cells if c.cell_type == "code"}
    markers = _template_markers([c.source for c in template.cells if c.cell_type == "code"])
    mutants: list[Mutant] = []
    skipped: list[int] = []
    heading = UNASSIGNED
    for number, cell in enumerate(solution.cells, start=1):
        if cell.cell_type == "markdown":
            heading = _heading_question(cell.source, questions) or heading
        if cell.cell_type != "code" or not cell.source.strip() or _normal(cell.source) in given:
            continue
        code_mutants = mutation.mutate_source(cell.source)
        if not code_mutants and not _parses(cell.source):
            skipped.append(number)
        for m in code_mutants:
            question = _marked_question(markers, m.scope, m.in_decorator, questions) or heading
            mutants.append(Mutant(f"{question}:cell{number}:line{m.line}:{m.operator}", question, number,
                                  m.line, m.operator, m.before, m.after, m.source))
    return _unique_ids(mutants), skipped


def _normal(source: str) -> str:
    """A cell's code with whitespace normalised, so re-indented or re-saved given cells still match."""
    return " ".join(source.split())


def _parses(source: str) -> bool:
    try:
        ast.parse(source)
    except SyntaxError:
        return False
    return True


def _heading_question(markdown: str, questions: Sequence[str]) -> str | None:
    match = _HEADING.search(markdown)
    if match is None:
        return None
    name = f"q{match.group(1) or match.group(2)}"
    return name if name in questions else None


def _template_markers(sources: Sequence[str]) -> dict[tuple[tuple[str, ...], bool], str]:
    """``# Question N`` comments of the template: inside a def (that def's code belongs to question N)
    or on the line just above it (its decorators do). Keys: (scope, is-decorator)."""
    markers: dict[tuple[tuple[str, ...], bool], str] = {}
    for source in sources:
        try:
            tree = ast.parse(source)
            comments = [(t.start[0], t.string) for t in tokenize.generate_tokens(io.StringIO(source).readline)
                        if t.type == tokenize.COMMENT]
        except (SyntaxError, tokenize.TokenError):
            continue
        for line, text in comments:
            match = _MARKER.search(text)
            if match is None:
                continue
            above = _def_starting_at(tree, line + 1)
            if above is not None:
                markers[(above, True)] = f"q{match.group(1)}"
            else:
                scope, _ = mutation.scope_of(tree, line)
                if scope:
                    markers[(scope, False)] = f"q{match.group(1)}"
    return markers


def _def_starting_at(tree: ast.Module, line: int) -> tuple[str, ...] | None:
    scope, _ = mutation.scope_of(tree, line)
    if not scope:
        return None
    node: Any = tree
    for name in scope:
        node = next(n for n in node.body if isinstance(n, mutation.DEFS) and n.name == name)
    return scope if mutation.first_line(node) == line else None


def _marked_question(markers: dict[tuple[tuple[str, ...], bool], str], scope: tuple[str, ...],
                     in_decorator: bool, questions: Sequence[str]) -> str | None:
    keys = [(scope, True)] if in_decorator else []
    keys += [(scope[:depth], False) for depth in range(len(scope) - (1 if in_decorator else 0), 0, -1)]
    found = next((markers[k] for k in keys if k in markers), None)
    return found if found in questions else None


def _unique_ids(mutants: list[Mutant]) -> list[Mutant]:
    """Two changes with the same operator on one line get ``-2``, ``-3``... in the order of the walk."""
    seen: dict[str, int] = {}
    unique: list[Mutant] = []
    for m in mutants:
        seen[m.id] = seen.get(m.id, 0) + 1
        unique.append(m if seen[m.id] == 1 else _with_id(m, f"{m.id}-{seen[m.id]}"))
    return unique


def _with_id(m: Mutant, new_id: str) -> Mutant:
    return Mutant(new_id, m.question, m.cell, m.line, m.operator, m.before, m.after, m.source)


def mutant_notebook(solution: nbformat.NotebookNode, mutant: Mutant) -> nbformat.NotebookNode:
    """The solution with the mutant's cell replaced (same metadata, so it grades as the assignment)."""
    notebook = nbformat.from_dict(solution)
    cell = notebook.cells[mutant.cell - 1]
    cell.source = mutant.source
    cell.outputs = []
    return notebook


# --- reviewed equivalents -------------------------------------------------------------------------

def load_equivalents(root: Path) -> dict[str, str]:
    """Reviewed equivalent mutants of the assignment in ``root``: id -> reason ({} without the file)."""
    path = root / FILE_NAME
    return parse_equivalents(path.read_text(encoding="utf-8"), path) if path.is_file() else {}


def parse_equivalents(text: str, path: Path) -> dict[str, str]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise EquivalentsError(f"{path}: not valid TOML: {exc}") from exc
    unknown = sorted(set(data) - {"equivalent"})
    if unknown:
        raise EquivalentsError(f"{path}: unknown table {unknown[0]!r}; write [[equivalent]] tables only")
    rows = data.get("equivalent", [])
    if not isinstance(rows, list):
        raise EquivalentsError(f"{path}: write each entry as an [[equivalent]] table with id and reason")
    found: dict[str, str] = {}
    for number, row in enumerate(rows, start=1):
        mutant_id, reason = _equivalent(path, number, row)
        if mutant_id in found:
            raise EquivalentsError(f"{path}: equivalent #{number}: id {mutant_id!r} is listed twice")
        found[mutant_id] = reason
    return found


def _equivalent(path: Path, number: int, row: Any) -> tuple[str, str]:
    where = f"{path}: equivalent #{number}"
    if not isinstance(row, dict):
        raise EquivalentsError(f"{where}: write it as an [[equivalent]] table with id and reason")
    extra = sorted(set(row) - {"id", "reason"})
    if extra:
        raise EquivalentsError(f"{where}: unknown key {extra[0]!r} (only id and reason)")
    mutant_id, reason = row.get("id"), row.get("reason")
    if not isinstance(mutant_id, str) or not mutant_id.strip():
        raise EquivalentsError(f"{where}: needs an id, as printed by tfgrade validate --mutants")
    if not isinstance(reason, str) or not reason.strip():
        raise EquivalentsError(f"{where} ({mutant_id}): needs a reason: why does this change not break the text?")
    return mutant_id.strip(), reason.strip()


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


# --- grading (the only I/O) -----------------------------------------------------------------------

@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    mutant: Mutant | None
    """None for the solution, graded first."""
    verdict: Verdict
    graded: Graded = field(repr=False)


def run(
    assignment: Assignment,
    make_executor: Callable[[], Executor],
    *,
    workers: int = 2,
    progress: Callable[[Progress], None] = lambda _: None,
) -> Report:
    """Grade the solution, then every mutant."""
    if assignment.solution is None:
        raise AssignmentError(f"{assignment.name}: no solution notebook to mutate (set solution = \"...\" "
                              "in assignment.toml)")
    equivalents = load_equivalents(assignment.root)
    questions = [q.name for q in assignment.questions]
    solution = nbformat.read(assignment.solution, as_version=4)
    mutants, skipped = generate(solution, nbformat.read(assignment.template, as_version=4), questions)
    baseline = grade(assignment.solution, assignment, make_executor())
    first = verdict(baseline)
    progress(Progress(0, len(mutants), None, first, baseline))
    if first.status != "survived":
        problem = f"the solution itself does not get full marks ({first.status}: " \
                  f"{', '.join(first.failed) or first.message}); fix that first"
        return Report(assignment.name, (), equivalents, (), (), solution_problem=problem)
    graded = _grade_all(assignment, solution, mutants, make_executor, workers, progress)
    return build_report(assignment.name, questions, graded, equivalents, skipped)


def _grade_all(assignment: Assignment, solution: nbformat.NotebookNode, mutants: list[Mutant],
               make_executor: Callable[[], Executor], workers: int,
               progress: Callable[[Progress], None]) -> list[tuple[Mutant, Verdict]]:
    done = [0]
    lock = threading.Lock()
    with tempfile.TemporaryDirectory(prefix="tfgrade-mutants-") as folder:
        def one(indexed: tuple[int, Mutant]) -> tuple[Mutant, Verdict]:
            index, mutant = indexed
            path = Path(folder) / f"mutant-{index:03d}.ipynb"
            nbformat.write(mutant_notebook(solution, mutant), path)
            graded = grade(path, assignment, make_executor())
            found = verdict(graded)
            with lock:  # progress lines count up in order, whichever worker finishes first
                done[0] += 1
                progress(Progress(done[0], len(mutants), mutant, found, graded))
            return mutant, found

        pool = ThreadPoolExecutor(max_workers=max(1, workers))
        try:
            return list(pool.map(one, enumerate(mutants, start=1)))
        finally:  # on Ctrl-C, stop after the gradings under way instead of grading every mutant left
            pool.shutdown(wait=True, cancel_futures=True)
