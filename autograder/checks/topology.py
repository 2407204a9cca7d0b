"""Model topology compared by structure, not by names: what the student built vs. a reference.

Both sides are described as the same JSON: :func:`describe` makes it here, for a reference model
built on the trusted side, and the grader's runner makes it for the student's model, loaded from
the ``.keras`` archive the student's process saved (Keras 3 ``model.get_config()`` plus inputs,
outputs and parameter counts). :func:`parse` turns a
description into a :class:`Topology`, a graph of layer calls (nodes) joined by tensors.

* :func:`signature` gives a canonical, JSON-able form: two models with the same structure have
  equal signatures, whatever their layer names and the order their layers were created in.
* :func:`expect_same_topology` walks both graphs side by side from the outputs and raises
  :class:`~autograder.channel.student.CheckFailure` at the first difference, in the student's words
  ("Embedding should be ONE shared layer called 2 times; yours is not shared ...").
* :func:`copy_weights` then gives the reference the student's weights, so the two models'
  outputs can be compared on fresh inputs.

What counts as "the same":

* layer classes and their key config (units, activation, input_dim, ...); names only where a
  check asks for them (e.g. an output called ``prediction_a``);
* wiring: which layer call feeds which. Commutative merges (Add, Multiply, Average, Maximum,
  Minimum) ignore the order of their inputs; Concatenate, Subtract and the rest do not;
* sharing: a layer with weights called several times in *this* model is shared. Layers without
  weights (pooling, activations, merges) may be shared or not;
* spellings of the same computation: ``Dense(n)`` followed only by an activation equals
  ``Dense(n, activation=...)``; ``Activation("relu")``, ``ReLU()``, ``keras.ops.relu`` and
  ``keras.activations.relu`` are one thing; so are ``x + y`` and ``keras.layers.Add()([x, y])``.

Layers of a nested model are compared as one block (its own signature), not inlined.

The sentences a student reads are in :mod:`autograder.messages`; the parts this module fills into
them (a layer described as ``Dense(units=1)``, the verbs of :data:`MERGE_VERBS`, lists of names) are
built here, with the comparison.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from autograder import messages
from autograder.channel.runner import Model, Runner
from autograder.channel.student import CheckFailure, Student, StudentUnavailable, student_text
from autograder.checks import model_description
from autograder.errors import TfgradeError

__all__ = [
    "Layer",
    "Node",
    "Ref",
    "Spec",
    "Topology",
    "TopologyError",
    "copy_weights",
    "describe",
    "describe_student_model",
    "expect_same_interface",
    "expect_same_topology",
    "parse",
    "signature",
]

COMMUTATIVE = frozenset({"Add", "Multiply", "Average", "Maximum", "Minimum"})
MERGE_VERBS = {  # layer kind -> (what it should do, what yours does)
    "Add": ("add", "adds"),
    "Subtract": ("subtract", "subtracts"),
    "Multiply": ("multiply", "multiplies"),
    "Average": ("average", "averages"),
    "Maximum": ("take the maximum of", "takes the maximum of"),
    "Minimum": ("take the minimum of", "takes the minimum of"),
    "Concatenate": ("concatenate", "concatenates"),
}
ACTIVATION_OPS = {  # keras.ops / keras.activations called on Keras tensors -> activation name
    "Relu": "relu", "Relu6": "relu6", "Sigmoid": "sigmoid", "Tanh": "tanh", "Silu": "silu",
    "Softplus": "softplus", "Softsign": "softsign", "Selu": "selu",
}
OP_MODULES = ("keras.src.ops", "keras.src.activations")
IGNORED_KEYS = frozenset({"name", "trainable", "dtype", "seed", "quantization_config", "registered_name"})
IGNORED_SUFFIXES = ("_initializer", "_regularizer", "_constraint")
IGNORED_CALL_KWARGS = frozenset({"mask", "training"})
SHOWN_FIRST = ("units", "filters", "kernel_size", "input_dim", "output_dim", "rate", "activation", "axis")
HIDDEN_DEFAULTS = {
    "activation": "linear", "use_bias": True, "mask_zero": False, "data_format": "channels_last",
    "keepdims": False, "axis": -1, "padding": "valid", "sparse": False,
}
MODEL_KINDS = frozenset({"Functional", "Sequential", "Model"})

NodeId = tuple[str, int]
"""A layer call: (layer name, index of the call among that layer's calls in this model)."""


class TopologyError(TfgradeError, ValueError):
    """A model description that cannot be read as a graph of layers."""


@dataclass(frozen=True)
class Ref:
    """A tensor: output ``tensor`` of layer call ``node``."""

    node: NodeId
    tensor: int = 0


@dataclass(frozen=True)
class Layer:
    name: str
    kind: str
    """Class name, with spellings of the same thing merged (``ReLU`` -> ``Activation``)."""
    config: tuple[tuple[str, str], ...]
    """The config that matters, as (key, JSON text) pairs sorted by key."""
    params: int | None
    """Parameter count; None when unknown (layers inside a nested model)."""
    calls: int

    @property
    def has_weights(self) -> bool:
        return self.params is None or self.params > 0

    def setting(self, key: str) -> Any:
        return next((json.loads(v) for k, v in self.config if k == key), None)


@dataclass(frozen=True)
class Node:
    id: NodeId
    layer: str
    inputs: tuple[Ref, ...] = ()
    consts: tuple[str, ...] = ()
    """Non-tensor arguments of the call (e.g. the 2.0 of ``x * 2.0``), as JSON text."""
    model_input: int | None = None
    """For an Input: which of the model's inputs it is."""


@dataclass(frozen=True)
class Spec:
    shape: tuple[int | None, ...]
    dtype: str

    @property
    def shape_text(self) -> str:
        dims = ", ".join("None" if d is None else str(d) for d in self.shape)
        return f"({dims},)" if len(self.shape) == 1 else f"({dims})"


@dataclass(frozen=True)
class Topology:
    layers: Mapping[str, Layer]
    nodes: Mapping[NodeId, Node]
    outputs: tuple[Ref, ...]
    inputs: tuple[Spec, ...] = ()
    output_specs: tuple[Spec, ...] = ()
    output_names: tuple[str, ...] = ()
    count_params: int = 0
    built: bool = True
    input_count: int = field(default=0)

    @property
    def output_count(self) -> int:
        return len(self.output_specs) if self.output_specs else len(self.outputs)


# --- reading a description ---------------------------------------------------------------------


def parse(info: Mapping[str, Any]) -> Topology:
    """The graph of a ``describe``/``describe_model`` answer; :class:`TopologyError` if unreadable."""
    try:
        return _parse(info)
    except TopologyError:
        raise
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, RecursionError) as exc:
        raise TopologyError(f"unreadable model description ({type(exc).__name__}: {exc})") from exc


