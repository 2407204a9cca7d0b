"""Reading a model description as a graph of layer calls (:class:`Topology`)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from autograder.checks.topology.canonical import canonical
from autograder.checks.topology.nodes import (
    ACTIVATION_OPS,
    IGNORED_CALL_KWARGS,
    IGNORED_KEYS,
    IGNORED_SUFFIXES,
    MODEL_KINDS,
    OP_MODULES,
    Layer,
    Node,
    NodeId,
    Ref,
    Spec,
    Topology,
    TopologyError,
)

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
        # A nested model is compared as one block: its own canonical form.
        nested = canonical(_fuse_activations(_graph(config, {})), frozenset())
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


