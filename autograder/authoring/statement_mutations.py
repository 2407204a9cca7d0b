"""Mutation operators on statements and definitions: a dropped decorator, super() call or call statement,
a dropped config entry, two dependent statements swapped, a loop unrolled, a branch fixed, a function
that caches its first result, an input flattened, a shared layer unshared.

Each operator takes a node, the :data:`~autograder.authoring.mutation_sites.Slot` it sits in and the
cell's tree, and yields the :class:`~autograder.authoring.mutation_sites.Site` values it offers there.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Iterator

from autograder.authoring.mutation_sites import (
    DEFS,
    Site,
    Slot,
    is_super_call,
    line_of,
    popper,
    put,
    setter,
    slug,
    uses_tf,
)

UNROLL_COUNT = 40
"""A ``while`` loop is unrolled into this many guarded repetitions: enough for every input a check
uses in practice, and the graph then holds ``If`` ops and no loop op."""


def decorators(node: ast.AST, slot: Slot, tree: ast.Module) -> Iterator[Site]:
    """Each decorator dropped (``@tf.function``, ``@keras.saving.register_keras_serializable``)."""
    if isinstance(node, DEFS):
        for i, decorator in enumerate(node.decorator_list):
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "decorator")
            yield Site(f"drop-decorator-{slug(name)}", decorator.lineno, popper(node.decorator_list, i))


def super_calls(node: ast.AST, slot: Slot, tree: ast.Module) -> Iterator[Site]:
    """``super().__init__(...)`` removed; ``super().get_config()`` (or any super() call whose value is
    used) replaced by an empty dict."""
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and is_super_call(node.value):
        method = node.value.func.attr if isinstance(node.value.func, ast.Attribute) else "call"
        yield Site(f"drop-super-{slug(method)}", line_of(node), lambda: put(slot, ast.Pass()))
    elif isinstance(node, ast.Call) and is_super_call(node) and not isinstance(slot[0], ast.Expr):
        method = node.func.attr if isinstance(node.func, ast.Attribute) else "call"
        yield Site(f"drop-super-{slug(method)}", line_of(node), lambda: put(slot, ast.Dict(keys=[], values=[])))


def dropped_call_statement(node: ast.AST, slot: Slot, tree: ast.Module) -> Iterator[Site]:
    """A call made only for its effect (``plot_model(...)``, ``x.append(...)``) removed."""
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and not is_super_call(node.value):
        yield Site("drop-call", line_of(node), lambda: put(slot, ast.Pass()))


def config_entries(node: ast.AST, slot: Slot, tree: ast.Module) -> Iterator[Site]:
    """A key of a dict built inside ``get_config`` removed (the layer then reloads with a default)."""
    if isinstance(node, ast.FunctionDef) and node.name == "get_config":
        for inner in ast.walk(node):
            if isinstance(inner, ast.Dict):
                for i, key in enumerate(inner.keys):
                    if isinstance(key, ast.Constant):
                        def apply(d: ast.Dict = inner, i: int = i) -> None:
                            d.keys.pop(i)
                            d.values.pop(i)
                        yield Site(f"config-drop-{slug(str(key.value))}", line_of(key), apply)


def swapped_statements(node: ast.AST, slot: Slot, tree: ast.Module) -> Iterator[Site]:
    """A statement swapped with the next one, when the order matters (one uses what the other makes,
    or one is a call made for its effect): swapping independent assignments changes nothing."""
    parent, field, index = slot
    if index is None or not isinstance(node, ast.stmt):
        return
    body = getattr(parent, field)
    if index + 1 >= len(body) or isinstance(body[index + 1], DEFS) or isinstance(node, DEFS):
        return
    if _depends(node, body[index + 1]):
        first, second = _headline(node), _headline(body[index + 1])
        yield Site("swap-statements", line_of(node),
                   lambda: body.__setitem__(slice(index, index + 2), [body[index + 1], body[index]]),
                   f"{second}\n{first}", f"{first}\n{second}")


def unrolled_loop(node: ast.AST, slot: Slot, tree: ast.Module) -> Iterator[Site]:
    """``while c: body`` -> ``for _ in range(40): if c: body``: the same values for most inputs, but
    traced as 40 ``If`` ops and no loop op (the fixed-count loop a loop check must refuse)."""
    if isinstance(node, ast.While) and not node.orelse and not any(
            isinstance(n, ast.Break | ast.Continue) for n in ast.walk(node)):
        def apply() -> None:
            guarded = ast.If(test=node.test, body=node.body, orelse=[])
            loop = ast.For(target=ast.Name("_unrolled", ast.Store()),
                           iter=ast.Call(ast.Name("range", ast.Load()), [ast.Constant(UNROLL_COUNT)], []),
                           body=[guarded], orelse=[], type_comment=None)
            put(slot, ast.copy_location(loop, node))
        yield Site("while-unrolled", line_of(node), apply)


def branch_fixed(node: ast.AST, slot: Slot, tree: ast.Module) -> Iterator[Site]:
    """An ``if`` condition replaced by ``True`` or by ``False`` (an argument such as use_bias ignored)."""
    if isinstance(node, ast.If):
        for value in (True, False):
            yield Site(f"if-always-{str(value).lower()}", line_of(node),
                       setter(node, "test", ast.Constant(value)))


def cached_result(node: ast.AST, slot: Slot, tree: ast.Module) -> Iterator[Site]:
    """A module-level function (no decorator) returns its first result forever after: a builder then
    hands out the same model twice, a helper ignores its new arguments."""
    if isinstance(node, ast.FunctionDef) and slot[0] is tree and not node.decorator_list:
        def apply() -> None:
            index = slot[2]
            assert index is not None
            tree.body[index: index + 1] = _memoized(node)
        header = ast.unparse(node).splitlines()[0]
        yield Site("cached-result", line_of(node), apply, f"{header}  # every call returns the first call's result")


def flattened_input(node: ast.AST, slot: Slot, tree: ast.Module) -> Iterator[Site]:
    """The first argument of a function (or of a layer's ``call``) flattened to 1-D on entry: right for
    1-D inputs only, the answer that passes when every check uses 1-D inputs ("any shape" untested).
    Only where the cell uses ``tf``, so the mutant does not merely fail with a NameError."""
    if not isinstance(node, ast.FunctionDef) or not uses_tf(tree):
        return
    method = slot[0] is not tree
    if method and node.name != "call":
        return
    params = node.args.args[1:] if method else node.args.args
    if params:
        name = params[0].arg
        flatten = ast.parse(f"{name} = tf.reshape({name}, [-1])").body[0]
        yield Site("flatten-input", line_of(node), lambda: node.body.insert(0, flatten))


def shared_layer(node: ast.AST, slot: Slot, tree: ast.Module) -> Iterator[Site]:
    """A layer object called twice becomes two layers: the second call gets a fresh copy of the
    expression that built the first (``embedding = Embedding(...)``)."""
    if not isinstance(node, ast.FunctionDef):
        return
    for stmt in node.body:
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
                and isinstance(stmt.value, ast.Call)):
            continue
        name, built = stmt.targets[0].id, stmt.value
        calls = [n for n in ast.walk(node) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                 and n.func.id == name]
        if len(calls) >= 2:
            second = sorted(calls, key=lambda c: (c.lineno, c.col_offset))[1]
            yield Site(f"unshare-{slug(name)}", line_of(second),
                       setter(second, "func", copy.deepcopy(built)))


def _memoized(function: ast.FunctionDef) -> list[ast.stmt]:
    """``def f`` renamed ``_f_uncached``, and a ``functools.wraps`` wrapper ``f`` that caches its first result."""
    name = function.name
    original = copy.deepcopy(function)
    original.name = f"_{name}_uncached"
    wrapper = ast.parse(
        f"_{name}_results = []\n"
        f"@__import__('functools').wraps(_{name}_uncached)\n"
        f"def {name}(*args, **kwargs):\n"
        f"    if not _{name}_results:\n"
        f"        _{name}_results.append(_{name}_uncached(*args, **kwargs))\n"
        f"    return _{name}_results[0]\n"
    ).body
    return [original, *wrapper]


def _headline(stmt: ast.stmt) -> str:
    """A statement's first line, indented as in the source (an ``if`` shows as ``if c:``)."""
    return " " * stmt.col_offset + ast.unparse(stmt).splitlines()[0]


def _depends(first: ast.stmt, second: ast.stmt) -> bool:
    """Does swapping these two statements change what runs? (names one writes and the other reads,
    or any statement that is only a call, a return or control flow)."""
    if not all(isinstance(s, ast.Assign | ast.AugAssign | ast.AnnAssign) for s in (first, second)):
        return not isinstance(first, ast.Pass | ast.Import | ast.ImportFrom)
    w1, r1 = _written(first), _read(first)
    w2, r2 = _written(second), _read(second)
    return bool(w1 & r2 or w2 & r1 or w1 & w2)


def _written(stmt: ast.stmt) -> set[str]:
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]  # type: ignore[attr-defined]
    flat = [e for t in targets for e in (t.elts if isinstance(t, ast.Tuple | ast.List) else [t])]
    return {ast.unparse(t.value if isinstance(t, ast.Subscript) else t) for t in flat}


def _read(stmt: ast.stmt) -> set[str]:
    value = getattr(stmt, "value", None)
    names = {ast.unparse(n) for n in ast.walk(value) if isinstance(n, ast.Name | ast.Attribute)} if value else set()
    if isinstance(stmt, ast.AugAssign):
        names |= _written(stmt)
    return names
