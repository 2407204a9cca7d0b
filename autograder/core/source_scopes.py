"""Which names a piece of source binds, and which global names it reads, from its syntax tree alone.

The grader's reading of a submission (:mod:`autograder.core.source`) needs two things of every
top-level statement: the module-level names it binds, and the global names it uses, each marked
*eager* (read when the statement runs: a decorator, a default, an assignment's value, a class body)
or *lazy* (read when a function defined by it is called). Python's own scoping rules decide; this
module follows them closely enough for notebook code (a class's attributes are taken to be visible
in its methods too, which can only add a dependency, never lose one).

Pure functions over ``ast`` trees: no execution, no imports of what the code names.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)


@dataclass(frozen=True)
class GlobalRef:
    """A read of a global name: the ``ast.Name`` node and whether it is read when the statement runs."""

    node: ast.Name
    eager: bool


def bound_names(nodes: Iterable[ast.AST]) -> set[str]:
    """Names these nodes bind in their own scope (nested functions' and classes' bodies excluded)."""
    names: set[str] = set()
    for node in nodes:
        names |= _bound(node)
    return names


def statement_bindings(statement: ast.stmt, *, walrus: bool) -> set[str]:
    """The names a top-level statement binds; ``walrus=False`` promises no ``:=`` in it (a fast path:
    then an expression binds nothing, and an assignment or a definition binds only its targets)."""
    if walrus:
        return bound_names([statement])
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {statement.name}
    targets = _TARGETS.get(type(statement))
    if targets is None:
        return bound_names([statement])
    names = bound_names(t for field in targets for t in _as_list(getattr(statement, field)))
    for field in ("body", "orelse", "finalbody", "handlers"):  # nested statements of a compound one
        for inner in getattr(statement, field, []):
            if isinstance(inner, ast.ExceptHandler):
                names |= {inner.name} if inner.name else set()
                names |= {n for s in inner.body for n in statement_bindings(s, walrus=False)}
            else:
                names |= statement_bindings(inner, walrus=False)
    return names


_TARGETS: dict[type, tuple[str, ...]] = {
    ast.Expr: (), ast.Pass: (), ast.Break: (), ast.Continue: (), ast.Return: (), ast.Raise: (), ast.Assert: (),
    ast.Global: (), ast.Nonlocal: (), ast.If: (), ast.While: (), ast.Try: (),
    ast.Assign: ("targets",), ast.AugAssign: ("target",), ast.AnnAssign: ("target",), ast.Delete: ("targets",),
    ast.For: ("target",), ast.AsyncFor: ("target",), ast.With: ("items",), ast.AsyncWith: ("items",),
}
"""Where a statement without ``:=`` binds names: its targets (expressions elsewhere bind nothing)."""


def _as_list(value: object) -> list[ast.AST]:
    items = value if isinstance(value, list) else [value]
    nodes = [v.optional_vars if isinstance(v, ast.withitem) else v for v in items]
    return [n for n in nodes if isinstance(n, ast.AST)]


def _bound(node: ast.AST) -> set[str]:
    if isinstance(node, ast.Name):  # the common case, without a walk of its context node
        return {node.id} if isinstance(node.ctx, ast.Store | ast.Del) else set()
    names: set[str] = set()
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        names.add(node.name)
        return names | bound_names(_outer_parts(node))
    if isinstance(node, ast.Lambda):
        return bound_names(_outer_parts(node))
    if isinstance(node, ast.Import | ast.ImportFrom):
        names |= {_alias_name(a) for a in node.names if a.name != "*"}
    elif isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and node.name:
        names.add(node.name)
    elif isinstance(node, ast.MatchMapping) and node.rest:
        names.add(node.rest)
    elif isinstance(node, ast.comprehension):  # its target is the comprehension's own
        return bound_names([node.iter, *node.ifs])
    return names | bound_names(ast.iter_child_nodes(node))


def _alias_name(alias: ast.alias) -> str:
    return alias.asname or alias.name.split(".")[0]


def _outer_parts(node: ast.AST) -> list[ast.AST]:
    """What a def, class or lambda evaluates in the enclosing scope: decorators, defaults, bases."""
    parts: list[ast.AST] = list(getattr(node, "decorator_list", []))
    if isinstance(node, ast.ClassDef):
        return parts + node.bases + [k.value for k in node.keywords]
    args = node.args  # type: ignore[attr-defined]
    parts += [d for d in args.defaults + args.kw_defaults if d is not None]
    parts += [a.annotation for a in _all_args(args) if a.annotation is not None]
    returns = getattr(node, "returns", None)
    return parts + ([returns] if returns is not None else [])


def _all_args(args: ast.arguments) -> list[ast.arg]:
    extra = [a for a in (args.vararg, args.kwarg) if a is not None]
    return [*args.posonlyargs, *args.args, *args.kwonlyargs, *extra]


def _function_locals(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> frozenset[str]:
    body: list[ast.AST] = [node.body] if isinstance(node, ast.Lambda) else list(node.body)
    declared = {n for b in body for s in ast.walk(b) if isinstance(s, ast.Global) for n in s.names}
    names = {a.arg for a in _all_args(node.args)} | bound_names(body)
    return frozenset(names - declared)


def global_refs(statement: ast.AST) -> list[GlobalRef]:
    """Every read of a global name in a top-level statement, eager or lazy."""
    found: list[GlobalRef] = []
    _refs(statement, (), True, found)
    return found


def _refs(node: ast.AST, scopes: tuple[frozenset[str], ...], eager: bool, out: list[GlobalRef]) -> None:
    if isinstance(node, _SCOPES):
        _scope_refs(node, scopes, eager, out)
    elif isinstance(node, _COMPREHENSIONS):
        _comprehension_refs(node, scopes, eager, out)
    elif isinstance(node, ast.Name):
        if isinstance(node.ctx, ast.Load) and not any(node.id in scope for scope in scopes):
            out.append(GlobalRef(node, eager))
    else:
        for child in ast.iter_child_nodes(node):
            _refs(child, scopes, eager, out)


def _scope_refs(node: ast.AST, scopes: tuple[frozenset[str], ...], eager: bool, out: list[GlobalRef]) -> None:
    for part in _outer_parts(node):
        _refs(part, scopes, eager, out)
    if isinstance(node, ast.ClassDef):  # a class body runs when the class statement runs
        inner = (*scopes, frozenset(bound_names(node.body)))
        for statement in node.body:
            _refs(statement, inner, eager, out)
        return
    assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
    inner = (*scopes, _function_locals(node))
    body: list[ast.AST] = [node.body] if isinstance(node, ast.Lambda) else list(node.body)
    for part in body:
        _refs(part, inner, False, out)


def _comprehension_refs(node: ast.AST, scopes: tuple[frozenset[str], ...], eager: bool, out: list[GlobalRef]) -> None:
    generators: list[ast.comprehension] = node.generators  # type: ignore[attr-defined]
    _refs(generators[0].iter, scopes, eager, out)  # the first iterable is evaluated outside
    inner = (*scopes, frozenset(bound_names(g.target for g in generators)))
    rest: list[ast.AST] = [*generators[0].ifs, *(p for g in generators[1:] for p in (g.iter, *g.ifs))]
    rest += [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]  # type: ignore[attr-defined]
    for part in rest:
        _refs(part, inner, eager, out)
