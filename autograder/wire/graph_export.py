"""A traced ``tf.function`` as a graph artifact: its graph, and its variables kept as variables.

The grader exports a concrete function (see :func:`export`) and its runner
(:mod:`autograder.runner_side.runner_process`) recreates it with no student code. Freezing with
``convert_variables_to_constants_v2`` breaks honest TF 2 code: a ``tf.Variable`` counter updated
with ``assign_add`` inside an AutoGraph ``while`` loop cannot become a constant, because the assign
op needs a resource. So the graph is exported as traced (control flow kept as ``While``/``If``, its
bodies in the library), and every tensor the function captured is listed with the placeholder
that stands for it inside the graph: a variable (created inside the function on its first trace,
or captured from outside) with its current value, or a constant with its value. The runner makes a
fresh ``tf.Variable`` of each value and wires it to that placeholder.

One format for the clean room, the check process and the runner: :meth:`GraphArtifact.encode` and
:meth:`GraphArtifact.decode` turn an artifact into the wire's JSON, its arrays into ``.npy`` frames
(:mod:`autograder.wire.protocol`), never pickle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from autograder.errors import TfgradeError
from autograder.wire import protocol

CaptureKind = Literal["variable", "constant"]
CAPTURE_KINDS: frozenset[str] = frozenset({"variable", "constant"})
MAX_NAME_CHARS = 1000
MAX_CAPTURES = 10_000
VALUE_DTYPES = frozenset({
    "float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "bool", "complex64", "complex128",
})
"""Tensor dtypes whose values cross as ``.npy`` as they are (no strings, resources or variants)."""


class GraphExportError(TfgradeError):
    """The grader cannot export this function as an artifact (the grader's limit, not the student's error)."""


@dataclass(frozen=True, eq=False)
class Capture:
    """A tensor the function captured, and the placeholder that stands for it inside the graph.

    Compared by identity (``eq=False``): ``==`` on its array would be elementwise.
    """

    placeholder: str
    """The placeholder's tensor name in the graph, e.g. ``"AssignVariableOp/resource:0"``."""
    kind: CaptureKind
    value: np.ndarray
    """A variable's value when exported (where every run starts), or the constant's value."""
    dtype: str
    """The TensorFlow dtype name of the value (the variable's dtype, not ``resource``)."""

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.value.shape)


@dataclass(frozen=True)
class GraphArtifact:
    """A traced tf.function as bytes for the grader's runner: its graph, inputs, outputs and captures.

    ``inputs`` and ``outputs`` name the graph's tensors in call order; the runner checks they exist.
    ``captures`` is empty for a graph that captures nothing (or one frozen into constants).
    """

    graph: bytes
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    captures: tuple[Capture, ...] = ()

    def encode(self, arrays: list[np.ndarray]) -> dict[str, Any]:
        """The artifact as a JSON tree for a message header; its arrays are appended to ``arrays``."""
        return {
            "graph": protocol.encode_plain(np.frombuffer(self.graph, np.uint8), arrays),
            "inputs": list(self.inputs),
            "outputs": list(self.outputs),
            "captures": [
                {"placeholder": c.placeholder, "kind": c.kind, "dtype": c.dtype, "shape": list(c.shape),
                 "value": protocol.encode_plain(c.value, arrays)}
                for c in self.captures
            ],
        }

    @classmethod
    def decode(cls, tree: Any, arrays: list[np.ndarray]) -> GraphArtifact:
        """An artifact from a message header; ``ValueError`` on anything malformed."""
        if not isinstance(tree, dict):
            raise ValueError("the artifact is not a JSON object")
        graph = _array(tree.get("graph"), arrays)
        if graph.dtype != np.uint8 or graph.ndim != 1:
            raise ValueError("the artifact's graph is not bytes")
        captures = _list(tree.get("captures", []), "captures")
        if len(captures) > MAX_CAPTURES:
            raise ValueError("the artifact captures too many tensors")
        return cls(
            graph=graph.tobytes(),
            inputs=tuple(_name(n) for n in _list(tree.get("inputs"), "inputs")),
            outputs=tuple(_name(n) for n in _list(tree.get("outputs"), "outputs")),
            captures=tuple(_capture(c, arrays) for c in captures),
        )


def _capture(tree: Any, arrays: list[np.ndarray]) -> Capture:
    if not isinstance(tree, dict):
        raise ValueError("a capture is not a JSON object")
    kind, dtype = tree.get("kind"), tree.get("dtype")
    if kind not in CAPTURE_KINDS:
        raise ValueError(f"unknown capture kind {str(kind)[:40]!r}")
    if dtype not in VALUE_DTYPES:
        raise ValueError(f"a capture of dtype {str(dtype)[:40]!r} cannot cross")
    value = _array(tree.get("value"), arrays)
    if value.dtype != np.dtype(dtype) or list(value.shape) != tree.get("shape"):
        raise ValueError("a capture's value does not match its dtype and shape")
    return Capture(_name(tree.get("placeholder")), kind, value, dtype)


def _array(tree: Any, arrays: list[np.ndarray]) -> np.ndarray:
    try:
        value = protocol.decode_value(tree, arrays)
    except (protocol.ProtocolError, KeyError) as exc:
        raise ValueError(f"malformed array in the artifact: {exc}") from exc
    if not isinstance(value, protocol.ArrayValue):
        raise ValueError("expected an array in the artifact")
    return value.array


def _list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError(f"the artifact's {what} is not a list")
    return value


def _name(value: Any) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= MAX_NAME_CHARS:
        raise ValueError("a tensor name is not a short string")
    return value


# --- exporting (where TensorFlow traced the function) ------------------------------------------


def export(concrete: Any) -> GraphArtifact:
    """A concrete function as an artifact: its graph as traced, and every capture with its value.

    ``concrete`` is what ``fn.get_concrete_function(...)`` returns. Raises :class:`GraphExportError`
    for a capture that is neither a variable nor a plain tensor (a lookup table, a dataset...).
    """
    graph = concrete.graph
    graph_def = graph.as_graph_def()
    real = len(concrete.inputs) - len(concrete.captured_inputs)
    variables = {id(v.handle): v for v in [*concrete.variables, *graph.variables]}
    placeholders = {node.name for node in graph_def.node if node.op == "Placeholder"}
    # A small captured constant is already in the graph as a Const (captured by value): nothing to wire.
    captures = tuple(_exported_capture(outer, inner, variables) for outer, inner in graph.captures
                     if inner.name.split(":")[0] in placeholders)
    return GraphArtifact(
        graph=graph_def.SerializeToString(),
        inputs=tuple(t.name for t in concrete.inputs[:real]),
        outputs=tuple(t.name for t in concrete.outputs),
        captures=captures,
    )


def _exported_capture(outer: Any, inner: Any, variables: dict[int, Any]) -> Capture:
    import tensorflow as tf

    if outer.dtype == tf.resource:
        variable = variables.get(id(outer))
        if variable is None:
            raise GraphExportError(f"the function captures a resource that is not a tf.Variable ({inner.name})")
        return Capture(inner.name, "variable", _value(variable.read_value(), inner.name), variable.dtype.name)
    if not hasattr(outer, "numpy"):
        raise GraphExportError(f"the function captures a symbolic tensor ({inner.name})")
    return Capture(inner.name, "constant", _value(outer, inner.name), outer.dtype.name)


def _value(tensor: Any, name: str) -> np.ndarray:
    if tensor.dtype.name not in VALUE_DTYPES:
        raise GraphExportError(f"the function captures a {tensor.dtype.name} tensor ({name}), which cannot be exported")
    return np.array(tensor.numpy())
