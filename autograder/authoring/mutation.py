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
"""

from __future__ import annotations

import ast
import copy
import difflib
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


# Operators on operators: each swap is one plausible slip.
BINARY_SWAPS: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div, ast.Mod: ast.FloorDiv, ast.Pow: ast.Mult, ast.MatMult: ast.Mult,
}
COMPARE_SWAPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq, ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn, ast.NotIn: ast.In,
}
BOOL_SWAPS: dict[type[ast.boolop], type[ast.boolop]] = {ast.And: ast.Or, ast.Or: ast.And}
OP_NAMES: dict[type[ast.AST], str] = {
    ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.FloorDiv: "floordiv",
    ast.Mod: "mod", ast.Pow: "pow", ast.MatMult: "matmul", ast.Gt: "gt", ast.GtE: "ge", ast.Lt: "lt",
    ast.LtE: "le", ast.Eq: "eq", ast.NotEq: "ne", ast.Is: "is", ast.IsNot: "is-not", ast.In: "in",
    ast.NotIn: "not-in", ast.And: "and", ast.Or: "or",
}

STRING_SWAPS: dict[str, str] = {
    # activations
    "relu": "tanh", "tanh": "relu", "sigmoid": "relu", "softmax": "sigmoid", "linear": "relu",
    "elu": "relu", "gelu": "relu", "selu": "relu", "swish": "relu",
    # initializers
    "zeros": "ones", "ones": "zeros", "glorot_uniform": "zeros", "he_normal": "zeros",
    "random_normal": "zeros",
    # dtypes
    "float32": "float64", "float64": "float32", "int32": "int64", "int64": "int32", "float16": "float32",
    # optimizers and losses
    "sgd": "adam", "adam": "sgd", "mse": "mae", "mae": "mse",
}
"""A string argument that names one of these is changed to the other (an activation, an initializer...)."""

ATTRIBUTE_SWAPS: dict[str, str] = {
    "reduce_sum": "reduce_mean", "reduce_mean": "reduce_sum", "reduce_max": "reduce_min",
    "relu": "relu6", "float32": "float64", "float64": "float32", "int32": "int64", "int64": "int32",
    "GlobalAveragePooling1D": "GlobalMaxPooling1D", "GlobalMaxPooling1D": "GlobalAveragePooling1D",
    "Add": "Subtract", "Concatenate": "Add", "matmul": "multiply",
}
"""API names a slip turns into a neighbour (``tf.reduce_sum`` -> ``tf.reduce_mean``, ``tf.nn.relu`` ->
``tf.nn.relu6``, which agrees with relu below 6)."""

UNROLL_COUNT = 40
"""A ``while`` loop is unrolled into this many guarded repetitions: enough for every input a check
uses in practice, and the graph then holds ``If`` ops and no loop op."""


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


def _put(slot: Slot, new: ast.AST) -> None:
    parent, field, index = slot
    if index is None:
        setattr(parent, field, new)
    else:
        getattr(parent, field)[index] = new


def _line(node: ast.AST) -> int:
    return int(getattr(node, "lineno", 0))


Operator = Callable[[ast.AST, Slot, ast.Module], Iterator[Site]]


# --- operators on expressions ---------------------------------------------------------------------

def arithmetic(node: ast.AST, slot: Slot, tree: ast.Module) -> Iterator[Site]:
    if isinstance(node, ast.BinOp | ast.AugAssign) and type(node.op) in BINARY_SWAPS:
        new = BINARY_SWAPS[type(node.op)]
        name = f"arith-{OP_NAMES[type(node.op)]}-to-{OP_NAMES[new]}"
        yield Site(name, _line(node), lambda: setattr(node, "op", new()))


def comparison(node: ast.AST, slot: Slot, tree: ast.Module) -> Iterator[Site]:
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            if type(op) in COMPARE_SWAPS:
                new = COMPARE_SWAPS[type(op)]

                def apply(i: int = i, new: type[ast.cmpop] = new) -> None:
                    node.ops[i] = new()
                yield Site(f"compare-{OP_NAMES[type(op)]}-to-{OP_NAMES[new]}", _line(node), apply)


def boolean(node: ast.AST, slot: Slot, tree: ast.Module) -> Iterator[Site]:
    if isinstance(node, ast.BoolOp):
        new = BOOL_SWAPS[type(node.op)]
        yield Site(f"bool-{OP_NAMES[type(node.op)]}-to-{OP_NAMES[new]}", _line(node),
                   lambda: setattr(node, "op", new()))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not | ast.USub):
        name = "drop-not" if isinstance(node.op, ast.Not) else "drop-minus"
        yield Site(name, _line(node), lambda: _put(slot, node.operand))


def constant(node: ast.AST, slot: Slot, tree: ast.Module) -> Iterator[Site]:
    if not isinstance(node, ast.Constant):
        return
    value = node.value
    if isinstance(value, bool):
        yield Site(f"const-{str(value).lower()}-to-{str(not value).lower()}", _line(node),
                   lambda: setattr(node, "value", not value))
    elif isinstance(value, int):
        for new in (value + 1, value - 1):
            yield Site(f"const-{value}-to-{new}".replace("--", "-minus-"), _line(node),
                       _setter(node, "value", new))
    elif isinstance(value, float):
        new_float = 0.0 if value != 0 else 1.0
        yield Site("const-float-to-zero" if value else "const-zero-to-one", _line(node),
                   lambda: setattr(node, "value", new_float))
        if value:
            yield Site("const-float-scaled", _line(node), lambda: setattr(node, "value", value * 1.1))


def string_argument(node: ast.AST, slot: Slot, tree: ast.Module) -> Iterator[Site]:
    """A string passed to a call (an activation, an initializer, a dtype, a layer's name) changed."""
    if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
        return
    parent, field, _ = slot
    keyword = parent.arg if isinstance(parent, ast.keyword) else None
    if not (isinstance(parent, ast.Call) and field == "args") and keyword is None:
        return
    old = node.value
    if old in STRING_SWAPS:
        new = STRING_SWAPS[old]
        yield Site(f"string-{_slug(old)}-to-{_slug(new)}", _line(node), lambda: setattr(node, "value", new))
    elif keyword == "name":
        yield Site("string-rename", _line(node), lambda: setattr(node, "value", old + "_renamed"))


def attribute_name(node: ast.AST, slot: Slot, tree: ast.Module) -> Iterator[Site]:
    """``tf.reduce_sum`` -> ``tf.reduce_mean``, ``tf.float32`` -> ``tf.float64`` and other neighbours."""
    if isinstance(node, ast.Attribute) and node.attr in ATTRIBUTE_SWAPS:
        new = ATTRIBUTE_SWAPS[node.attr]
        yield Site(f"api-{_slug(node.attr)}-to-{_slug(new)}", _line(node), lambda: setattr(node, "attr", new))


def call_arguments(node: ast.AST, slot: Slot, tree: ast.Module) -> Iterator[Site]:
    """Drop one keyword argument (``**kwargs`` too), swap the first two positional ones, or skip a
    one-argument call altogether (``relu(y)`` -> ``y``: a forgotten activation or layer)."""
    if not isinstance(node, ast.Call):
        return
    for i, kw in enumerate(node.keywords):
        name = f"call-drop-{_slug(kw.arg)}" if kw.arg else "call-drop-kwargs"
        yield Site(name, _line(node), _popper(node.keywords, i))
    positional = [a for a in node.args if not isinstance(a, ast.Starred)]
    if len(positional) == len(node.args) >= 2 and ast.dump(node.args[0]) != ast.dump(node.args[1]):
        yield Site(f"call-swap-args-{_slug(_callee(node))}", _line(node),
                   lambda: node.args.__setitem__(slice(0, 2), [node.args[1], node.args[0]]))
    if len(node.args) == 1 and not node.keywords and not isinstance(node.args[0], ast.Starred | ast.Constant):
        if not _is_super_call(node) and not isinstance(slot[0], ast.Expr):
            yield Site(f"call-skipped-{_slug(_callee(node))}", _line(node), lambda: _put(slot, node.args[0]))


def swapped_elements(node: ast.AST, slot: Slot, tree: ast.Module) -> Iterator[Site]:
    """The first two elements of a list or tuple swapped: outputs, inputs, a returned tuple, a shape."""
    if isinstance(node, ast.List | ast.Tuple) and len(node.elts) >= 2 and isinstance(node.ctx, ast.Load):
        first, second = node.elts[0], node.elts[1]
        if ast.dump(first) != ast.dump(second) and not isinstance(first, ast.Starred) \
                and not isinstance(second, ast.Starred):
            kind = "return" if isinstance(slot[0], ast.Return) else "elements"
            yield Site(f"swap-{kind}", _line(node), lambda: node.elts.__setitem__(slice(0, 2), [second, first]))


def signature_shape(node: ast.AST, slot: Slot, tree: ast.Module) -> Iterator[Site]:
    """A ``None`` (any length) in a ``TensorSpec`` shape fixed to 3: the signature then accepts one length."""
    if isinstance(node, ast.Call) and _call_name(node) == "TensorSpec" and node.args:
        shape = node.args[0]
        if isinstance(shape, ast.List | ast.Tuple):
            for i, dim in enumerate(shape.elts):
                if isinstance(dim, ast.Constant) and dim.value is None:
                    yield Site("signature-fixed-length", _line(node),
                               _item_setter(shape.elts, i, ast.Constant(3)))


# --- operators on statements ----------------------------------------------------------------------

def decorators(node: ast.AST, slot: Slot, tree: ast.Module) -> Iterator[Site]:
    """Each decorator dropped (``@tf.function``, ``@keras.saving.register_keras_serializable``)."""
    if isinstance(node, DEFS):
        for i, decorator in enumerate(node.decorator_list):
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "decorator")
            yield Site(f"drop-decorator-{_slug(name)}", decorator.lineno, _popper(node.decorator_list, i))


