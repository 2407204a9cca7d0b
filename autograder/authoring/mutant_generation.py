"""Which mutants a solution has: every mutant of its answer cells, each with a stable id and a question.

The answer cells are the code cells that differ from the student template (given cells and
public-check cells are never mutated). Which question a mutant belongs to: the question whose
heading (``## Question N``) comes before its cell, unless the template marks the code around the
change with a ``# Question N`` comment; a mutant whose cell has neither is :data:`UNASSIGNED` (the
report gives it the question whose checks it makes fail). Pure.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import nbformat

from autograder.authoring import mutation
from autograder.core import ipynb

UNASSIGNED = "unassigned"
ID_SHAPE = re.compile(r"^(q\d+|unassigned):cell\d+:line\d+:[a-z0-9]+(-[a-z0-9]+)*$")
"""What every mutant id looks like: question, cell, line of the change, operator (``-2`` when repeated)."""
_HEADING = re.compile(r"^\s*(?:#+\s*Question\s+(\d+)\b|\*\*q(\d+)\*\*)", re.IGNORECASE | re.MULTILINE)
_MARKER = re.compile(r"#\s*Question\s+(\d+)\b", re.IGNORECASE)


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
    notebook = ipynb.from_dict(solution)
    cell = notebook.cells[mutant.cell - 1]
    cell.source = mutant.source
    cell.outputs = []
    return notebook
