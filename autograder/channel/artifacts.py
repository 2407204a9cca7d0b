"""What the grader accepts from a student's artifacts before it runs them: op and layer allowlists.

A student's process hands over artifacts as bytes: a ``tf.function`` traced and frozen into a
``GraphDef``, a Keras model saved as a ``.keras`` archive. The grader's runner examines them
itself. A graph runs only when every op in it, and in its function library, is on
:data:`GRAPH_OPS`: math, shapes, control flow and what the assignments need. File, queue,
``py_function``, variable and other escape ops are refused, and so is ``PrintV2`` writing
anywhere but stdout or stderr. A model loads only when every object in its config is a built-in
Keras one (never a ``Lambda`` or a custom class), and then with ``safe_mode=True``.

Pure functions over parsed data, so they are tested without a sandbox.
"""

from __future__ import annotations

from collections.abc import Iterator
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


@dataclass(frozen=True)
class GraphOps:
    """The op types of a graph: at its top level, and inside its function library."""

    ops: frozenset[str]
    nested_ops: frozenset[str]
    refused: tuple[str, ...]
    """Op types that are not on the allowlist (sorted); a graph with any is never run."""

    @property
    def all_ops(self) -> frozenset[str]:
        return self.ops | self.nested_ops


def graph_ops(graph_def: Any) -> GraphOps:
    """List every op of a parsed ``GraphDef`` and its library, and what the allowlist refuses."""
    library = {f.signature.name for f in graph_def.library.function}
    top = [node for node in graph_def.node]
    nested = [node for function in graph_def.library.function for node in function.node_def]
    refused = {node.op for node in top + nested if node.op not in GRAPH_OPS and node.op not in library}
    refused |= {f"{node.op} to {_stream(node)}" for node in top + nested if _prints_elsewhere(node)}
    return GraphOps(
        ops=frozenset(node.op for node in top),
        nested_ops=frozenset(node.op for node in nested),
        refused=tuple(sorted(refused)),
    )


def _prints_elsewhere(node: Any) -> bool:
    # tf.print(output_stream="file:///...") would write a file from the grader's runner.
    return node.op == "PrintV2" and node.attr["output_stream"].s not in PRINT_STREAMS


def _stream(node: Any) -> str:
    return node.attr["output_stream"].s.decode("utf-8", errors="replace")[:100]


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