def _parse(info: Mapping[str, Any]) -> Topology:
    params = {str(entry["name"]): int(entry["count_params"]) for entry in info.get("layers") or []}
    graph = _fuse_activations(_graph(info.get("config"), params))
    outputs = tuple(_spec(s) for s in info.get("outputs") or [])
    if outputs and len(outputs) != len(graph.outputs):
        raise TopologyError("the model's outputs do not match its config")
    return replace(
        graph,
        inputs=tuple(_spec(s) for s in info.get("inputs") or []),
        output_specs=outputs,
        output_names=tuple(str(n) for n in info.get("output_names") or []),
        count_params=int(info.get("count_params") or 0),
        built=bool(info.get("built")),
    )


def _spec(value: Mapping[str, Any]) -> Spec:
    return Spec(tuple(None if d is None else int(d) for d in value["shape"]), str(value["dtype"]))


def _graph(config: Any, params: Mapping[str, int]) -> Topology:
    if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
        raise TopologyError("not a Sequential or Functional model (a subclassed model hides its layers)")
    graph = _functional(config, params) if "output_layers" in config else _sequential(config, params)
    _expect_acyclic(graph)
    return graph


def _functional(config: Mapping[str, Any], params: Mapping[str, int]) -> Topology:
    positions = {h[0]: i for i, h in enumerate(_histories(config["input_layers"]))}
    layers: dict[str, Layer] = {}
    nodes: dict[NodeId, Node] = {}
    for entry in config["layers"]:
        name = str(entry["name"])
        if entry["class_name"] == "InputLayer":
            layers[name] = Layer(name, "Input", (), 0, 1)
            nodes[(name, 0)] = Node((name, 0), name, model_input=positions.get(name))
            continue
        calls = entry.get("inbound_nodes") or []
        kind, key = _kind_and_config(entry)
        default_params = 0 if str(entry.get("module") or "").startswith(OP_MODULES) else None
        layers[name] = Layer(name, kind, key, params.get(name, default_params), len(calls))
        for index, call in enumerate(calls):
            refs, consts = _call_arguments(call)
            nodes[(name, index)] = Node((name, index), name, refs, consts)
    outputs = tuple(Ref((h[0], h[1]), h[2]) for h in _histories(config["output_layers"]))
    return Topology(layers, nodes, outputs, input_count=len(positions))


def _sequential(config: Mapping[str, Any], params: Mapping[str, int]) -> Topology:
    entries = [e for e in config["layers"] if e["class_name"] != "InputLayer"]
    first_input = next((e for e in config["layers"] if e["class_name"] == "InputLayer"), None)
    input_name = str(first_input["config"]["name"]) if first_input else "input"
    layers = {input_name: Layer(input_name, "Input", (), 0, 1)}
    nodes = {(input_name, 0): Node((input_name, 0), input_name, model_input=0)}
    previous = Ref((input_name, 0))
    calls: Counter[str] = Counter()
    for entry in entries:
        name = str(entry["config"]["name"])
        kind, key = _kind_and_config(entry)
        node_id = (name, calls[name])
        calls[name] += 1
        layers[name] = Layer(name, kind, key, params.get(name), calls[name])
        nodes[node_id] = Node(node_id, name, (previous,))
        previous = Ref(node_id)
    return Topology(layers, nodes, (previous,), input_count=1)


