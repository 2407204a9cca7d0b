"""What the grader accepts from a student's artifacts before it runs them: op and layer allowlists.

Artifacts arrive as bytes: a ``tf.function`` traced into a ``GraphDef`` with its variables
(:mod:`autograder.wire.graph_export`), a Keras model saved as a ``.keras`` archive. The grader's runner examines them
itself. A graph runs only when every op in it, and in its function library, is on
:data:`GRAPH_OPS`: math, shapes, control flow and what the assignments need, plus the
:data:`RESOURCE_VARIABLE_OPS` on the graph's own variables. File, queue, ``py_function``,
``VarHandleOp`` and other escape ops are refused, and so is ``PrintV2`` writing anywhere but stdout
or stderr. Names resolve as TensorFlow resolves them, registered ops first: a library function
named like a registered op (``ReadFile``) is refused, never taken for a call. A model loads only
when every object in its config is a built-in Keras one (never a ``Lambda`` or a custom class),
and then with ``safe_mode=True``.

Pure functions over parsed data, so they are tested without a sandbox.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

PY_FUNCTION_OPS = frozenset({"EagerPyFunc", "PyFunc", "PyFuncStateless"})
WHILE_OPS = frozenset({"While", "StatelessWhile"})
IF_OPS = frozenset({"If", "StatelessIf"})

GRAPH_OPS = frozenset({
    # graph plumbing
    "Placeholder", "PlaceholderWithDefault", "Const", "Identity", "IdentityN", "NoOp", "StopGradient",
    "PreventGradient", "Snapshot", "EnsureShape", "CheckNumerics", "Assert",
    # arithmetic
    "Add", "AddV2", "AddN", "Sub", "Mul", "Div", "RealDiv", "FloorDiv", "FloorMod", "Mod", "TruncateDiv",
    "TruncateMod", "Neg", "Abs", "Sign", "Square", "Sqrt", "Rsqrt", "Exp", "Expm1", "Log", "Log1p", "Pow",
    "Maximum", "Minimum", "Reciprocal", "Inv", "Floor", "Ceil", "Round", "Rint", "SquaredDifference", "DivNoNan",
    "MulNoNan", "Xdivy", "Xlogy", "Erf", "Erfc", "Sin", "Cos", "Tan", "Atan", "Atan2", "Asin", "Acos", "Sinh",
    "Cosh", "ClipByValue", "L2Loss",
    # activations
    "Relu", "Relu6", "Elu", "Selu", "Softplus", "Softsign", "Sigmoid", "Tanh", "Softmax", "LogSoftmax",
    "LeakyRelu",
    # comparisons and logic
    "Less", "LessEqual", "Greater", "GreaterEqual", "Equal", "NotEqual", "LogicalAnd", "LogicalOr",
    "LogicalNot", "Select", "SelectV2", "Where", "IsNan", "IsFinite", "IsInf",
    # reductions and scans
    "Sum", "Prod", "Mean", "Max", "Min", "All", "Any", "ArgMax", "ArgMin", "Cumsum", "Cumprod", "TopKV2",
    # linear algebra and layers
    "MatMul", "BatchMatMul", "BatchMatMulV2", "BatchMatMulV3", "Einsum", "BiasAdd", "BiasAddV1", "Conv2D",
    "Conv3D", "DepthwiseConv2dNative", "MaxPool", "MaxPoolV2", "AvgPool", "FusedBatchNormV3",
    # shapes and indexing
    "Shape", "ShapeN", "Size", "Rank", "Reshape", "ExpandDims", "Squeeze", "Transpose", "ConcatV2", "Concat",
    "Pack", "Unpack", "Split", "SplitV", "Slice", "StridedSlice", "Tile", "Fill", "ZerosLike", "OnesLike",
    "Range", "Cast", "BroadcastTo", "BroadcastArgs", "BroadcastGradientArgs", "GatherV2", "Gather", "GatherNd",
    "OneHot", "Pad", "PadV2", "MirrorPad", "ReverseV2", "ScatterNd", "TensorScatterUpdate", "TensorScatterAdd",
    # control flow (the bodies live in the function library and are checked too)
    "While", "StatelessWhile", "If", "StatelessIf", "Case", "StatelessCase", "PartitionedCall",
    "StatefulPartitionedCall", "Enter", "Exit", "Merge", "Switch", "NextIteration", "LoopCond",
    # loop accumulators that AutoGraph makes
    "TensorListReserve", "TensorListSetItem", "TensorListGetItem", "TensorListFromTensor", "TensorListStack",
    "TensorListLength", "TensorListElementShape", "TensorListPushBack", "TensorListPopBack", "EmptyTensorList",
    "TensorListConcatV2",
    # random numbers (no state that outlives a call)
    "StatelessRandomNormalV2", "StatelessRandomUniformV2", "StatelessRandomGetKeyCounter",
    "StatelessRandomGetKeyCounterAlg", "StatelessTruncatedNormalV2", "RandomStandardNormal", "RandomUniform",
    # tf.print, to stdout or stderr only (see refused_ops)
    "PrintV2", "StringFormat",
})
PRINT_STREAMS = frozenset({b"stderr", b"stdout", b"log(info)", b"log(warning)", b"log(error)"})


RESOURCE_VARIABLE_OPS = frozenset({
    "ReadVariableOp", "AssignVariableOp", "AssignAddVariableOp", "AssignSubVariableOp", "VariableShape",
    "ResourceGather", "ResourceGatherNd", "ResourceScatterUpdate", "ResourceScatterAdd", "ResourceScatterSub",
    "ResourceScatterMul", "ResourceScatterDiv", "ResourceScatterMin", "ResourceScatterMax",
    "ResourceScatterNdUpdate", "ResourceScatterNdAdd", "ResourceScatterNdSub", "ResourceStridedSliceAssign",
})
"""Ops on a variable's handle: allowed because the only handles a graph may hold are its own variables'.

