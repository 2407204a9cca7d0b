"""The grader's runner, in process: artifacts exported the way the student's process exports them."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import pytest
import tensorflow as tf

from autograder.channel import freezing, protocol, runner_process

SPEC = {"shape": [None], "dtype": "float32"}


def export(fn: Any, specs: list[Any]) -> tuple[dict[str, Any], list[np.ndarray]]:
    """A load_graph request holding what the clean room hands over for ``fn``."""
    concrete = fn.get_concrete_function(*[tensor_spec(s) for s in specs])
    artifact = freezing.export(concrete)
    arrays: list[np.ndarray] = []
    request = {"op": "load_graph", "graph": protocol.encode_plain(np.frombuffer(artifact.graph, np.uint8), arrays),
               "inputs": list(artifact.inputs), "outputs": list(artifact.outputs)}
    return request, arrays


def tensor_spec(spec: Any) -> Any:
    return [tensor_spec(s) for s in spec] if isinstance(spec, list) else tf.TensorSpec(spec["shape"], spec["dtype"])


def ask(request: dict[str, Any], arrays: list[np.ndarray], loaded: dict[int, Any]) -> Any:
    reply, out = runner_process._answer(request, arrays, loaded)
    return protocol.decode_value(reply["result"], out) if reply["ok"] else reply


def run(handle: int, loaded: dict[int, Any], *inputs: np.ndarray) -> list[np.ndarray]:
    arrays: list[np.ndarray] = []
    request = {"op": "run_graph", "handle": handle, "inputs": [protocol.encode_plain(x, arrays) for x in inputs]}
    return [v.array for v in ask(request, arrays, loaded)]


def test_an_exported_graph_runs_in_the_runner_with_the_students_weights() -> None:
    layer = keras.layers.Dense(3)
    layer.build((None, 2))

    @tf.function
    def dense(x):
        return layer(x)

    loaded: dict[int, Any] = {}
    info = ask(*export(dense, [{"shape": [None, 2], "dtype": "float32"}]), loaded)
    assert info["refused"] == [] and info["inputs"] == [{"shape": [None, 2], "dtype": "float32"}]
    x = np.random.default_rng(0).normal(size=(4, 2)).astype(np.float32)
    (out,) = run(info["handle"], loaded, x)
    np.testing.assert_allclose(out, np.asarray(layer(x)), rtol=1e-6)


def test_a_graph_with_a_refused_op_is_described_but_never_made_runnable() -> None:
    @tf.function
    def leaks(x):
        return tf.py_function(lambda v: v * 2, [x], tf.float32)

    loaded: dict[int, Any] = {}
    info = ask(*export(leaks, [SPEC]), loaded)
    assert info["handle"] is None and "EagerPyFunc" in info["refused"]
    assert loaded == {}


def test_bytes_that_are_not_a_graph_are_an_error_answer_not_a_crash() -> None:
    arrays: list[np.ndarray] = []
    garbage = protocol.encode_plain(np.frombuffer(b"\xff" * 64, np.uint8), arrays)
    reply = ask({"op": "load_graph", "graph": garbage, "inputs": [], "outputs": []}, arrays, {})
    assert reply["ok"] is False and "DecodeError" in reply["error"]


def test_inputs_that_are_not_placeholders_are_refused() -> None:
    request, arrays = export(tf.function(lambda x: x * 2), [SPEC])
    request["inputs"] = ["mul:0"]
    reply = ask(request, arrays, {})
    assert reply["ok"] is False and "has no input" in reply["error"]


def lstm_reference(cell: keras.layers.LSTMCell, shape: list[int]) -> dict[str, Any]:
    return {"layer": keras.layers.serialize(cell), "build_inputs": [shape] * 3, "build_structure": [0, [1, 2]]}


@pytest.mark.parametrize("same_weights", [True, False])
def test_speedup_compares_values_on_every_rounds_fresh_inputs(same_weights: bool) -> None:
    shape = [4, 6]
    cell = keras.layers.LSTMCell(6)
    cell(tf.zeros(shape), [tf.zeros(shape)] * 2)
    graph_cell = cell if same_weights else keras.layers.LSTMCell(6)

    @tf.function
    def step(x, state):
        return graph_cell(x, state)

    spec = {"shape": shape, "dtype": "float32"}
    loaded: dict[int, Any] = {}
    handle = ask(*export(step, [spec, [spec, spec]]), loaded)["handle"]
    arrays: list[np.ndarray] = []
    weights = [protocol.encode_plain(w, arrays) for w in cell.get_weights()]
    reference = {**lstm_reference(cell, shape), "weights": weights}
    request = {"op": "speedup", "handle": handle, "reference": reference, "structure": [0, [1, 2]],
               "inputs": [spec] * 3, "seed": 1, "calls": 2, "threshold": 1.0, "rtol": 1e-4, "atol": 1e-5}
    answer = ask(request, arrays, loaded)
    assert "ratios" in answer, answer
    assert len(answer["ratios"]) >= 7 and answer["median"] > 0
    assert (answer["mismatch"] is None) == same_weights


def archive_request(model: keras.Model, tmp_path: Any) -> tuple[dict[str, Any], list[np.ndarray]]:
    model.save(tmp_path / "m.keras")
    arrays: list[np.ndarray] = []
    data = np.frombuffer((tmp_path / "m.keras").read_bytes(), np.uint8)
    return {"op": "load_model", "archive": protocol.encode_plain(data, arrays)}, arrays


def test_a_saved_model_is_loaded_run_and_its_weights_read(tmp_path: Any) -> None:
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="out")])
    loaded: dict[int, Any] = {}
    info = ask(*archive_request(model, tmp_path), loaded)
    x = np.random.default_rng(1).normal(size=(5, 3)).astype(np.float32)
    arrays: list[np.ndarray] = []
    outputs = ask({"op": "run_model", "handle": info["handle"], "inputs": [protocol.encode_plain(x, arrays)]},
                  arrays, loaded)
    np.testing.assert_allclose(outputs[0].array, np.asarray(model(x)), rtol=1e-6)
    weights = ask({"op": "layer_weights", "handle": info["handle"], "layer": "out"}, [], loaded)
    np.testing.assert_array_equal(weights[0].array, model.get_layer("out").get_weights()[0])


def test_a_model_with_a_lambda_is_refused_before_loading(tmp_path: Any) -> None:
    model = keras.Sequential([keras.Input((3,)), keras.layers.Lambda(lambda x: x + 1)])
    loaded: dict[int, Any] = {}
    info = ask(*archive_request(model, tmp_path), loaded)
    assert info["handle"] is None and "Lambda" in info["refused"] and loaded == {}


def test_an_archive_that_is_not_a_zip_is_an_error_answer() -> None:
    arrays: list[np.ndarray] = []
    reply = ask({"op": "load_model", "archive": protocol.encode_plain(np.zeros(10, np.uint8), arrays)}, arrays, {})
    assert reply["ok"] is False and "BadZipFile" in reply["error"]