def _histories(value: Any) -> list[tuple[str, int, int]]:
    """``keras_history``-like triples from input_layers/output_layers; dicts in sorted key order."""
    if isinstance(value, list) and len(value) == 3 and isinstance(value[0], str):
        return [(value[0], int(value[1]), int(value[2]))]
    if isinstance(value, dict):
        return [h for key in sorted(value) for h in _histories(value[key])]
    if isinstance(value, list):
        return [h for item in value for h in _histories(item)]
    raise TopologyError("unreadable model inputs or outputs")


def _call_arguments(call: Mapping[str, Any]) -> tuple[tuple[Ref, ...], tuple[str, ...]]:
    refs: list[Ref] = []
    consts: list[str] = []
    _collect(call.get("args") or [], refs, consts)
    kwargs = call.get("kwargs") or {}
    for key in sorted(kwargs):
        if key not in IGNORED_CALL_KWARGS:
            _collect(kwargs[key], refs, consts)
    return tuple(refs), tuple(consts)


def _collect(value: Any, refs: list[Ref], consts: list[str]) -> None:
    if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
        history = value["config"]["keras_history"]
        refs.append(Ref((str(history[0]), int(history[1])), int(history[2])))
    elif isinstance(value, dict):
        for key in sorted(value):
            _collect(value[key], refs, consts)
    elif isinstance(value, list):
        for item in value:
            _collect(item, refs, consts)
    elif value is not None:
        consts.append(json.dumps(value))


def _kind_and_config(entry: Mapping[str, Any]) -> tuple[str, tuple[tuple[str, str], ...]]:
    kind = str(entry["class_name"])
    raw = entry.get("config")
    config: dict[str, Any] = raw if isinstance(raw, dict) else {}
    if kind in MODEL_KINDS or isinstance(config.get("layers"), list):
        nested = _canonical(_fuse_activations(_graph(config, {})), frozenset())
        return "Model", (("layers", json.dumps(nested, sort_keys=True)),)
    if kind == "ReLU" and not any(config.get(k) for k in ("max_value", "negative_slope", "threshold")):
        return "Activation", (("activation", '"relu"'),)
    if kind in ACTIVATION_OPS and str(entry.get("module") or "").startswith(OP_MODULES):
        return "Activation", (("activation", json.dumps(ACTIVATION_OPS[kind])),)
    key = {k: v for k, v in config.items() if k not in IGNORED_KEYS and not k.endswith(IGNORED_SUFFIXES)}
    if "activation" in key:
        key["activation"] = _activation_name(key["activation"])
    return kind, tuple(sorted((k, json.dumps(v, sort_keys=True)) for k, v in key.items()))


def _activation_name(value: Any) -> Any:
    if value is None:
        return "linear"
    if isinstance(value, dict) and isinstance(value.get("config"), str):
        return value["config"]
    return value


def _fuse_activations(graph: Topology) -> Topology:
    """Fold ``Dense(n)`` + ``Activation(f)`` into ``Dense(n, activation=f)`` where nothing else
    reads the Dense output, so both spellings of the same model compare equal."""
    layers, nodes = dict(graph.layers), dict(graph.nodes)
    readers = Counter(r.node for n in nodes.values() for r in n.inputs) + Counter(r.node for r in graph.outputs)
    moved: dict[NodeId, Ref] = {}
    for node in graph.nodes.values():
        source = _fusable_source(node, layers, nodes, readers)
        if source is None:
            continue
        base = layers[nodes[source.node].layer]
        activation = layers[node.layer].config
        config = tuple(sorted((k, v) for k, v in base.config if k != "activation")) + activation
        layers[base.name] = replace(base, config=tuple(sorted(config)))
        moved[node.id] = source
        del nodes[node.id]
    if not moved:
        return graph
    for node_id, node in nodes.items():
        nodes[node_id] = replace(node, inputs=tuple(moved.get(r.node, r) for r in node.inputs))
    outputs = tuple(moved.get(r.node, r) for r in graph.outputs)
    return replace(graph, layers=layers, nodes=nodes, outputs=outputs)


def _fusable_source(
    node: Node, layers: Mapping[str, Layer], nodes: Mapping[NodeId, Node], readers: Counter[NodeId]
) -> Ref | None:
    if layers[node.layer].kind != "Activation" or len(node.inputs) != 1 or node.consts:
        return None
    source = node.inputs[0]
    base_node = nodes.get(source.node)
    if base_node is None or readers[source.node] != 1:
        return None
    base = layers[base_node.layer]
    return source if base.calls == 1 and base.setting("activation") == "linear" else None


