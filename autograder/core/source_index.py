"""The notebook's top-level statements, and which of them bind a name (for :mod:`autograder.core.source`).

Both readings of a graded name (the definitions the clean room traces, and how the name is written) start
from the statement that last binds it; this index finds it, reading only cells whose text holds the name.

Pure: ``ast`` in, positions out.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from autograder.core.source_scopes import statement_bindings


class Cell(Protocol):
    """A parsed code cell as the index reads it: :class:`autograder.core.source.ParsedCell`, which sits above
    this module (it parses; this indexes what it parsed), so the index names only what it reads."""

    @property
    def number(self) -> int: ...

    @property
    def python(self) -> str: ...

    @property
    def tree(self) -> ast.Module | None: ...


@dataclass(frozen=True)
class Location:
    cell: int
    line: int


@dataclass(frozen=True)
class Top:
    """One top-level statement of the notebook."""

    cell: Cell
    node: ast.stmt
    readable: bool

    @functools.cached_property
    def binds(self) -> frozenset[str]:
        """Read only for statements of cells that mention a name asked about: a walk of every statement
        of a 40,000-cell notebook would cost seconds of the checks' budget."""
        return frozenset(statement_bindings(self.node, walrus=":=" in self.cell.python))

    @property
    def where(self) -> Location:
        return Location(self.cell.number, first_line(self.node))


def first_line(node: ast.stmt) -> int:
    decorators: list[ast.expr] = getattr(node, "decorator_list", [])
    return min([node.lineno, *(d.lineno for d in decorators)])


class Index:
    """The notebook's top-level statements, and which of them bind a name (found when first asked)."""

    def __init__(self, cells: tuple[Cell, ...]) -> None:
        tops: list[Top] = []
        self.spans: list[tuple[Cell, int, int]] = []
        for cell in cells:
            if cell.tree is not None:
                self.spans.append((cell, len(tops), len(tops) + len(cell.tree.body)))
                tops += [Top(cell, node, _readable(node)) for node in cell.tree.body]
        self.tops = tuple(tops)
        self._positions: dict[str, tuple[int, ...]] = {}

    def positions(self, name: str) -> tuple[int, ...]:
        """Where ``name`` is bound, in order; only cells whose text holds the name are read."""
        if name not in self._positions:
            self._positions[name] = tuple(
                p for cell, start, end in self.spans if name in cell.python
                for p in range(start, end) if name in self.tops[p].binds
            )
        return self._positions[name]

    def cells_mentioning(self, words: Iterable[str]) -> list[tuple[Cell, int, int]]:
        return [span for span in self.spans if any(word in span[0].python for word in words)]


@functools.lru_cache(maxsize=8)
def statement_index(cells: tuple[Cell, ...]) -> Index:
    return Index(cells)


def _readable(node: ast.stmt) -> bool:
    """Is this a statement whose bindings can be read and executed on their own?"""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Import):
        return True
    if isinstance(node, ast.ImportFrom):
        return all(a.name != "*" for a in node.names)
    if isinstance(node, ast.Assign):
        return all(_plain_target(t) for t in node.targets)
    if isinstance(node, ast.AnnAssign):
        return node.value is not None and isinstance(node.target, ast.Name)
    return isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name)


def _plain_target(target: ast.expr) -> bool:
    if isinstance(target, ast.Starred):
        return _plain_target(target.value)
    if isinstance(target, ast.Tuple | ast.List):
        return all(_plain_target(t) for t in target.elts)
    return isinstance(target, ast.Name)


def last_binding(index: Index, name: str, before: int | None = None) -> int | None:
    """The position of the last statement binding ``name`` (before position ``before``, if given)."""
    positions = [p for p in index.positions(name) if before is None or p < before]
    return positions[-1] if positions else None


def alias_key(alias: ast.alias) -> str:
    return alias.asname or alias.name.split(".")[0]


def with_aliases(node: ast.Import | ast.ImportFrom, aliases: list[ast.alias]) -> ast.stmt:
    if isinstance(node, ast.Import):
        return ast.Import(names=aliases)
    return ast.ImportFrom(module=node.module, names=aliases, level=node.level)
