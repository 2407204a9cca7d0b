"""Mutation operators: small, plausible mistakes made one at a time in a solution's answer code.

Pure and fast (``ast`` only, no TensorFlow): :func:`mutate_source` lists every mutant of one cell's
source. Each mutant is one change, named by an operator such as ``compare-gt-to-ge``; the caller
(:mod:`autograder.authoring.mutants`) turns them into notebooks, grades them and reports the survivors.

How a mutation is made: the cell is parsed, the operators walk the tree and offer *sites* (an
operator name, a line and a function that applies the change to that tree). To build the k-th
mutant the source is parsed again and the k-th site of the fresh tree is applied, so no mutant ever
sees another's change. The result is ``ast.unparse``-d; comments are lost, which the grader never
needs. Mutants whose code equals the original or an earlier mutant, and mutants that do not
compile, are dropped.

The sites and the questions operators ask are in :mod:`~autograder.authoring.mutation_sites`, the
operators in :mod:`~autograder.authoring.expression_mutations` and
:mod:`~autograder.authoring.statement_mutations`.
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Iterator
from dataclasses import dataclass

from autograder.authoring.expression_mutations import (
    arithmetic,
    attribute_name,
    boolean,
    call_arguments,
    comparison,
    constant,
    signature_shape,
    string_argument,
    swapped_elements,
)
from autograder.authoring.mutation_sites import (  # DEFS, first_line and scope_of: read here by mutants
    DEFS,
    Operator,
    Site,
    Slot,
    first_line,
    scope_of,
)
from autograder.authoring.statement_mutations import (
    UNROLL_COUNT,
    branch_fixed,
    cached_result,
    config_entries,
    decorators,
    dropped_call_statement,
    flattened_input,
    shared_layer,
    super_calls,
    swapped_statements,
    unrolled_loop,
)

__all__ = ["DEFS", "OPERATORS", "UNROLL_COUNT", "CodeMutant", "Site", "first_line", "mutate_source", "scope_of",
           "sites"]


@dataclass(frozen=True)
class CodeMutant:
    operator: str
    line: int
    source: str
    """The whole mutated cell, unparsed."""
    before: str
    """The original lines that changed (from the unparsed original, so only the change differs)."""
    after: str
    """What they became ("" when they were removed)."""
    scope: tuple[str, ...]
    """Qualified names of the defs around the change, outermost first (``("MyDense", "get_config")``)."""
    in_decorator: bool
    """The change is in a decorator line of the innermost def of ``scope``."""


def mutate_source(source: str) -> list[CodeMutant]:
    """Every distinct, compiling mutant of one cell's source (empty if the cell is not plain Python)."""
    try:
        original = ast.unparse(ast.parse(source))
    except SyntaxError:
        return []
    count = len(list(sites(ast.parse(source))))
    seen = {original}
    mutants: list[CodeMutant] = []
    for k in range(count):
        mutant = _mutant(source, k, original)
        if mutant is not None and mutant.source not in seen:
            seen.add(mutant.source)
            mutants.append(mutant)
    return mutants


def _mutant(source: str, k: int, original: str) -> CodeMutant | None:
    tree = ast.parse(source)
    site = list(sites(tree))[k]
    scope, in_decorator = scope_of(tree, site.line)
    site.apply()
    try:
        mutated = ast.unparse(ast.fix_missing_locations(tree))
        compile(mutated, "<mutant>", "exec")
    except (SyntaxError, ValueError, TypeError, RecursionError):
        return None  # an operator made code that is not Python: not a mutant worth grading
    before, after = _changed_lines(original, mutated)
    if site.shown:
        before, after = site.shown_before or (before.splitlines() or [""])[0], site.shown
    return CodeMutant(site.operator, site.line, mutated, before, after, scope, in_decorator)


def _changed_lines(original: str, mutated: str) -> tuple[str, str]:
    a, b = original.splitlines(), mutated.splitlines()
    before: list[str] = []
    after: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        context = a[i1 - 1: i1] if tag == "insert" else []  # an added line is shown below the one it follows
        if tag != "equal":
            before += context + a[i1:i2]
            after += context + b[j1:j2]
    return "\n".join(before), "\n".join(after)


# --- the walk -------------------------------------------------------------------------------------

def sites(tree: ast.Module) -> Iterator[Site]:
    """Every mutation site of ``tree``, in a fixed order (the order of the walk, then of the operators)."""
    for node, slot in _walk(tree, (tree, "body", None)):
        for operator in OPERATORS:
            yield from operator(node, slot, tree)


def _walk(node: ast.AST, slot: Slot) -> Iterator[tuple[ast.AST, Slot]]:
    if _is_docstring(node, slot):
        return
    yield node, slot
    for field, value in ast.iter_fields(node):
        if isinstance(value, list):
            for i, child in enumerate(value):
                if isinstance(child, ast.AST):
                    yield from _walk(child, (node, field, i))
        elif isinstance(value, ast.AST):
            yield from _walk(value, (node, field, None))


def _is_docstring(node: ast.AST, slot: Slot) -> bool:
    return (slot[2] == 0 and slot[1] == "body" and isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str))


OPERATORS: tuple[Operator, ...] = (
    arithmetic, comparison, boolean, constant, string_argument, attribute_name, call_arguments,
    swapped_elements, signature_shape, decorators, super_calls, dropped_call_statement, config_entries,
    swapped_statements, unrolled_loop, branch_fixed, cached_result, flattened_input, shared_layer,
)