def _expect_acyclic(graph: Topology) -> None:
    state: dict[NodeId, bool] = {}  # False: on the current path, True: done
    stack: list[tuple[NodeId, bool]] = [(r.node, False) for r in graph.outputs]
    while stack:
        node_id, leaving = stack.pop()
        if leaving:
            state[node_id] = True
            continue
        if state.get(node_id) is False:
            raise TopologyError("the model's layers form a cycle")
        if node_id in state:
            continue
        if node_id not in graph.nodes:
            raise TopologyError(f"a layer reads from {node_id[0]!r}, which is not in the model")
        state[node_id] = False
        stack.append((node_id, True))
        stack.extend((r.node, False) for r in graph.nodes[node_id].inputs)


# --- canonical form ------------------------------------------------------------------------------


class _Hasher:
    """Structural hashes of the sub-graph above each node; merges that commute sort their inputs."""

    def __init__(self, graph: Topology) -> None:
        self._graph = graph
        self._memo: dict[NodeId, str] = {}

    def node(self, node_id: NodeId) -> str:
        if node_id not in self._memo:
            node = self._graph.nodes[node_id]
            layer = self._graph.layers[node.layer]
            inputs = [self.ref(r) for r in node.inputs]
            if layer.kind in COMMUTATIVE:
                inputs.sort()
            text = json.dumps([layer.kind, layer.config, node.model_input, node.consts, inputs])
            self._memo[node_id] = hashlib.sha1(text.encode()).hexdigest()
        return self._memo[node_id]

    def ref(self, ref: Ref) -> str:
        return f"{self.node(ref.node)}:{ref.tensor}"

    def inputs(self, node: Node) -> list[Ref]:
        """A node's inputs in canonical order."""
        if self._graph.layers[node.layer].kind in COMMUTATIVE:
            return sorted(node.inputs, key=self.ref)
        return list(node.inputs)


def signature(info: Mapping[str, Any], *, names: Iterable[str] = ()) -> dict[str, Any]:
    """A canonical, JSON-able form of a model's structure: equal for models built alike.

    Layer names are left out except those in ``names``; node and layer ids come from a walk from
    the outputs, so they do not depend on the order the layers were created in.
    """
    return _canonical(parse(info), frozenset(names))


def _canonical(graph: Topology, names: frozenset[str]) -> dict[str, Any]:
    hasher = _Hasher(graph)
    order = _walk_order(graph, hasher)
    ids = {node_id: f"n{i}" for i, node_id in enumerate(order)}
    layer_ids: dict[str, str] = {}
    nodes = [_canonical_node(graph, graph.nodes[n], hasher, ids, layer_ids, names) for n in order]
    weighted = {lid: graph.layers[name] for name, lid in layer_ids.items()}
    outputs: list[dict[str, Any]] = [{"tensor": f"{ids[r.node]}:{r.tensor}"} for r in graph.outputs]
    for i, (entry, spec) in enumerate(zip(outputs, graph.output_specs, strict=False)):
        entry |= {"shape": list(spec.shape), "dtype": spec.dtype}
        if i < len(graph.output_names) and graph.output_names[i] in names:
            entry["name"] = graph.output_names[i]
    return {
        "inputs": [{"shape": list(s.shape), "dtype": s.dtype} for s in graph.inputs],
        "outputs": outputs,
        "nodes": nodes,
        "layers": {lid: {"calls": layer.calls, "params": layer.params} for lid, layer in weighted.items()},
        "count_params": graph.count_params,
    }


def _walk_order(graph: Topology, hasher: _Hasher) -> list[NodeId]:
    """Nodes in post-order of a depth-first walk from the outputs, inputs in canonical order."""
    order: list[NodeId] = []
    seen: set[NodeId] = set()
    stack: list[tuple[NodeId, bool]] = [(r.node, False) for r in reversed(graph.outputs)]
    while stack:
        node_id, leaving = stack.pop()
        if leaving:
            order.append(node_id)
        elif node_id not in seen:
            seen.add(node_id)
            stack.append((node_id, True))
            stack.extend((r.node, False) for r in reversed(hasher.inputs(graph.nodes[node_id])))
    return order


def _canonical_node(
    graph: Topology, node: Node, hasher: _Hasher, ids: Mapping[NodeId, str], layer_ids: dict[str, str],
    names: frozenset[str],
) -> dict[str, Any]:
    layer = graph.layers[node.layer]
    entry: dict[str, Any] = {"id": ids[node.id], "class": layer.kind}
    if layer.config:
        entry["config"] = {k: json.loads(v) for k, v in layer.config}
    if node.model_input is not None:
        entry["input"] = node.model_input
    if layer.has_weights and layer.kind != "Input":
        entry["layer"] = layer_ids.setdefault(layer.name, f"L{len(layer_ids)}")
    if node.inputs:
        entry["inputs"] = [f"{ids[r.node]}:{r.tensor}" for r in hasher.inputs(node)]
    if node.consts:
        entry["consts"] = [json.loads(c) for c in node.consts]
    if layer.name in names:
        entry["name"] = layer.name
    return entry


