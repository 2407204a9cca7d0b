"""The grader's own reading of a submission's source: the cells as Python syntax trees.

Facts about *how* code is written (a ``@tf.function`` on a ``def``, a ``while`` in its body,
``run_functions_eagerly`` anywhere, an ``import autograder``) come from here, never from the
student's process, which can claim anything. The grader holds the notebook as bytes; this module
turns its code cells into ``ast`` trees exactly as the student's kernel would see them (IPython
syntax such as ``%timeit`` or ``!pip`` is transformed first, as IPython does).

Which statements bind a name is :mod:`autograder.core.source_index`; what the clean room refuses to trace
is :mod:`autograder.core.source_refusals`.

Pure functions: no TensorFlow, no process, tested in milliseconds.
"""

from __future__ import annotations

import ast
import threading
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from IPython.core.inputtransformer2 import TransformerManager

from autograder import messages
from autograder.core.source_index import (
    Index,
    Location,
    Top,
    alias_key,
    first_line,
    last_binding,
    statement_index,
    with_aliases,
)
from autograder.core.source_refusals import SourceRefused, refuse_dynamic_bindings, refuse_reach, unreadable
from autograder.core.source_scopes import global_refs

__all__ = [
    "CODE_CELL_MAGICS", "Definitions", "FunctionFacts", "Location", "ParsedCell", "SourceRefused",
    "definitions_for", "eager_switch", "function_facts", "parse_cell", "parse_cells", "python_source",
]

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


CODE_CELL_MAGICS = frozenset({"time", "capture"})
"""Cell magics whose body runs as ordinary code in the notebook's namespace: read as that code."""


_PARSING = threading.Lock()


def _parse(source: str, filename: str) -> ast.Module:
    """``ast.parse``, one thread at a time: a batch grades in threads, and CPython 3.11 before 3.11.8 can raise
    "SystemError: AST constructor recursion depth mismatch" when two threads build ASTs at once."""
    with _PARSING:
        return ast.parse(source, filename=filename)


def parse_cell(number: int, cell_source: str) -> ParsedCell:
    parsed = _parse_plain(number, cell_source)
    if parsed is not None:
        return parsed
    parsed = _parse_python(number, python_source(cell_source))
    body = _cell_magic_body(parsed.tree)
    if body is None:
        return parsed
    # The body starts on the cell's second line: a leading newline keeps its line numbers the cell's.
    return _parse_python(number, "\n" + python_source(body))


