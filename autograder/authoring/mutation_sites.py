"""Where a mutation can happen: a :class:`Site` (an operator's name, a line, and the change to apply),
the :data:`Slot` a node sits in, the defs around a line, and the small AST questions every operator asks.

Pure (``ast`` only). The operators themselves are in :mod:`autograder.authoring.expression_mutations`
and :mod:`autograder.authoring.statement_mutations`; :mod:`autograder.authoring.mutation` walks a
cell and applies them.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

Slot = tuple[ast.AST, str, "int | None"]
"""Where a node sits: its parent, the parent's field, and the index when the field is a list."""


@dataclass(frozen=True)
class Site:
    operator: str
    line: int
    """1-based line of the cell's original source where the change is."""
    apply: Callable[[], None]
    shown: str = ""
    """How to show the changed line when the code itself would not say it plainly (else: the diff)."""
    shown_before: str = ""
    """The same for the original lines (else: the diff, or its first line when ``shown`` is set)."""


Operator = Callable[[ast.AST, Slot, ast.Module], Iterator[Site]]


def scope_of(tree: ast.Module, line: int) -> tuple[tuple[str, ...], bool]:
    """The defs whose span holds ``line`` (outermost first), and whether it is in the innermost's decorators."""
    scope: list[str] = []
    in_decorator = False
    body: list[ast.stmt] = tree.body
    while True:
        inner = next((n for n in body if isinstance(n, DEFS) and first_line(n) <= line <= (n.end_lineno or 0)), None)
        if inner is None:
            return tuple(scope), in_decorator
        scope.append(inner.name)
        in_decorator = line < inner.lineno
        if in_decorator:
            return tuple(scope), True
        body = inner.body


DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def first_line(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> int:
    return min([node.lineno] + [d.lineno for d in node.decorator_list])


def put(slot: Slot, new: ast.AST) -> None:
    parent, field, index = slot
    if index is None:
        setattr(parent, field, new)
    else:
        getattr(parent, field)[index] = new


def line_of(node: ast.AST) -> int:
    return int(getattr(node, "lineno", 0))


def setter(node: ast.AST, attribute: str, value: object) -> Callable[[], None]:
    return lambda: setattr(node, attribute, value)


def popper(items: list[Any], index: int) -> Callable[[], None]:
    def apply() -> None:
        items.pop(index)
    return apply


def item_setter(items: list[Any], index: int, value: object) -> Callable[[], None]:
    return lambda: items.__setitem__(index, value)


def uses_tf(tree: ast.Module) -> bool:
    return any(isinstance(n, ast.Name) and n.id == "tf" for n in ast.walk(tree))


def is_super_call(node: ast.Call) -> bool:
    func = node.func
    return (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call)
            and isinstance(func.value.func, ast.Name) and func.value.func.id == "super")


def call_name(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def callee(node: ast.Call) -> str:
    """The name a call is known by: ``tf.nn.relu(x)`` -> relu, ``Dense(1)(h)`` -> Dense."""
    func = node.func
    return callee(func) if isinstance(func, ast.Call) else call_name(node)


def slug(text: str) -> str:
    """Lower-case words joined by ``-``, for ids (``reduce_sum`` -> ``reduce-sum``)."""
    words = "".join(c.lower() if c.isalnum() else " " for c in text).split()
    return "-".join(words) or "x"