# --- comparing with a reference ------------------------------------------------------------------


class _Difference(Exception):
    """The first difference found; the message completes "<what>: ..."."""


def expect_same_topology(
    actual_info: Mapping[str, Any],
    expected_info: Mapping[str, Any],
    *,
    what: str,
    check_names: Iterable[str] = (),
) -> dict[str, str]:
    """Raise :class:`CheckFailure` naming the first way the student's model differs from the reference.

    ``actual_info`` comes from :func:`load_student_model`, ``expected_info`` from
    :func:`describe` of a reference built in the check. ``check_names`` lists the reference's
    layer and output names the student must use too. Returns which student layer plays each
    reference layer (reference name -> student name), for :func:`copy_weights`.
    """
    expected = parse(expected_info)
    try:
        actual = parse(actual_info)
    except TopologyError as exc:
        raise CheckFailure(student_text(messages.TOPOLOGY_UNREADABLE.format(what=what, error=exc), 1000)) from None
    names = frozenset(check_names)
    try:
        _expect_interface(actual, expected, names)
        pairs = _Matcher(actual, expected, names).run()
        _expect_parameter_count(actual, expected)
    except _Difference as diff:
        raise CheckFailure(student_text(f"{what}: {diff}", 1000)) from None
    except RecursionError:
        raise CheckFailure(messages.TOPOLOGY_TOO_DEEP.format(what=what)) from None
    return pairs


def expect_same_interface(
    actual_info: Mapping[str, Any], expected_info: Mapping[str, Any], *, what: str, check_names: Iterable[str] = ()
) -> None:
    """Like :func:`expect_same_topology`, but only the inputs and outputs (count, shape, dtype and
    the names in ``check_names``). ``expected_info`` needs only ``inputs``, ``outputs`` and
    ``output_names``, so a public check can write it by hand."""
    try:
        actual, expected = _interface_only(actual_info), _interface_only(expected_info)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise CheckFailure(student_text(messages.INTERFACE_UNREADABLE.format(what=what, error=exc))) from None
    try:
        _expect_interface(actual, expected, frozenset(check_names))
    except _Difference as diff:
        raise CheckFailure(student_text(f"{what}: {diff}", 1000)) from None


def _interface_only(info: Mapping[str, Any]) -> Topology:
    return Topology(
        layers={}, nodes={}, outputs=(),
        inputs=tuple(_spec(s) for s in info.get("inputs") or []),
        output_specs=tuple(_spec(s) for s in info.get("outputs") or []),
        output_names=tuple(str(n) for n in info.get("output_names") or []),
    )


def _expect_interface(actual: Topology, expected: Topology, names: frozenset[str]) -> None:
    if expected.inputs and not actual.inputs:
        raise _Difference(messages.NOT_BUILT.format())
    if actual.output_count != expected.output_count:
        raise _Difference(messages.OUTPUT_COUNT.format(
            expected=expected.output_count, actual=actual.output_count, count=expected.output_count
        ))
    if len(actual.inputs) != len(expected.inputs):
        raise _Difference(messages.INPUT_COUNT.format(
            expected=len(expected.inputs), actual=len(actual.inputs), count=len(expected.inputs)
        ))
    for i, (a, e) in enumerate(zip(actual.inputs, expected.inputs, strict=True)):
        _expect_spec(a, e, _input_label(len(expected.inputs), i), messages.DTYPE_HINT_INPUT.format(dtype=e.dtype))
    _expect_output_names(actual, expected, names)
    for i, (a, e) in enumerate(zip(actual.output_specs, expected.output_specs, strict=False)):
        _expect_spec(a, e, _output_label(expected, i, names), "")


def _expect_spec(actual: Spec, expected: Spec, label: str, dtype_hint: str) -> None:
    if actual.shape != expected.shape:
        raise _Difference(
            messages.SPEC_SHAPE.format(label=label, expected=expected.shape_text, actual=actual.shape_text)
        )
    if actual.dtype != expected.dtype:
        hint = f" ({dtype_hint})" if dtype_hint else ""
        raise _Difference(
            messages.SPEC_DTYPE.format(label=label, expected=expected.dtype, actual=actual.dtype, hint=hint)
        )


def _expect_output_names(actual: Topology, expected: Topology, names: frozenset[str]) -> None:
    for i, name in enumerate(expected.output_names):
        if name not in names:
            continue
        mine = actual.output_names[i] if i < len(actual.output_names) else ""
        if mine == name:
            continue
        if name in actual.output_names:
            raise _Difference(messages.OUTPUT_NAMES_ORDER.format(
                expected=_listing(expected.output_names), actual=_listing(actual.output_names)
            ))
        yours = messages.YOURS_NAMED.format(name=mine) if mine else messages.YOURS_UNNAMED.format()
        raise _Difference(messages.OUTPUT_NAME.format(index=i + 1, name=name, yours=yours))