def _parse_plain(number: int, cell_source: str) -> ParsedCell | None:
    """A cell that is plain Python already: IPython's transforms (slow, about 0.5 ms a cell) only change
    what does not parse as Python (magics, ``!``, ``?``, prompts, a leading indent)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = _parse(cell_source, f"<cell {number}>")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return ParsedCell(number, cell_source, tree)


def _cell_magic_body(tree: ast.Module | None) -> str | None:
    """The body of ``%%time`` or ``%%capture`` (``get_ipython().run_cell_magic('time', '', body)``)."""
    if tree is None or len(tree.body) != 1 or not isinstance(tree.body[0], ast.Expr):
        return None
    call = tree.body[0].value
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "run_cell_magic"):
        return None
    values = [a.value for a in call.args if isinstance(a, ast.Constant)]
    if len(values) != 3 or values[0] not in CODE_CELL_MAGICS or not isinstance(values[2], str):
        return None
    return values[2]


def _parse_python(number: int, python: str) -> ParsedCell:
    try:
        with warnings.catch_warnings():
            # An invalid escape in a student's string is the student's business, not a grader warning.
            warnings.simplefilter("ignore")
            tree: ast.Module | None = _parse(python, f"<cell {number}>")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        tree = None
    return ParsedCell(number, python, tree)


def parse_cells(cells: Iterable[tuple[int, str]]) -> tuple[ParsedCell, ...]:
    """Every code cell, ``(number, source)`` in notebook order, parsed."""
    return tuple(parse_cell(number, source) for number, source in cells)


# --- the definitions a graded name needs ------------------------------------------------------------
#
# The grader traces a graded function where none of the notebook's other statements ran: only its own
# definition, and the definitions (imports, defs, classes, plain assignments) of the global names it
# and they use, in notebook order. What it cannot read that way, or what reaches beyond TensorFlow,
# Keras, NumPy and math, is refused with a message, before any of it runs.


TF_FUNCTION = frozenset({"tensorflow.function", "tensorflow.compat.v2.function"})


@dataclass(frozen=True)
class Definitions:
    """The source the clean room executes for ``name``, and where each of its statements came from."""

    name: str
    source: str
    origins: tuple[Location, ...]
    globals: frozenset[str]
    """Every global name the source binds (e.g. ``lstm_cell``, whose weights a check may restore)."""


@dataclass(frozen=True)
class FunctionFacts:
    """What the source says about how ``name`` is written."""

    name: str
    tf_function: bool
    """Its last binding is a ``def`` decorated with ``tf.function``, or ``name = tf.function(...)``."""
    is_def: bool
    """Its last binding is a ``def`` (with or without decorators)."""
    has_while: bool
    """The ``def`` it binds (or wraps with ``tf.function``) has a ``while`` statement in its body."""


def definitions_for(cells: Sequence[ParsedCell], name: str) -> Definitions:
    """The minimal source that defines ``name``: its last binding and, transitively, what it uses.

    Raises :class:`SourceRefused` when the binding cannot be read from the source, or when what
    would be traced reaches beyond TensorFlow, Keras, NumPy and math.
    """
    index = statement_index(tuple(cells))
    start = _defined(index, name)
    needed: dict[int, set[str]] = {}
    todo: list[tuple[int, str]] = [(start, name)]
    while todo:
        position, wanted = todo.pop()
        top = index.tops[position]
        if not top.readable:
            raise unreadable(name, wanted, top.node, top.where)
        if position in needed:
            needed[position].add(wanted)
            continue
        needed[position] = {wanted}
        todo += _dependencies(index, position, top)
    positions = sorted(needed)
    refuse_dynamic_bindings(index, name, set().union(*needed.values()))
    for position in positions:
        refuse_reach(name, index, index.tops[position], needed[position])
    sources = [_statement_source(index.tops[p], needed[p]) for p in positions]
    binds = frozenset().union(*(index.tops[p].binds for p in positions))
    return Definitions(name, "\n\n".join(sources) + "\n", tuple(index.tops[p].where for p in positions), binds)


def _defined(index: Index, name: str) -> int:
    position = last_binding(index, name)
    if position is None:
        raise SourceRefused(messages.NOT_DEFINED.format(name=name))
    return position


def _dependencies(index: Index, position: int, top: Top) -> list[tuple[int, str]]:
    """The statements binding the global names this statement reads, as the statement sees them."""
    found: list[tuple[int, str]] = []
    for ref in global_refs(top.node):
        # Read when the statement runs: the binding before it. Read when called: the notebook's last.
        target = last_binding(index, ref.node.id, position if ref.eager else None)
        if target is not None:
            found.append((target, ref.node.id))
    return found


def _statement_source(top: Top, wanted: set[str]) -> str:
    """The statement's own text (decorators included); an import keeps only the names needed."""
    node = top.node
    if isinstance(node, ast.Import | ast.ImportFrom):
        kept = [a for a in node.names if alias_key(a) in wanted] or list(node.names)
        return ast.unparse(with_aliases(node, kept))
    where = _Span(first_line(node), _first_col(node), node.end_lineno or node.lineno, node.end_col_offset or 0)
    return ast.get_source_segment(top.cell.python, where) or ast.unparse(node)  # type: ignore[arg-type]


@dataclass(frozen=True)
class _Span:
    """Start and end of a statement with its decorators, in the shape ``ast.get_source_segment`` reads."""

    lineno: int
    col_offset: int
    end_lineno: int
    end_col_offset: int