def super_calls(node: ast.AST, slot: Slot, tree: ast.Module) -> Iterator[Site]:
    """``super().__init__(...)`` removed; ``super().get_config()`` (or any super() call whose value is
    used) replaced by an empty dict."""
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and _is_super_call(node.value):
        method = node.value.func.attr if isinstance(node.value.func, ast.Attribute) else "call"
        yield Site(f"drop-super-{_slug(method)}", _line(node), lambda: _put(slot, ast.Pass()))
    elif isinstance(node, ast.Call) and _is_super_call(node) and not isinstance(slot[0], ast.Expr):
        method = node.func.attr if isinstance(node.func, ast.Attribute) else "call"
        yield Site(f"drop-super-{_slug(method)}", _line(node), lambda: _put(slot, ast.Dict(keys=[], values=[])))


def dropped_call_statement(node: ast.AST, slot: Slot, tree: ast.Module) -> Iterator[Site]:
    """A call made only for its effect (``plot_model(...)``, ``x.append(...)``) removed."""
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and not _is_super_call(node.value):
        yield Site("drop-call", _line(node), lambda: _put(slot, ast.Pass()))


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
                        yield Site(f"config-drop-{_slug(str(key.value))}", _line(key), apply)


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
        yield Site("swap-statements", _line(node),
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
            _put(slot, ast.copy_location(loop, node))
        yield Site("while-unrolled", _line(node), apply)


def branch_fixed(node: ast.AST, slot: Slot, tree: ast.Module) -> Iterator[Site]:
    """An ``if`` condition replaced by ``True`` or by ``False`` (an argument such as use_bias ignored)."""
    if isinstance(node, ast.If):
        for value in (True, False):
            yield Site(f"if-always-{str(value).lower()}", _line(node),
                       _setter(node, "test", ast.Constant(value)))


def cached_result(node: ast.AST, slot: Slot, tree: ast.Module) -> Iterator[Site]:
    """A module-level function (no decorator) returns its first result forever after: a builder then
    hands out the same model twice, a helper ignores its new arguments."""
    if isinstance(node, ast.FunctionDef) and slot[0] is tree and not node.decorator_list:
        def apply() -> None:
            index = slot[2]
            assert index is not None
            tree.body[index: index + 1] = _memoized(node)
        header = ast.unparse(node).splitlines()[0]
        yield Site("cached-result", _line(node), apply, f"{header}  # every call returns the first call's result")


def flattened_input(node: ast.AST, slot: Slot, tree: ast.Module) -> Iterator[Site]:
    """The first argument of a function (or of a layer's ``call``) flattened to 1-D on entry: right for
    1-D inputs only, the answer that passes when every check uses 1-D inputs ("any shape" untested).
    Only where the cell uses ``tf``, so the mutant does not merely fail with a NameError."""
    if not isinstance(node, ast.FunctionDef) or not _uses_tf(tree):
        return
    method = slot[0] is not tree
    if method and node.name != "call":
        return
    params = node.args.args[1:] if method else node.args.args
    if params:
        name = params[0].arg
        flatten = ast.parse(f"{name} = tf.reshape({name}, [-1])").body[0]
        yield Site("flatten-input", _line(node), lambda: node.body.insert(0, flatten))


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
            yield Site(f"unshare-{_slug(name)}", _line(second),
                       _setter(second, "func", copy.deepcopy(built)))


OPERATORS: tuple[Operator, ...] = (
    arithmetic, comparison, boolean, constant, string_argument, attribute_name, call_arguments,
    swapped_elements, signature_shape, decorators, super_calls, dropped_call_statement, config_entries,
    swapped_statements, unrolled_loop, branch_fixed, cached_result, flattened_input, shared_layer,
)


# --- helpers --------------------------------------------------------------------------------------

def _setter(node: ast.AST, attribute: str, value: object) -> Callable[[], None]:
    return lambda: setattr(node, attribute, value)


def _popper(items: list[Any], index: int) -> Callable[[], None]:
    def apply() -> None:
        items.pop(index)
    return apply


def _item_setter(items: list[Any], index: int, value: object) -> Callable[[], None]:
    return lambda: items.__setitem__(index, value)



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


def _uses_tf(tree: ast.Module) -> bool:
    return any(isinstance(n, ast.Name) and n.id == "tf" for n in ast.walk(tree))


def _is_super_call(node: ast.Call) -> bool:
    func = node.func
    return (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call)
            and isinstance(func.value.func, ast.Name) and func.value.func.id == "super")


def _call_name(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _callee(node: ast.Call) -> str:
    """The name a call is known by: ``tf.nn.relu(x)`` -> relu, ``Dense(1)(h)`` -> Dense."""
    func = node.func
    return _callee(func) if isinstance(func, ast.Call) else _call_name(node)


def _slug(text: str) -> str:
    """Lower-case words joined by ``-``, for ids (``reduce_sum`` -> ``reduce-sum``)."""
    words = "".join(c.lower() if c.isalnum() else " " for c in text).split()
    return "-".join(words) or "x"