def _expect_parameter_count(actual: Topology, expected: Topology) -> None:
    if actual.count_params != expected.count_params:
        raise _Difference(messages.PARAMETER_COUNT.format(actual=actual.count_params, expected=expected.count_params))


@dataclass(frozen=True)
class _Where:
    output: str
    reader: str | None = None
    """The reference layer that reads the tensor being compared (None: a model output)."""

    def __str__(self) -> str:
        if self.reader is None:
            return messages.WHERE_OUTPUT.format(output=self.output)
        return messages.WHERE_READER.format(reader=self.reader, output=self.output)


class _Matcher:
    """Walks both graphs from the outputs, pairing reference nodes and layers with the student's."""

    def __init__(self, actual: Topology, expected: Topology, names: frozenset[str]) -> None:
        self.a, self.e, self.names = actual, expected, names
        self.a_hash, self.e_hash = _Hasher(actual), _Hasher(expected)
        self.nodes: dict[NodeId, NodeId] = {}
        self.nodes_back: dict[NodeId, NodeId] = {}
        self.first_seen: dict[NodeId, _Where] = {}
        self.layers: dict[str, str] = {}
        self.layers_back: dict[str, str] = {}

    def run(self) -> dict[str, str]:
        for i, (e_ref, a_ref) in enumerate(zip(self.e.outputs, self.a.outputs, strict=True)):
            self._visit(e_ref, a_ref, _Where(_output_label(self.e, i, self.names)))
        return dict(self.layers)

    def _visit(self, e_ref: Ref, a_ref: Ref, where: _Where) -> None:
        e_node, a_node = self.e.nodes[e_ref.node], self.a.nodes[a_ref.node]
        if self._same_input(e_node, a_node, where):
            return
        seen = self._seen(e_node, a_node, where)
        if not seen:
            self._compare(e_node, a_node, where)
        if e_ref.tensor != a_ref.tensor:
            raise _Difference(messages.OTHER_TENSOR.format(
                where=where, expected=e_ref.tensor + 1, layer=self._desc_e(e_node), actual=a_ref.tensor + 1
            ))
        if seen:
            return
        self.nodes[e_node.id], self.nodes_back[a_node.id] = a_node.id, e_node.id
        self.first_seen[e_node.id] = where
        self._pair_layers(e_node, a_node, where)
        self._visit_inputs(e_node, a_node, where)

    def _same_input(self, e_node: Node, a_node: Node, where: _Where) -> bool:
        """True when both are the same model input; a difference if only one is an input."""
        e_in, a_in = e_node.model_input, a_node.model_input
        if e_in is None and a_in is None:
            return False
        count = len(self.e.inputs) or self.e.input_count
        if e_in is None:
            assert a_in is not None  # both None returned above
            raise _Difference(messages.MISSING_LAYER.format(
                where=where, layer=self._desc_e(e_node), input=_input_label(count, a_in)
            ))
        if a_in is None:
            raise _Difference(messages.EXTRA_LAYER.format(
                where=where, input=_input_label(count, e_in), layer=self._desc_a(a_node)
            ))
        if e_in != a_in:
            raise _Difference(messages.OTHER_INPUT.format(
                where=where, expected=_input_label(count, e_in), actual=_input_label(count, a_in)
            ))
        return True

    def _seen(self, e_node: Node, a_node: Node, where: _Where) -> bool:
        paired, back = self.nodes.get(e_node.id), self.nodes_back.get(a_node.id)
        if paired is None and back is None:
            return False
        if paired == a_node.id:
            return True
        if paired is not None:
            raise _Difference(messages.NOT_REUSED.format(
                where=where, layer=self._desc_e(e_node), first=self.first_seen[e_node.id]
            ))
        assert back is not None  # neither paired: returned above
        raise _Difference(messages.REUSED.format(where=where, layer=self._desc_e(e_node), first=self.first_seen[back]))

    def _compare(self, e_node: Node, a_node: Node, where: _Where) -> None:
        e, a = self.e.layers[e_node.layer], self.a.layers[a_node.layer]
        if e.kind != a.kind or (e.kind == "Model" and e.config != a.config):
            raise _Difference(messages.OTHER_LAYER.format(where=where, expected=_desc(e), actual=_desc(a)))
        differ = _config_differences(e, a)
        if differ:
            wanted = ", ".join(f"{k}={_show(v)}" for k, v, _ in differ)
            got = ", ".join(f"{k}={_show(v)}" for k, _, v in differ)
            raise _Difference(messages.OTHER_CONFIG.format(where=where, kind=e.kind, expected=wanted, actual=got))
        if e_node.consts != a_node.consts:
            raise _Difference(messages.OTHER_ARGUMENTS.format(
                where=where, layer=_desc(e), expected=_consts(e_node), actual=_consts(a_node)
            ))
        if e.name in self.names and a.name != e.name and e.name not in self.e.output_names:
            raise _Difference(
                messages.OTHER_LAYER_NAME.format(where=where, layer=_desc(e), expected=e.name, actual=a.name)
            )

    def _pair_layers(self, e_node: Node, a_node: Node, where: _Where) -> None:
        e, a = self.e.layers[e_node.layer], self.a.layers[a_node.layer]
        if not e.has_weights:
            return
        known, back = self.layers.get(e.name), self.layers_back.get(a.name)
        if known is not None and known != a.name:
            raise _Difference(messages.NOT_SHARED.format(kind=e.kind, calls=e.calls))
        if back is not None and back != e.name:
            raise _Difference(messages.SHARED.format(where=where, layer=_desc(e), kind=a.kind))
        self.layers[e.name], self.layers_back[a.name] = a.name, e.name

    def _visit_inputs(self, e_node: Node, a_node: Node, where: _Where) -> None:
        e_refs, a_refs = self.e_hash.inputs(e_node), self.a_hash.inputs(a_node)
        desc = self._desc_e(e_node)
        if len(e_refs) != len(a_refs):
            raise _Difference(messages.TAKES_INPUTS.format(
                where=where, layer=desc, expected=len(e_refs), actual=len(a_refs), count=len(e_refs)
            ))
        if len(e_refs) > 1:
            a_refs = self._pair_merge_inputs(e_node, e_refs, a_refs, where)
        inner = _Where(where.output, desc)
        for e_ref, a_ref in zip(e_refs, a_refs, strict=True):
            self._visit(e_ref, a_ref, inner)

    def _pair_merge_inputs(self, e_node: Node, e_refs: list[Ref], a_refs: list[Ref], where: _Where) -> list[Ref]:
        """The student's inputs in the order that pairs them with the reference's."""
        e_hashes = [self.e_hash.ref(r) for r in e_refs]
        a_hashes = [self.a_hash.ref(r) for r in a_refs]
        if e_hashes == a_hashes:
            return a_refs
        kind = self.e.layers[e_node.layer].kind
        if kind not in COMMUTATIVE and sorted(e_hashes) == sorted(a_hashes):
            raise self._merge_difference(e_node, e_refs, a_refs, where, wrong_order=True)
        order = _pairing(e_hashes, a_hashes) if kind in COMMUTATIVE else list(range(len(a_refs)))
        paired = [a_refs[j] for j in order]
        for e_ref, a_ref in zip(e_refs, paired, strict=True):
            if self._shallow(self.e, e_ref) != self._shallow(self.a, a_ref):
                raise self._merge_difference(e_node, e_refs, a_refs, where, wrong_order=False)
        return paired

    def _merge_difference(self, e_node: Node, e_refs: list[Ref], a_refs: list[Ref], where: _Where,
                          *, wrong_order: bool) -> _Difference:
        should, does = MERGE_VERBS.get(self.e.layers[e_node.layer].kind, ("combine", "combines"))
        wanted = _joined([self._tensor_desc(self.e, r) for r in e_refs])
        got = _joined([self._tensor_desc(self.a, r) for r in a_refs])
        layer = self._desc_e(e_node)
        if wrong_order:
            text = messages.MERGE_ORDER.format(where=where, layer=layer, should=should, expected=wanted, does=does,
                                               actual=got)
        else:
            text = messages.MERGE_INPUTS.format(where=where, layer=layer, should=should, expected=wanted, does=does,
                                                actual=got)
        return _Difference(text)

    def _shallow(self, graph: Topology, ref: Ref) -> tuple[Any, ...]:
        node = graph.nodes[ref.node]
        layer = graph.layers[node.layer]
        return (layer.kind, layer.config, node.model_input, node.consts, ref.tensor)

    def _tensor_desc(self, graph: Topology, ref: Ref) -> str:
        node = graph.nodes[ref.node]
        count = len(self.e.inputs) or self.e.input_count
        if node.model_input is not None:
            return _input_label(count, node.model_input)
        layer = _desc(graph.layers[node.layer])
        if count <= 1:
            return messages.OUTPUT_OF.format(layer=layer)
        sources = sorted(_sources(graph, ref.node))
        source = _input_label(count, sources[0]) if len(sources) == 1 else messages.SEVERAL_INPUTS.format()
        return messages.OUTPUT_OF_FROM.format(layer=layer, source=source)

    def _desc_e(self, node: Node) -> str:
        return _desc(self.e.layers[node.layer])

    def _desc_a(self, node: Node) -> str:
        return _desc(self.a.layers[node.layer])


