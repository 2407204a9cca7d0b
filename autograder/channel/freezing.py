"""Today's graph export: a traced function frozen into one ``GraphDef`` (weights become constants).

Moved here from the student's process, which no longer exports anything: the grader's clean room
(:mod:`autograder.channel.clean_room`) calls :func:`export` on the concrete function it traced.
A function that assigns to a ``tf.Variable`` cannot be frozen this way; the runner's variable-keeping
export (``autograder.channel.graph_export``) replaces this module with the same ``export`` name.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.channel import protocol
from autograder.channel.student import GraphArtifact


def export(concrete: Any) -> GraphArtifact:
    """A concrete function frozen into graph bytes, with its inputs' and outputs' tensor names."""
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

    # Keep control flow as While/If ops (lowering would turn a loop into v1 Enter/Exit/Merge ops).
    frozen = convert_variables_to_constants_v2(concrete, lower_control_flow=False)
    graph = frozen.graph.as_graph_def().SerializeToString()
    return GraphArtifact(graph, tuple(t.name for t in frozen.inputs), tuple(t.name for t in frozen.outputs))


def encode(artifact: GraphArtifact, arrays: list[np.ndarray]) -> Any:
    """The artifact as a protocol tree (its bytes as one array)."""
    graph = np.frombuffer(artifact.graph, dtype=np.uint8)
    return protocol.encode_plain({"graph": graph, "inputs": list(artifact.inputs), "outputs": list(artifact.outputs)},
                                 arrays)


def decode(tree: Any, arrays: list[np.ndarray]) -> GraphArtifact:
    """The artifact back from a protocol tree; ``ValueError`` when it is not one."""
    value = protocol.decode_value(tree, arrays)
    try:
        graph = value["graph"]
        if not isinstance(graph, protocol.ArrayValue) or graph.dtype != np.uint8:
            raise TypeError("graph is not bytes")
        inputs = tuple(str(n) for n in value["inputs"])
        outputs = tuple(str(n) for n in value["outputs"])
    except (KeyError, TypeError) as exc:
        raise ValueError(f"not a graph artifact: {exc}") from exc
    return GraphArtifact(graph.array.tobytes(), inputs, outputs)