No allowed op makes a handle (``VarHandleOp`` and every op that names a shared resource are not on
any list), and a node that holds one as an attribute is refused (see :func:`_resource_sources`),
so every handle these ops see comes from a captured variable's placeholder, which the runner wires
to a fresh variable of its own.
"""
DT_RESOURCE = 20
"""``tensorflow.core.framework.types_pb2.DT_RESOURCE`` (kept here: this module imports no TensorFlow)."""


@dataclass(frozen=True)
class GraphOps:
    """The op types of a graph: at its top level, and inside its function library."""

    ops: frozenset[str]
    nested_ops: frozenset[str]
    refused: tuple[str, ...]
    """What the allowlist refuses, in words (sorted); a graph with any is never run."""

    @property
    def all_ops(self) -> frozenset[str]:
        return self.ops | self.nested_ops


def graph_ops(graph_def: Any, variables: frozenset[str] = frozenset(), *,
              registered: Callable[[str], bool] | None = None) -> GraphOps:
    """List every op of a parsed ``GraphDef`` and its library, and what the allowlist refuses.

    ``variables``: the names of the placeholder nodes that stand for the graph's own captured
    variables, the only resource handles it may hold. ``registered`` says whether a name is a
    registered TensorFlow op (TensorFlow's own registry by default).
    """
    is_op = registered or registered_op
    functions = {f.signature.name for f in graph_def.library.function}
    library = {name for name in functions if not is_op(name)}
    top = list(graph_def.node)
    nested = [node for function in graph_def.library.function for node in function.node_def]
    refused = {f"{name[:100]} (a library function with the name of a TensorFlow op)" for name in functions - library}
    refused |= {node.op[:100] for node in top + nested if not _allowed(node.op, library, is_op)}
    refused |= {f"{node.op} to {_stream(node)}" for node in top + nested if _prints_elsewhere(node)}
    refused |= {f"{name[:100]} (called by {node.op[:100]}, not a function of the graph)"
                for node in top + nested for name in _called(node) if name not in library}
    refused |= _resource_sources(top, variables) | _resource_sources(nested, frozenset())
    return GraphOps(
        ops=frozenset(node.op for node in top),
        nested_ops=frozenset(node.op for node in nested),
        refused=tuple(sorted(refused)),
    )


def registered_op(name: str) -> bool:
    """Whether TensorFlow resolves ``name`` to a registered op: it does so before the graph's library."""
    import tensorflow  # noqa: F401 - loads every op into the registry
    from tensorflow.python.framework import op_def_registry

    return op_def_registry.get(name) is not None


def _allowed(op: str, library: set[str], is_op: Callable[[str], bool]) -> bool:
    # As TensorFlow resolves it: a registered op is that op, whatever the library holds.
    if op in GRAPH_OPS or op in RESOURCE_VARIABLE_OPS:
        return True
    return op in library and not is_op(op)


def _called(node: Any) -> list[str]:
    """The functions a node's attributes name (a loop's ``cond`` and ``body``, a call's ``f``...)."""
    names = []
    for value in node.attr.values():
        if value.HasField("func"):
            names.append(value.func.name)
        if value.HasField("list"):
            names.extend(f.name for f in value.list.func)
    return names


def _resource_sources(nodes: list[Any], variables: frozenset[str]) -> set[str]:
    """Nodes that would bring a resource handle of their own (a handle constant, an unwired placeholder)."""
    refused = set()
    for node in nodes:
        # ``in`` first: reading a missing key of a protobuf map would add it to the graph.
        holds = ("dtype" in node.attr and node.attr["dtype"].type == DT_RESOURCE) or (
            "value" in node.attr and node.attr["value"].tensor.dtype == DT_RESOURCE)
        if holds and not (node.op == "Placeholder" and node.name in variables):
            refused.add(f"{node.op[:100]} of a resource that is not one of the graph's variables")
    return refused


def _prints_elsewhere(node: Any) -> bool:
    # tf.print(output_stream="file:///...") would write a file from the grader's runner.
    return node.op == "PrintV2" and node.attr["output_stream"].s not in PRINT_STREAMS


def _stream(node: Any) -> str:
    return str(node.attr["output_stream"].s.decode("utf-8", errors="replace"))[:100]


# --- Keras models ------------------------------------------------------------------------------

REFUSED_LAYERS = frozenset({"Lambda", "TFSMLayer", "TorchModuleWrapper", "JaxLayer", "FlaxLayer", "__lambda__"})
"""Built-in classes that would run code or read files named by the archive, and marshalled lambdas."""
MAX_CONFIG_DEPTH = 200


def refused_objects(config: Any) -> list[str]:
    """Everything in a saved model's config that is not a built-in Keras object (empty: all fine).

    Keras records each object as ``{"module": ..., "class_name": ..., "registered_name": ...}``;
    a custom class has a module outside Keras or a registered name of its own, a function a
    ``__lambda__`` or ``__function__`` entry.
    """
    refused = []
    for item in _objects(config, 0):
        name = str(item.get("class_name", ""))[:100]
        module = item.get("module")
        registered = item.get("registered_name")
        if name in REFUSED_LAYERS:
            refused.append(name)
        elif module is None and registered is not None:
            # An unregistered subclass is saved with no module, under its own name.
            refused.append(f"{name} (a class defined in the notebook)")
        elif module is not None and not _keras_module(module):
            refused.append(f"{name} (from {str(module)[:100]})")
        elif registered is not None and registered != name and name != "function":
            refused.append(f"{name} (registered as {str(registered)[:100]})")
    return sorted(set(refused))


def _keras_module(module: object) -> bool:
    return isinstance(module, str) and (module == "keras" or module.startswith("keras."))


def _objects(value: Any, depth: int) -> Iterator[dict[str, Any]]:
    if depth > MAX_CONFIG_DEPTH:
        raise ValueError("the model's config is nested too deeply")
    if isinstance(value, dict):
        if "class_name" in value:
            yield value
        for item in value.values():
            yield from _objects(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from _objects(item, depth + 1)
