"""The grader's own reading of a submission's source: the cells as Python syntax trees.

Facts about *how* code is written (a ``@tf.function`` on a ``def``, a ``while`` in its body,
``run_functions_eagerly`` anywhere, an ``import autograder``) come from here, never from the
student's process, which can claim anything. The grader holds the notebook as bytes; this module
turns its code cells into ``ast`` trees exactly as the student's kernel would see them (IPython
syntax such as ``%timeit`` or ``!pip`` is transformed first, as IPython does).

Pure functions: no TensorFlow, no process, tested in milliseconds.
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Iterable
from dataclasses import dataclass

from IPython.core.inputtransformer2 import TransformerManager

_TRANSFORMER = TransformerManager()


@dataclass(frozen=True)
class ParsedCell:
    number: int
    """1-based position among all cells, as the student sees them in Jupyter."""
    python: str
    """The cell's code after IPython's transforms: what the kernel compiles."""
    tree: ast.Module | None
    """None when the cell does not parse (it then fails in the kernel too, and defines nothing)."""


def python_source(cell_source: str) -> str:
    """A cell's source as the Python an IPython kernel compiles (magics and ``!`` become calls)."""
    try:
        return _TRANSFORMER.transform_cell(cell_source)
    except (SyntaxError, ValueError, IndexError):
        return cell_source


def parse_cell(number: int, cell_source: str) -> ParsedCell:
    python = python_source(cell_source)
    try:
        with warnings.catch_warnings():
            # An invalid escape in a student's string is the student's business, not a grader warning.
            warnings.simplefilter("ignore")
            tree: ast.Module | None = ast.parse(python, filename=f"<cell {number}>")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        tree = None
    return ParsedCell(number, python, tree)


def parse_cells(cells: Iterable[tuple[int, str]]) -> tuple[ParsedCell, ...]:
    """Every code cell, ``(number, source)`` in notebook order, parsed."""
    return tuple(parse_cell(number, source) for number, source in cells)
