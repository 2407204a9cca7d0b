"""The grader's runner: examines, runs and times the artifacts a student's process hands over.

A sandboxed process of the grader's own, forked like the others, that never sees the assignment
(so no hidden check or solution) and runs no student Python code. It answers the check process:

- ``load_graph``: parse a graph artifact (:mod:`autograder.wire.graph_export`), list its ops (and
  its library's) against the allowlist in :mod:`autograder.wire.artifacts`, and, only if all
  are allowed, make it callable, with a fresh ``tf.Variable`` for each variable it captured;
- ``run_graph``: run a loaded graph on given inputs, its variables reset to their exported values;
- ``load_model``: read a ``.keras`` archive, refuse anything but built-in Keras objects, load it
  with ``safe_mode=True`` and describe it (:mod:`autograder.wire.model_description`);
- ``run_model``, ``layer_weights``: outputs and weights of a loaded model;
- ``speedup``: time a loaded graph against a trusted eager reference layer, on fresh inputs in
  every round (:func:`autograder.runner_side.timing.robust_speedup`), and compare their values.

Messages are framed as in :mod:`autograder.wire.protocol`, and each reply echoes its request's id.
Run as ``python -I -m autograder.runner_side.runner_process --fd N --seed S``.
"""

from __future__ import annotations

import argparse
import io
import json
import socket
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from autograder.runner_side import timing
from autograder.wire import artifacts, envelope, model_description, protocol, requests
from autograder.wire.graph_export import GraphArtifact

MAX_REQUEST_BYTES = 512 * 1024 * 1024
MAX_CONFIG_BYTES = 16 * 1024 * 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="autograder.runner_side.runner_process")
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--seed", type=int, required=True)
    args = parser.parse_args(argv)
    _set_up(args.seed)
    sock = socket.socket(fileno=args.fd)
    envelope.serve(sock, _server({}), max_bytes=MAX_REQUEST_BYTES)
    return 0


def _set_up(seed: int) -> None:
    import keras
    import tensorflow as tf

    # One thread each, set before the first op: timings stay comparable under load.
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    keras.utils.set_random_seed(seed)


def _server(loaded: dict[int, Any]) -> envelope.Server:
    """Handlers bound to this runner's ``loaded`` artifacts; a broken artifact is an answer, not a crash."""
    bound = {kind: _bound(kind, loaded) for kind in HANDLERS}
    return envelope.Server(bound, describe=lambda exc: f"{type(exc).__name__}: {str(exc)[:1500]}")


def _bound(kind: type[requests.Request], loaded: dict[int, Any]) -> envelope.Handler:
    # Looked up per request: a wrapper put in HANDLERS (autograder.profiling) is the one that runs.
    return lambda request, arrays: HANDLERS[kind](request, arrays, loaded)


def _answer(
    header: dict[str, Any], arrays: list[np.ndarray], loaded: dict[int, Any]
) -> tuple[dict[str, Any], list[np.ndarray]]:
    """The reply (without its id) to one request header, as the served runner would give it."""
    return envelope.answer(_server(loaded), header, arrays)


def _keep(loaded: dict[int, Any], value: Any) -> int:
    handle = len(loaded) + 1
    loaded[handle] = value
    return handle


# --- graphs ------------------------------------------------------------------------------------


def _load_graph(request: requests.LoadGraph, arrays: list[np.ndarray], loaded: dict[int, Any]) -> dict[str, Any]:
    import tensorflow as tf

    artifact = GraphArtifact.decode(request.artifact, arrays)
    graph_def = tf.compat.v1.GraphDef()
    graph_def.ParseFromString(artifact.graph)
    nodes = {node.name: node for node in graph_def.node}
    _expect_tensors(nodes, artifact)
    variables = frozenset(_node_name(c.placeholder) for c in artifact.captures if c.kind == "variable")
    ops = artifacts.graph_ops(graph_def, variables)
    info: dict[str, Any] = {
        "ops": sorted(ops.ops), "nested_ops": sorted(ops.nested_ops), "refused": list(ops.refused),
        "inputs": [_placeholder_info(nodes[_node_name(name)]) for name in artifact.inputs],
        "outputs": len(artifact.outputs), "handle": None,
    }
    if not ops.refused:
        info["handle"] = _keep(loaded, _LoadedGraph.of(graph_def, artifact))
    return info


def _node_name(tensor: str) -> str:
    return tensor.split(":")[0]


