"""Today's graph export: a traced function frozen into one ``GraphDef`` (weights become constants).

Moved here from the student's process, which no longer exports anything: the grader's clean room
(:mod:`autograder.channel.clean_room`) calls :func:`export` on the concrete function it traced.
A function that assigns to a ``tf.Variable`` cannot be frozen this way (the assign op needs a
resource, not a constant); the runner's variable-keeping export, ``autograder.channel.graph_export``,
has the same names (``GraphArtifact`` with ``encode``/``decode``, ``export``), so replacing this
module is one import in the clean room and its handle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from autograder.channel import protocol

MAX_NAME_CHARS = 1000


@dataclass(frozen=True)
class GraphArtifact:
    """A traced tf.function as bytes for the grader's runner.

    ``inputs`` and ``outputs`` name the graph's tensors in call order; the runner checks they exist.
    """

    graph: bytes
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]

    def encode(self, arrays: list[np.ndarray]) -> dict[str, Any]:
        """The artifact as a JSON tree for a message header; its bytes are appended to ``arrays``."""
        return {"graph": protocol.encode_plain(np.frombuffer(self.graph, np.uint8), arrays),
                "inputs": list(self.inputs), "outputs": list(self.outputs)}

    @classmethod
    def decode(cls, tree: Any, arrays: list[np.ndarray]) -> GraphArtifact:
        """An artifact from a message header; ``ValueError`` on anything malformed."""
        if not isinstance(tree, dict):
            raise ValueError("the artifact is not a JSON object")
        try:
            graph = protocol.decode_value(tree.get("graph"), arrays)
        except (protocol.ProtocolError, KeyError) as exc:
            raise ValueError(f"malformed graph in the artifact: {exc}") from exc
        if not isinstance(graph, protocol.ArrayValue) or graph.dtype != np.uint8 or graph.array.ndim != 1:
            raise ValueError("the artifact's graph is not bytes")
        return cls(graph.array.tobytes(), _names(tree.get("inputs")), _names(tree.get("outputs")))


def _names(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(n, str) and 0 < len(n) <= MAX_NAME_CHARS for n in value):
        raise ValueError("the artifact's tensor names are not a list of short strings")
    return tuple(value)


def export(concrete: Any) -> GraphArtifact:
    """A concrete function frozen into graph bytes, with its inputs' and outputs' tensor names."""
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

    # Keep control flow as While/If ops (lowering would turn a loop into v1 Enter/Exit/Merge ops).
    frozen = convert_variables_to_constants_v2(concrete, lower_control_flow=False)
    graph = frozen.graph.as_graph_def().SerializeToString()
    return GraphArtifact(graph, tuple(t.name for t in frozen.inputs), tuple(t.name for t in frozen.outputs))