def _pairing(e_hashes: list[str], a_hashes: list[str]) -> list[int]:
    """For each reference input, the student's input to compare it with: equal ones first."""
    free = list(range(len(a_hashes)))
    order: list[int | None] = []
    for h in e_hashes:
        j = next((j for j in free if a_hashes[j] == h), None)
        if j is not None:
            free.remove(j)
        order.append(j)
    return [j if j is not None else free.pop(0) for j in order]


def _sources(graph: Topology, node_id: NodeId) -> set[int]:
    found: set[int] = set()
    stack, seen = [node_id], set()
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        node = graph.nodes[current]
        if node.model_input is not None:
            found.add(node.model_input)
        stack.extend(r.node for r in node.inputs)
    return found


def _config_differences(e: Layer, a: Layer) -> list[tuple[str, Any, Any]]:
    e_config, a_config = dict(e.config), dict(a.config)
    keys = sorted(set(e_config) | set(a_config), key=_shown_order)
    return [
        (k, _loads(e_config.get(k)), _loads(a_config.get(k))) for k in keys if e_config.get(k) != a_config.get(k)
    ]


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _shown_order(key: str) -> tuple[int, str]:
    return (SHOWN_FIRST.index(key) if key in SHOWN_FIRST else len(SHOWN_FIRST), key)


