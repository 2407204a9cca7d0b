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
import functools
import threading
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from IPython.core.inputtransformer2 import TransformerManager

from autograder import messages
from autograder.core.source_scopes import global_refs, statement_bindings
from autograder.errors import TfgradeError

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

ALLOWED_MODULES = frozenset({"tensorflow", "keras", "numpy", "math", "__future__"})
"""Top-level packages the traced definitions may import."""
REFUSED_NAMES = frozenset({
    "sys", "modules", "gc", "inspect", "ctypes", "os", "builtins", "importlib", "subprocess", "_getframe",
    "f_back", "f_globals", "f_locals", "f_builtins", "f_code", "tb_frame", "gi_frame", "cr_frame", "ag_frame",
})
"""Reflection and interpreter internals, refused as names and as attributes."""
REFUSED_BUILTINS = frozenset({
    "eval", "exec", "compile", "open", "__import__", "getattr", "setattr", "delattr", "globals", "locals",
    "vars", "breakpoint", "input",
})
"""Builtins refused where a name reads the builtin (a parameter called ``input`` is fine)."""
WHERE_IT_RUNS = frozenset({"__name__", "__doc__", "__file__", "__spec__", "__loader__", "__package__"})
"""Module globals that tell the notebook from the clean room (``__name__`` is ``"__main__"`` in one only):
refused as bare names, so a graded body cannot compute one thing where it is traced and another where it
runs. As attributes (``type(x).__name__``) they say nothing about where the code runs, and stay allowed."""
DYNAMIC_BINDERS = frozenset({"exec", "eval", "globals", "vars", "locals", "__builtins__", "__import__"})
"""Names whose use anywhere in the notebook means its bindings cannot be read from its source."""
ORDINARY_DUNDERS = frozenset({
    "__init__", "__call__", "__len__", "__getitem__", "__setitem__", "__contains__", "__iter__", "__next__",
    "__enter__", "__exit__", "__repr__", "__str__", "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__",
    "__hash__", "__bool__", "__add__", "__sub__", "__mul__", "__truediv__", "__floordiv__", "__mod__",
    "__pow__", "__matmul__", "__neg__", "__abs__", "__radd__", "__rsub__", "__rmul__", "__rtruediv__",
    "__name__", "__doc__", "__future__",
})
"""Dunder names honest layer code uses (``super().__init__``); every other dunder is refused."""
REFUSED_TEXT = ("/proc", "autograder")
"""Text a string literal of the traced definitions may not contain (case-insensitive)."""
TF_FUNCTION = frozenset({"tensorflow.function", "tensorflow.compat.v2.function"})


class SourceRefused(TfgradeError):
    """The grader will not trace a name from this source; the message is for the student."""


@dataclass(frozen=True)
class Location:
    cell: int
    line: int


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


@dataclass(frozen=True)
class _Top:
    """One top-level statement of the notebook."""

    cell: ParsedCell
    node: ast.stmt
    readable: bool

    @functools.cached_property
    def binds(self) -> frozenset[str]:
        """Read only for statements of cells that mention a name asked about: a walk of every statement
        of a 40,000-cell notebook would cost seconds of the checks' budget."""
        return frozenset(statement_bindings(self.node, walrus=":=" in self.cell.python))

    @property
    def where(self) -> Location:
        return Location(self.cell.number, _first_line(self.node))


def _first_line(node: ast.stmt) -> int:
    decorators = getattr(node, "decorator_list", [])
    return min([node.lineno, *(d.lineno for d in decorators)])


class _Index:
    """The notebook's top-level statements, and which of them bind a name (found when first asked)."""

    def __init__(self, cells: tuple[ParsedCell, ...]) -> None:
        tops: list[_Top] = []
        self.spans: list[tuple[ParsedCell, int, int]] = []
        for cell in cells:
            if cell.tree is not None:
                self.spans.append((cell, len(tops), len(tops) + len(cell.tree.body)))
                tops += [_Top(cell, node, _readable(node)) for node in cell.tree.body]
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

    def cells_mentioning(self, words: Iterable[str]) -> list[tuple[ParsedCell, int, int]]:
        return [span for span in self.spans if any(word in span[0].python for word in words)]


@functools.lru_cache(maxsize=8)
def _index(cells: tuple[ParsedCell, ...]) -> _Index:
    return _Index(cells)


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


