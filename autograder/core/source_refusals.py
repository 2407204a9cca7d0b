"""What the clean room will not trace: the refusals of :func:`autograder.core.source.definitions_for`.

A binding the source cannot show (a loop, ``exec``, ``globals()``, a ``global`` rebinding) is unreadable; a
name, attribute, import or string that reaches beyond TensorFlow, Keras, NumPy and math is refused. Either
way the student reads why, with the cell and line, before any of the code runs.
"""

from __future__ import annotations

import ast

from autograder import messages
from autograder.core.source_index import Index, Location, Top, alias_key, with_aliases
from autograder.core.source_scopes import global_refs
from autograder.errors import TfgradeError

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


class SourceRefused(TfgradeError):
    """The grader will not trace a name from this source; the message is for the student."""


# --- refusals ----------------------------------------------------------------------------------------


def unreadable(name: str, wanted: str, node: ast.stmt, where: Location) -> SourceRefused:
    how = f"`{_KEYWORDS.get(type(node), type(node).__name__.lower())}`"
    return SourceRefused(messages.SOURCE_UNREADABLE.format(
        name=name, binding=wanted, how=how, cell=where.cell, line=where.line))


_KEYWORDS: dict[type, str] = {
    ast.For: "for", ast.AsyncFor: "for", ast.While: "while", ast.If: "if", ast.With: "with", ast.AsyncWith: "with",
    ast.Try: "try", ast.Match: "match", ast.Delete: "del", ast.Expr: "expression", ast.Assign: "assignment",
    ast.ImportFrom: "from ... import *",
}


def refuse_dynamic_bindings(index: Index, name: str, used: set[str]) -> None:
    """``exec``, ``globals()`` and the like can bind any name, and ``global`` in a function rebinds one
    when it is called: then what the notebook's names hold cannot be read from its source."""
    for _, start, end in index.cells_mentioning([*DYNAMIC_BINDERS, "global"]):
        for top in index.tops[start:end]:
            _refuse_dynamic_in(top, name, used)


def _refuse_dynamic_in(top: Top, name: str, used: set[str]) -> None:
    for node in ast.walk(top.node):
        if isinstance(node, ast.Name) and node.id in DYNAMIC_BINDERS:
            raise _unreadable_by(name, name, f"`{node.id}`", top, node.lineno)
        if isinstance(node, ast.Global) and used & set(node.names):
            rebound = ", ".join(sorted(used & set(node.names)))
            raise _unreadable_by(name, rebound, f"`global {rebound}`", top, node.lineno)


def _unreadable_by(name: str, binding: str, how: str, top: Top, line: int) -> SourceRefused:
    return SourceRefused(messages.SOURCE_UNREADABLE.format(
        name=name, binding=binding, how=how, cell=top.cell.number, line=line))


def refuse_reach(name: str, index: Index, top: Top, wanted: set[str]) -> None:
    node: ast.stmt = top.node
    if isinstance(node, ast.Import | ast.ImportFrom):
        node = with_aliases(node, [a for a in node.names if alias_key(a) in wanted] or list(node.names))
    for ref in global_refs(node):
        word = ref.node.id
        builtin = word in REFUSED_BUILTINS and not index.positions(word)
        if builtin or word in REFUSED_NAMES or word in WHERE_IT_RUNS or _odd_dunder(word):
            raise _beyond(name, word, top, ref.node.lineno)
    for found in ast.walk(node):
        refused = _refused_here(found)
        if refused is not None:
            raise _beyond(name, refused, top, getattr(found, "lineno", None) or top.where.line)


def _beyond(name: str, what: str, top: Top, line: int) -> SourceRefused:
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