def _first_col(node: ast.stmt) -> int:
    # A decorated top-level definition starts its line ("@" cannot follow ";"): take the "@" too.
    return 0 if getattr(node, "decorator_list", []) else node.col_offset


# --- written facts -------------------------------------------------------------------------------------


# --- written facts -------------------------------------------------------------------------------------


def function_facts(cells: Sequence[ParsedCell], name: str) -> FunctionFacts:
    """How ``name``'s last binding is written: a ``tf.function``, a ``def``, a ``while`` in its body."""
    index = statement_index(tuple(cells))
    position = _defined(index, name)
    node = index.tops[position].node
    decorated = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name and any(
        _is_tf_function(index, position, d) for d in node.decorator_list)
    wrapped = isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None and _is_tf_function(
        index, position, node.value) and isinstance(node.value, ast.Call)
    body = _graded_def(index, position, node)
    has_while = body is not None and any(isinstance(n, ast.While) for s in body.body for n in ast.walk(s))
    is_def = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    return FunctionFacts(name, decorated or wrapped, is_def, has_while)


def _is_tf_function(index: Index, position: int, expr: ast.expr) -> bool:
    """``tf.function``, ``tf.function(...)`` or ``tf.function(...)(...)``, however tensorflow was imported."""
    while isinstance(expr, ast.Call):
        if _qualified(index, position, expr.func) in TF_FUNCTION:
            return True
        expr = expr.func
    return _qualified(index, position, expr) in TF_FUNCTION


def _qualified(index: Index, position: int, expr: ast.expr) -> str | None:
    """``tf.function`` as ``tensorflow.function``, from the import that bound ``tf`` before ``position``."""
    parts: list[str] = []
    while isinstance(expr, ast.Attribute):
        parts.insert(0, expr.attr)
        expr = expr.value
    if not isinstance(expr, ast.Name):
        return None
    bound_at = last_binding(index, expr.id, position)
    statement = index.tops[bound_at].node if bound_at is not None else None
    module = _imported_as(statement, expr.id) if statement is not None else None
    return ".".join([module, *parts]) if module else None


def _imported_as(statement: ast.stmt, name: str) -> str | None:
    if isinstance(statement, ast.Import):
        for alias in statement.names:
            if alias.asname == name:
                return alias.name
            if alias.asname is None and alias.name.split(".")[0] == name:
                return name
    if isinstance(statement, ast.ImportFrom) and statement.module and not statement.level:
        for alias in statement.names:
            if alias_key(alias) == name:
                return f"{statement.module}.{alias.name}"
    return None


def _graded_def(index: Index, position: int, node: ast.stmt) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The ``def`` whose body runs when ``name`` is called: its own, or the one ``tf.function(f)`` wraps."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return node
    value = getattr(node, "value", None)
    if isinstance(value, ast.Call) and value.args and isinstance(value.args[0], ast.Name):
        wrapped_at = last_binding(index, value.args[0].id, position)
        if wrapped_at is not None and wrapped_at != position:
            return _graded_def(index, wrapped_at, index.tops[wrapped_at].node)
    return None


def eager_switch(cells: Sequence[ParsedCell]) -> Location | None:
    """Where the notebook may switch ``tf.config.run_functions_eagerly`` on: any use but ``(False)``."""
    for cell in cells:
        if cell.tree is None or "run_functions_eagerly" not in cell.python:
            continue
        harmless = {id(n.func) for n in ast.walk(cell.tree) if isinstance(n, ast.Call) and _switches_off(n)}
        for node in ast.walk(cell.tree):
            word = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", None)
            if isinstance(node, ast.alias):  # imported under another name, it hides from this search
                word = node.name if node.asname not in (None, node.name) else None
            if isinstance(word, str) and word.endswith("run_functions_eagerly") and id(node) not in harmless:
                return Location(cell.number, getattr(node, "lineno", 1))
    return None


def _switches_off(call: ast.Call) -> bool:
    only_false = len(call.args) == 1 and isinstance(call.args[0], ast.Constant) and call.args[0].value is False
    return only_false and not call.keywords