def _binding(index: _Index, name: str, before: int | None = None) -> int | None:
    """The position of the last statement binding ``name`` (before position ``before``, if given)."""
    positions = [p for p in index.positions(name) if before is None or p < before]
    return positions[-1] if positions else None


def definitions_for(cells: Sequence[ParsedCell], name: str) -> Definitions:
    """The minimal source that defines ``name``: its last binding and, transitively, what it uses.

    Raises :class:`SourceRefused` when the binding cannot be read from the source, or when what
    would be traced reaches beyond TensorFlow, Keras, NumPy and math.
    """
    index = _index(tuple(cells))
    start = _defined(index, name)
    needed: dict[int, set[str]] = {}
    todo: list[tuple[int, str]] = [(start, name)]
    while todo:
        position, wanted = todo.pop()
        top = index.tops[position]
        if not top.readable:
            raise _unreadable(name, wanted, top.node, top.where)
        if position in needed:
            needed[position].add(wanted)
            continue
        needed[position] = {wanted}
        todo += _dependencies(index, position, top)
    positions = sorted(needed)
    _refuse_dynamic_bindings(index, name, set().union(*needed.values()))
    for position in positions:
        _refuse_reach(name, index, index.tops[position], needed[position])
    sources = [_statement_source(index.tops[p], needed[p]) for p in positions]
    binds = frozenset().union(*(index.tops[p].binds for p in positions))
    return Definitions(name, "\n\n".join(sources) + "\n", tuple(index.tops[p].where for p in positions), binds)


def _defined(index: _Index, name: str) -> int:
    position = _binding(index, name)
    if position is None:
        raise SourceRefused(messages.NOT_DEFINED.format(name=name))
    return position


def _dependencies(index: _Index, position: int, top: _Top) -> list[tuple[int, str]]:
    """The statements binding the global names this statement reads, as the statement sees them."""
    found: list[tuple[int, str]] = []
    for ref in global_refs(top.node):
        # Read when the statement runs: the binding before it. Read when called: the notebook's last.
        target = _binding(index, ref.node.id, position if ref.eager else None)
        if target is not None:
            found.append((target, ref.node.id))
    return found


def _statement_source(top: _Top, wanted: set[str]) -> str:
    """The statement's own text (decorators included); an import keeps only the names needed."""
    node = top.node
    if isinstance(node, ast.Import | ast.ImportFrom):
        kept = [a for a in node.names if _alias_key(a) in wanted] or list(node.names)
        return ast.unparse(_with_aliases(node, kept))
    where = _Span(_first_line(node), _first_col(node), node.end_lineno or node.lineno, node.end_col_offset or 0)
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


def _alias_key(alias: ast.alias) -> str:
    return alias.asname or alias.name.split(".")[0]


def _with_aliases(node: ast.Import | ast.ImportFrom, aliases: list[ast.alias]) -> ast.stmt:
    if isinstance(node, ast.Import):
        return ast.Import(names=aliases)
    return ast.ImportFrom(module=node.module, names=aliases, level=node.level)


# --- refusals ----------------------------------------------------------------------------------------


def _unreadable(name: str, wanted: str, node: ast.stmt, where: Location) -> SourceRefused:
    how = f"`{_KEYWORDS.get(type(node), type(node).__name__.lower())}`"
    return SourceRefused(messages.SOURCE_UNREADABLE.format(
        name=name, binding=wanted, how=how, cell=where.cell, line=where.line))


_KEYWORDS: dict[type, str] = {
    ast.For: "for", ast.AsyncFor: "for", ast.While: "while", ast.If: "if", ast.With: "with", ast.AsyncWith: "with",
    ast.Try: "try", ast.Match: "match", ast.Delete: "del", ast.Expr: "expression", ast.Assign: "assignment",
    ast.ImportFrom: "from ... import *",
}


def _refuse_dynamic_bindings(index: _Index, name: str, used: set[str]) -> None:
    """``exec``, ``globals()`` and the like can bind any name, and ``global`` in a function rebinds one
    when it is called: then what the notebook's names hold cannot be read from its source."""
    for _, start, end in index.cells_mentioning([*DYNAMIC_BINDERS, "global"]):
        for top in index.tops[start:end]:
            _refuse_dynamic_in(top, name, used)


