"""The canonical form of a topology: equal for models of the same structure, whatever their names and order.

Built from parsed graphs, and used while parsing one: a nested model is compared as one block, its
own canonical form. So it reads only the data types (:mod:`autograder.checks.topology.nodes`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from autograder.checks.topology.nodes import COMMUTATIVE, Node, NodeId, Ref, Topology

# --- canonical form ------------------------------------------------------------------------------


class Hasher:
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


def canonical(graph: Topology, names: frozenset[str]) -> dict[str, Any]:
    hasher = Hasher(graph)
    order = _walk_order(graph, hasher)
    ids = {node_id: f"n{i}" for i, node_id in enumerate(order)}
    layer_ids: dict[str, str] = {}
    nodes = [_canonical_node(graph, graph.nodes[n], hasher, ids, layer_ids, names) for n in order]
    tracked = {lid: graph.layers[name] for name, lid in layer_ids.items()}
    outputs: list[dict[str, Any]] = [{"tensor": f"{ids[r.node]}:{r.tensor}"} for r in graph.outputs]
    for i, (entry, spec) in enumerate(zip(outputs, graph.output_specs, strict=False)):
        entry |= {"shape": list(spec.shape), "dtype": spec.dtype}
        if i < len(graph.output_names) and graph.output_names[i] in names:
            entry["name"] = graph.output_names[i]
    return {
        "inputs": [{"shape": list(s.shape), "dtype": s.dtype} for s in graph.inputs],
        "outputs": outputs,
        "nodes": nodes,
        "layers": {lid: {"calls": layer.calls, "params": layer.params} for lid, layer in tracked.items()},
        "count_params": graph.count_params,
    }


def _walk_order(graph: Topology, hasher: Hasher) -> list[NodeId]:
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
    graph: Topology, node: Node, hasher: Hasher, ids: Mapping[NodeId, str], layer_ids: dict[str, str],
    names: frozenset[str],
) -> dict[str, Any]:
    layer = graph.layers[node.layer]
    entry: dict[str, Any] = {"id": ids[node.id], "class": layer.kind}
    if layer.config:
        entry["config"] = {k: json.loads(v) for k, v in layer.config}
    if node.model_input is not None:
        entry["input"] = node.model_input
    if layer.is_tracked:
        entry["layer"] = layer_ids.setdefault(layer.name, f"L{len(layer_ids)}")
    if node.inputs:
        entry["inputs"] = [f"{ids[r.node]}:{r.tensor}" for r in hasher.inputs(node)]
    if node.consts:
        entry["consts"] = [json.loads(c) for c in node.consts]
    if layer.name in names:
        entry["name"] = layer.name
    return entry