def _expect_tensors(nodes: dict[str, Any], artifact: GraphArtifact) -> None:
    """Inputs and captures are distinct placeholders of the graph (a capture of its dtype); outputs exist."""
    import tensorflow as tf

    captured = [c.placeholder for c in artifact.captures]
    if len({_node_name(n) for n in [*artifact.inputs, *captured]}) != len(artifact.inputs) + len(captured):
        raise ValueError("the graph's inputs and captures are not distinct placeholders")
    for name in [*artifact.inputs, *captured]:
        node = nodes.get(_node_name(name))
        if node is None or node.op != "Placeholder" or not name.endswith(":0"):
            raise ValueError(f"the graph has no input {name[:100]!r}")
    for capture in artifact.captures:
        dtype = tf.resource if capture.kind == "variable" else tf.dtypes.as_dtype(capture.dtype)
        if nodes[_node_name(capture.placeholder)].attr["dtype"].type != dtype.as_datatype_enum:
            raise ValueError(f"the graph's input {capture.placeholder[:100]!r} is not a {capture.kind} of its type")
    for name in artifact.outputs:
        if _node_name(name) not in nodes:
            raise ValueError(f"the graph has no output {name[:100]!r}")


def _placeholder_info(node: Any) -> dict[str, Any]:
    import tensorflow as tf

    shape = tf.TensorShape(node.attr["shape"].shape)
    dtype = tf.dtypes.as_dtype(node.attr["dtype"].type)
    return {"shape": None if shape.rank is None else list(shape.as_list()), "dtype": dtype.name}


@dataclass(frozen=True)
class _LoadedGraph:
    """A graph made callable, with fresh variables of its own wired to its captured placeholders.

    State never leaks between checks: :meth:`reset` puts every variable back to its exported
    value, and the runner resets before each ``run_graph`` request and before each timing round.
    Within one request (one call, or one round of calls) the variables change as the graph says.
    """

    fn: Callable[..., Any]
    variables: tuple[tuple[Any, np.ndarray], ...]

    @classmethod
    def of(cls, graph_def: Any, artifact: GraphArtifact) -> _LoadedGraph:
        import tensorflow as tf

        variables = tuple((tf.Variable(c.value, dtype=c.dtype, shape=c.shape), c.value)
                          for c in artifact.captures if c.kind == "variable")
        return cls(_callable(graph_def, artifact, [v for v, _ in variables]), variables)

    def reset(self) -> None:
        for variable, value in self.variables:
            variable.assign(value)

    def __call__(self, *args: Any) -> Any:
        return self.fn(*args)


def _callable(graph_def: Any, artifact: GraphArtifact, variables: list[Any]) -> Callable[..., Any]:
    import tensorflow as tf

    def import_graph() -> None:
        # Inside wrap_function: `capture` makes each eager value a tensor of the graph being built.
        graph = tf.compat.v1.get_default_graph()
        handles = iter(variables)
        wiring = {c.placeholder: graph.capture(next(handles).handle) if c.kind == "variable"
                  else tf.constant(c.value, dtype=c.dtype) for c in artifact.captures}
        tf.graph_util.import_graph_def(graph_def, input_map=wiring, name="")

    wrapped = tf.compat.v1.wrap_function(import_graph, [])
    feeds = [wrapped.graph.get_tensor_by_name(name) for name in artifact.inputs]
    pruned = wrapped.prune(feeds, [wrapped.graph.get_tensor_by_name(name) for name in artifact.outputs])
    # A tf.function around the pruned graph runs it from C++, as a student's tf.function runs.
    runnable: Callable[..., Any] = tf.function(pruned, input_signature=[tf.TensorSpec(t.shape, t.dtype) for t in feeds])
    return runnable


def _run_graph(request: requests.RunGraph, arrays: list[np.ndarray], loaded: dict[int, Any]) -> list[np.ndarray]:
    graph = loaded[request.handle]
    graph.reset()
    return _flat_outputs(graph(*[_array(a, arrays) for a in request.inputs]))


def _flat_outputs(outputs: Any) -> list[np.ndarray]:
    import tensorflow as tf

    return [np.asarray(t) for t in tf.nest.flatten(outputs)]


# --- models ------------------------------------------------------------------------------------


def _load_model(request: requests.LoadModel, arrays: list[np.ndarray], loaded: dict[int, Any]) -> dict[str, Any]:
    import keras

    data = _bytes(request.archive, arrays)
    refused = artifacts.refused_objects(_archive_config(data))
    if refused:
        return {"refused": refused, "handle": None}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.keras"
        path.write_bytes(data)
        model = keras.saving.load_model(path, safe_mode=True, compile=False)
    if not isinstance(model, keras.Model):
        raise TypeError("the archive does not hold a Keras model")
    return {"refused": [], "handle": _keep(loaded, model), "description": model_description.describe(model)}


def _archive_config(data: bytes) -> Any:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo("config.json")
        if info.file_size > MAX_CONFIG_BYTES:
            raise ValueError("the model's config.json is too large")
        return json.loads(archive.read(info))


def _run_model(request: requests.RunModel, arrays: list[np.ndarray], loaded: dict[int, Any]) -> list[np.ndarray]:
    import tensorflow as tf

    model = loaded[request.handle]
    inputs = [tf.constant(_array(a, arrays)) for a in request.inputs]
    return _flat_outputs(model(inputs if len(inputs) > 1 else inputs[0], training=False))


