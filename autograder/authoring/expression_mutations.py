"""Mutation operators on expressions: a swapped operator, a nudged constant, a neighbouring activation or
API name, a dropped or swapped argument, swapped elements, a fixed signature length.

Each operator takes a node, the :data:`~autograder.authoring.mutation_sites.Slot` it sits in and the
cell's tree, and yields the :class:`~autograder.authoring.mutation_sites.Site` values it offers there.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from autograder.authoring.mutation_sites import (
    Site,
    Slot,
    call_name,
    callee,
    is_super_call,
    item_setter,
    line_of,
    popper,
    put,
    setter,
    slug,
)

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

def arithmetic(node: ast.AST, slot: Slot, tree: ast.Module) -> Iterator[Site]:
    if isinstance(node, ast.BinOp | ast.AugAssign) and type(node.op) in BINARY_SWAPS:
        new = BINARY_SWAPS[type(node.op)]
        name = f"arith-{OP_NAMES[type(node.op)]}-to-{OP_NAMES[new]}"
        yield Site(name, line_of(node), lambda: setattr(node, "op", new()))


def comparison(node: ast.AST, slot: Slot, tree: ast.Module) -> Iterator[Site]:
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            if type(op) in COMPARE_SWAPS:
                new = COMPARE_SWAPS[type(op)]

                def apply(i: int = i, new: type[ast.cmpop] = new) -> None:
                    node.ops[i] = new()
                yield Site(f"compare-{OP_NAMES[type(op)]}-to-{OP_NAMES[new]}", line_of(node), apply)


def boolean(node: ast.AST, slot: Slot, tree: ast.Module) -> Iterator[Site]:
    if isinstance(node, ast.BoolOp):
        new = BOOL_SWAPS[type(node.op)]
        yield Site(f"bool-{OP_NAMES[type(node.op)]}-to-{OP_NAMES[new]}", line_of(node),
                   lambda: setattr(node, "op", new()))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not | ast.USub):
        name = "drop-not" if isinstance(node.op, ast.Not) else "drop-minus"
        yield Site(name, line_of(node), lambda: put(slot, node.operand))


def constant(node: ast.AST, slot: Slot, tree: ast.Module) -> Iterator[Site]:
    if not isinstance(node, ast.Constant):
        return
    value = node.value
    if isinstance(value, bool):
        yield Site(f"const-{str(value).lower()}-to-{str(not value).lower()}", line_of(node),
                   lambda: setattr(node, "value", not value))
    elif isinstance(value, int):
        for new in (value + 1, value - 1):
            yield Site(f"const-{value}-to-{new}".replace("--", "-minus-"), line_of(node),
                       setter(node, "value", new))
    elif isinstance(value, float):
        new_float = 0.0 if value != 0 else 1.0
        yield Site("const-float-to-zero" if value else "const-zero-to-one", line_of(node),
                   lambda: setattr(node, "value", new_float))
        if value:
            yield Site("const-float-scaled", line_of(node), lambda: setattr(node, "value", value * 1.1))


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
        yield Site(f"string-{slug(old)}-to-{slug(new)}", line_of(node), lambda: setattr(node, "value", new))
    elif keyword == "name":
        yield Site("string-rename", line_of(node), lambda: setattr(node, "value", old + "_renamed"))


def attribute_name(node: ast.AST, slot: Slot, tree: ast.Module) -> Iterator[Site]:
    """``tf.reduce_sum`` -> ``tf.reduce_mean``, ``tf.float32`` -> ``tf.float64`` and other neighbours."""
    if isinstance(node, ast.Attribute) and node.attr in ATTRIBUTE_SWAPS:
        new = ATTRIBUTE_SWAPS[node.attr]
        yield Site(f"api-{slug(node.attr)}-to-{slug(new)}", line_of(node), lambda: setattr(node, "attr", new))


def call_arguments(node: ast.AST, slot: Slot, tree: ast.Module) -> Iterator[Site]:
    """Drop one keyword argument (``**kwargs`` too), swap the first two positional ones, or skip a
    one-argument call altogether (``relu(y)`` -> ``y``: a forgotten activation or layer)."""
    if not isinstance(node, ast.Call):
        return
    for i, kw in enumerate(node.keywords):
        name = f"call-drop-{slug(kw.arg)}" if kw.arg else "call-drop-kwargs"
        yield Site(name, line_of(node), popper(node.keywords, i))
    positional = [a for a in node.args if not isinstance(a, ast.Starred)]
    if len(positional) == len(node.args) >= 2 and ast.dump(node.args[0]) != ast.dump(node.args[1]):
        yield Site(f"call-swap-args-{slug(callee(node))}", line_of(node),
                   lambda: node.args.__setitem__(slice(0, 2), [node.args[1], node.args[0]]))
    if len(node.args) == 1 and not node.keywords and not isinstance(node.args[0], ast.Starred | ast.Constant):
        if not is_super_call(node) and not isinstance(slot[0], ast.Expr):
            yield Site(f"call-skipped-{slug(callee(node))}", line_of(node), lambda: put(slot, node.args[0]))


def swapped_elements(node: ast.AST, slot: Slot, tree: ast.Module) -> Iterator[Site]:
    """The first two elements of a list or tuple swapped: outputs, inputs, a returned tuple, a shape."""
    if isinstance(node, ast.List | ast.Tuple) and len(node.elts) >= 2 and isinstance(node.ctx, ast.Load):
        first, second = node.elts[0], node.elts[1]
        if ast.dump(first) != ast.dump(second) and not isinstance(first, ast.Starred) \
                and not isinstance(second, ast.Starred):
            kind = "return" if isinstance(slot[0], ast.Return) else "elements"
            yield Site(f"swap-{kind}", line_of(node), lambda: node.elts.__setitem__(slice(0, 2), [second, first]))


def signature_shape(node: ast.AST, slot: Slot, tree: ast.Module) -> Iterator[Site]:
    """A ``None`` (any length) in a ``TensorSpec`` shape fixed to 3: the signature then accepts one length."""
    if isinstance(node, ast.Call) and call_name(node) == "TensorSpec" and node.args:
        shape = node.args[0]
        if isinstance(shape, ast.List | ast.Tuple):
            for i, dim in enumerate(shape.elts):
                if isinstance(dim, ast.Constant) and dim.value is None:
                    yield Site("signature-fixed-length", line_of(node),
                               item_setter(shape.elts, i, ast.Constant(3)))