def _refuse_dynamic_in(top: _Top, name: str, used: set[str]) -> None:
    for node in ast.walk(top.node):
        if isinstance(node, ast.Name) and node.id in DYNAMIC_BINDERS:
            raise _unreadable_by(name, name, f"`{node.id}`", top, node.lineno)
        if isinstance(node, ast.Global) and used & set(node.names):
            rebound = ", ".join(sorted(used & set(node.names)))
            raise _unreadable_by(name, rebound, f"`global {rebound}`", top, node.lineno)


def _unreadable_by(name: str, binding: str, how: str, top: _Top, line: int) -> SourceRefused:
    return SourceRefused(messages.SOURCE_UNREADABLE.format(
        name=name, binding=binding, how=how, cell=top.cell.number, line=line))


def _refuse_reach(name: str, index: _Index, top: _Top, wanted: set[str]) -> None:
    node: ast.stmt = top.node
    if isinstance(node, ast.Import | ast.ImportFrom):
        node = _with_aliases(node, [a for a in node.names if _alias_key(a) in wanted] or list(node.names))
    for ref in global_refs(node):
        word = ref.node.id
        builtin = word in REFUSED_BUILTINS and not index.positions(word)
        if builtin or word in REFUSED_NAMES or word in WHERE_IT_RUNS or _odd_dunder(word):
            raise _beyond(name, word, top, ref.node.lineno)
    for found in ast.walk(node):
        refused = _refused_here(found)
        if refused is not None:
            raise _beyond(name, refused, top, getattr(found, "lineno", None) or top.where.line)


def _beyond(name: str, what: str, top: _Top, line: int) -> SourceRefused:
    return SourceRefused(messages.SOURCE_REACHES_BEYOND.format(name=name, what=what, cell=top.cell.number, line=line))


def _refused_here(node: ast.AST) -> str | None:
    """What in this node reaches beyond the allowed libraries, in a few words of code, or None."""
    if isinstance(node, ast.Attribute) and (node.attr in REFUSED_NAMES or _odd_dunder(node.attr)):
        return f".{node.attr}"
    if isinstance(node, ast.Constant) and isinstance(node.value, str | bytes):
        text = node.value.decode("latin-1") if isinstance(node.value, bytes) else node.value
        if any(word in text.lower() for word in REFUSED_TEXT):
            return repr(text[:60])
    if isinstance(node, ast.Import | ast.ImportFrom):  # also inside a function's body
        modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or "."]
        for module in modules:
            if getattr(node, "level", 0) or module.split(".")[0] not in ALLOWED_MODULES:
                return f"import {module}"
        names = [a.name for a in node.names if a.name in REFUSED_NAMES or _odd_dunder(a.name)]
        return f"import {names[0]}" if names else None
    return None


def _odd_dunder(word: str) -> bool:
    return word.startswith("__") and word.endswith("__") and word not in ORDINARY_DUNDERS


# --- written facts -------------------------------------------------------------------------------------


def function_facts(cells: Sequence[ParsedCell], name: str) -> FunctionFacts:
    """How ``name``'s last binding is written: a ``tf.function``, a ``def``, a ``while`` in its body."""
    index = _index(tuple(cells))
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


def _is_tf_function(index: _Index, position: int, expr: ast.expr) -> bool:
    """``tf.function``, ``tf.function(...)`` or ``tf.function(...)(...)``, however tensorflow was imported."""
    while isinstance(expr, ast.Call):
        if _qualified(index, position, expr.func) in TF_FUNCTION:
            return True
        expr = expr.func
    return _qualified(index, position, expr) in TF_FUNCTION


def _qualified(index: _Index, position: int, expr: ast.expr) -> str | None:
    """``tf.function`` as ``tensorflow.function``, from the import that bound ``tf`` before ``position``."""
    parts: list[str] = []
    while isinstance(expr, ast.Attribute):
        parts.insert(0, expr.attr)
        expr = expr.value
    if not isinstance(expr, ast.Name):
        return None
    bound_at = _binding(index, expr.id, position)
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
            if _alias_key(alias) == name:
                return f"{statement.module}.{alias.name}"
    return None


def _graded_def(index: _Index, position: int, node: ast.stmt) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The ``def`` whose body runs when ``name`` is called: its own, or the one ``tf.function(f)`` wraps."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return node
    value = getattr(node, "value", None)
    if isinstance(value, ast.Call) and value.args and isinstance(value.args[0], ast.Name):
        wrapped_at = _binding(index, value.args[0].id, position)
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