def _layer_weights(request: requests.LayerWeights, _arrays: list[np.ndarray], loaded: dict[int, Any]
                   ) -> list[np.ndarray]:
    model = loaded[request.handle]
    return [np.asarray(w) for w in model.get_layer(request.layer).get_weights()]


# --- timing ------------------------------------------------------------------------------------


def _speedup(request: requests.Speedup, arrays: list[np.ndarray], loaded: dict[int, Any]) -> dict[str, Any]:
    """Time the graph against a trusted eager reference layer, both on each round's fresh inputs."""
    graph = loaded[request.handle]
    specs = [(tuple(int(d) for d in s["shape"]), str(s["dtype"])) for s in request.inputs]
    reference = _reference_layer(request.reference, arrays)
    structure, calls, seed = request.structure, request.calls, request.seed
    rounds: dict[int, list[Any]] = {}

    def inputs_of(number: int) -> list[Any]:
        if number not in rounds:
            rng = np.random.default_rng([seed, number + 1])  # round -1 is the warm-up
            rounds[number] = [rng.standard_normal(shape).astype(dtype) for shape, dtype in specs]
        return rounds[number]

    last: dict[str, dict[int, Any]] = {"graph": {}, "reference": {}}
    spent = {"graph": 0.0, "reference": 0.0}

    def timed(side: str, fn: Callable[..., Any], arrange: bool) -> timing.Timed:
        def run(number: int) -> None:
            args = _arranged(structure, inputs_of(number)) if arrange else inputs_of(number)
            start = time.process_time()
            if isinstance(fn, _LoadedGraph):
                fn.reset()  # every round starts from the exported state (a few assigns, beside `calls` calls)
            for _ in range(calls):
                result = fn(*args)
            spent[side] += time.process_time() - start
            last[side][number] = result
        return run

    reference_side, graph_side = timed("reference", reference, True), timed("graph", graph, False)
    reference_side(-1), graph_side(-1)  # warm-up: build, trace, first-call costs
    result = timing.robust_speedup(reference_side, graph_side, threshold=float(request.threshold))
    # The student's code is the graph; the reference and the number of rounds are the grader's (a busy
    # machine needs more rounds to call a verdict), so only the graph's time is charged to the checks' budget.
    return {"median": result.median, "ratios": list(result.ratios), "graph_seconds": spent["graph"],
            "mismatch": _mismatch(last, float(request.rtol), float(request.atol))}


def _reference_layer(spec: dict[str, Any], arrays: list[np.ndarray]) -> Any:
    import keras
    import tensorflow as tf

    layer = keras.layers.deserialize(spec["layer"])
    build = [tf.zeros(s, "float32") for s in spec["build_inputs"]]
    layer(*_arranged(spec["build_structure"], build))
    layer.set_weights([_array(w, arrays) for w in spec["weights"]])
    return layer


def _arranged(structure: Any, flat: list[Any]) -> list[Any]:
    """Arguments from flat inputs: ``[0, [1, 2]]`` means ``(flat[0], [flat[1], flat[2]])``."""
    return [flat[s] if isinstance(s, int) else _arranged(s, flat) for s in structure]


def _mismatch(last: dict[str, dict[int, Any]], rtol: float, atol: float) -> str | None:
    """The first round where the graph's outputs differ from the reference's, in words."""
    for number, expected in sorted(last["reference"].items()):
        got, want = _flat_outputs(last["graph"][number]), _flat_outputs(expected)
        if len(got) != len(want):
            return f"it returned {len(got)} tensors where the reference returns {len(want)}"
        for index, (g, w) in enumerate(zip(got, want, strict=True)):
            if g.shape != w.shape or not np.allclose(g, w, rtol=rtol, atol=atol):
                return f"its output {index + 1} differs from the reference's on fresh inputs"
    return None


# --- data ------------------------------------------------------------------------------------


def _array(tree: Any, arrays: list[np.ndarray]) -> np.ndarray:
    value = protocol.decode_value(tree, arrays)
    if not isinstance(value, protocol.ArrayValue):
        raise TypeError("expected an array")
    return value.array


def _bytes(tree: Any, arrays: list[np.ndarray]) -> bytes:
    array = _array(tree, arrays)
    if array.dtype != np.uint8 or array.ndim != 1:
        raise TypeError("expected bytes")
    return array.tobytes()


HANDLERS: dict[type[requests.Request], Callable[[Any, list[np.ndarray], dict[int, Any]], Any]] = {
    requests.LoadGraph: _load_graph,
    requests.RunGraph: _run_graph,
    requests.LoadModel: _load_model,
    requests.RunModel: _run_model,
    requests.LayerWeights: _layer_weights,
    requests.Speedup: _speedup,
}


if __name__ == "__main__":
    raise SystemExit(main())