def _desc(layer: Layer) -> str:
    """How a layer is named in messages, e.g. ``Dense(units=1, activation='sigmoid')``."""
    if layer.kind == "Input":
        return messages.AN_INPUT.format()
    if layer.kind == "Model":
        return messages.A_NESTED_MODEL.format()
    if layer.kind == "Activation":
        return f"Activation({_show(layer.setting('activation'))})"
    shown = []
    for key in sorted((k for k, _ in layer.config), key=_shown_order):
        value = layer.setting(key)
        if value is not None and HIDDEN_DEFAULTS.get(key, object()) != value:
            shown.append(f"{key}={_show(value)}")
    return f"{layer.kind}({', '.join(shown)})"


def _show(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, list):
        return "(" + ", ".join(_show(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    return json.dumps(value)


def _consts(node: Node) -> str:
    return ", ".join(_show(json.loads(c)) for c in node.consts) or messages.NO_EXTRA_ARGUMENTS.format()


def _input_label(count: int, index: int) -> str:
    return messages.THE_MODELS_INPUT.format() if count == 1 else messages.INPUT_NUMBER.format(number=index + 1)


def _output_label(graph: Topology, index: int, names: frozenset[str]) -> str:
    if graph.output_count == 1:
        return messages.THE_MODELS_OUTPUT.format()
    name = graph.output_names[index] if index < len(graph.output_names) else ""
    if name in names:
        return messages.OUTPUT_CALLED.format(name=name)
    return messages.OUTPUT_NUMBER.format(number=index + 1)


def _joined(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _listing(names: Iterable[str]) -> str:
    return "[" + ", ".join(names) + "]"


# --- the trusted side: describing a reference, copying the student's weights into it -------------


def describe(model: Any) -> dict[str, Any]:
    """The description the runner gives of a student's model, made here for a trusted model."""
    return model_description.describe(model)


def describe_student_model(student: Student, runner: Runner, builder: str, *, store_as: str) -> dict[str, Any]:
    """Call the student's ``builder()`` and describe the model it returns, from its ``.keras`` archive."""
    return load_student_model(student, runner, builder, store_as=store_as).description


def load_student_model(student: Student, runner: Runner, builder: str, *, store_as: str) -> Model:
    """Call the student's ``builder()``, keep the model as ``store_as``, and have the runner load it.

    The description comes from the model's saved archive as the grader's runner loads it (built-in
    Keras layers only, ``safe_mode=True``), never from what the student's process says the model is.
    """
    answer = student.call(builder, store_as=store_as)
    kind = str(answer.get("type", "")) if isinstance(answer, dict) else ""
    try:
        archive = student.export_model(store_as)
    except StudentUnavailable:
        raise
    except CheckFailure:
        shown = student_text(kind, 100) or messages.UNREADABLE_VALUE.format()
        raise CheckFailure(messages.NOT_A_MODEL.format(builder=builder, kind=shown)) from None
    return runner.load_model(archive, messages.MODEL_FROM.format(builder=builder))


def copy_weights(runner: Runner, model: Model, reference: Any, pairs: Mapping[str, str]) -> None:
    """Give the trusted ``reference`` the weights of the student's ``model`` (as the runner loaded
    it), layer by layer as paired by :func:`expect_same_topology`.

    Layers are fetched by name, so the student's layer order does not matter.
    """
    for layer in reference.layers:
        if not layer.weights:
            continue
        values = runner.layer_weights(model, pairs[layer.name])
        shapes = [tuple(w.shape) for w in layer.weights]
        if [tuple(v.shape) for v in values] != shapes:
            raise CheckFailure(messages.WEIGHT_SHAPES.format(
                layer=student_text(pairs[layer.name], 100), actual=[tuple(v.shape) for v in values], expected=shapes
            ))
        layer.set_weights(values)
