"""The grader's runner, in process: artifacts exported the way the student's process exports them."""

from __future__ import annotations

import dataclasses
import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import keras
import numpy as np
import pytest
import tensorflow as tf

from autograder.check_side import runner
from autograder.check_side.student import CheckFailure
from autograder.grading import capped_reader, execution
from autograder.runner_side import runner_process
from autograder.wire import graph_export, protocol

SPEC = tf.TensorSpec([None], tf.float32)


def export(fn: Any, *specs: Any) -> tuple[dict[str, Any], list[np.ndarray]]:
    """A load_graph request holding the artifact the grader exports for the tf.function ``fn``."""
    return request_for(graph_export.export(fn.get_concrete_function(*specs)))


def request_for(artifact: graph_export.GraphArtifact) -> tuple[dict[str, Any], list[np.ndarray]]:
    arrays: list[np.ndarray] = []
    return {"op": "load_graph", "artifact": artifact.encode(arrays)}, arrays


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
    info = ask(*export(dense, tf.TensorSpec([None, 2], tf.float32)), loaded)
    assert info["refused"] == [] and info["inputs"] == [{"shape": [None, 2], "dtype": "float32"}]
    assert "ReadVariableOp" in info["ops"], "the weights stay variables, read in the graph"
    x = np.random.default_rng(0).normal(size=(4, 2)).astype(np.float32)
    (out,) = run(info["handle"], loaded, x)
    np.testing.assert_allclose(out, np.asarray(layer(x)), rtol=1e-6)


COUNTER = tf.Variable(0)


@tf.function
def count_halvings(x):
    COUNTER.assign(0)
    while tf.reduce_sum(x) > 1:
        x = x / 2
        COUNTER.assign_add(1)
    return COUNTER.read_value()


def test_a_variable_counter_in_an_autograph_loop_runs_with_right_values_on_every_run() -> None:
    loaded: dict[int, Any] = {}
    info = ask(*export(count_halvings, SPEC), loaded)
    assert info["refused"] == [], info
    assert "While" in info["ops"] and "AssignAddVariableOp" in info["nested_ops"]
    for x, halvings in [([8.0, 8.0], 4), ([0.5], 0), ([3.0], 2), ([8.0, 8.0], 4)]:
        assert run(info["handle"], loaded, np.array(x, np.float32))[0] == halvings
    assert int(COUNTER.numpy()) == 0, "the runner's variables are its own, not the exported ones"


def test_a_stateful_accumulator_starts_every_run_from_the_exported_state() -> None:
    total = tf.Variable(10.0)

    @tf.function
    def accumulate(x):
        for value in tf.unstack(x):  # Python loop over a fixed shape: one assign_add per value
            total.assign_add(value)
        return total.read_value(), total.read_value() * 2

    loaded: dict[int, Any] = {}
    info = ask(*export(accumulate, tf.TensorSpec([3], tf.float32)), loaded)
    assert info["refused"] == [] and info["outputs"] == 2
    for _ in range(3):  # no state leaks from one run (one check's request) into the next
        out = run(info["handle"], loaded, np.array([1.0, 2.0, 3.0], np.float32))
        assert [float(o) for o in out] == [16.0, 32.0]


def test_a_variable_created_inside_the_function_on_its_first_trace_is_exported_with_its_value() -> None:
    class Scaler(tf.Module):
        def __init__(self) -> None:
            self.scale: tf.Variable | None = None

        @tf.function
        def __call__(self, x):
            if self.scale is None:
                self.scale = tf.Variable(tf.fill([3], 2.0))
            self.scale.assign(self.scale * 1.5)
            return x * self.scale

    scaler = Scaler()  # the method's function holds its instance weakly
    artifact = graph_export.export(scaler.__call__.get_concrete_function(tf.TensorSpec([3], tf.float32)))
    assert [(c.kind, c.dtype, c.shape) for c in artifact.captures] == [("variable", "float32", (3,))]
    loaded: dict[int, Any] = {}
    info = ask(*request_for(artifact), loaded)
    for _ in range(2):
        np.testing.assert_array_equal(run(info["handle"], loaded, np.ones(3, np.float32))[0], [3.0, 3.0, 3.0])


@pytest.mark.parametrize("size", [3, 2000])
def test_a_captured_constant_is_exported_with_its_value(size: int) -> None:
    offset = tf.range(size, dtype=tf.float32)

    @tf.function
    def shifted(x):
        return x + offset

    artifact = graph_export.export(shifted.get_concrete_function(tf.TensorSpec([size], tf.float32)))
    # A small one is already a Const in the graph; a large one stays a placeholder to wire.
    assert [c.kind for c in artifact.captures] == ([] if size < 10 else ["constant"])
    loaded: dict[int, Any] = {}
    info = ask(*request_for(artifact), loaded)
    np.testing.assert_array_equal(run(info["handle"], loaded, np.zeros(size, np.float32))[0], np.arange(size))


def test_a_variables_placeholder_left_unwired_is_refused() -> None:
    artifact = graph_export.export(count_halvings.get_concrete_function(SPEC))
    loaded: dict[int, Any] = {}
    info = ask(*request_for(dataclasses.replace(artifact, captures=())), loaded)
    assert info["handle"] is None and loaded == {}
    assert "Placeholder of a resource that is not one of the graph's variables" in info["refused"]


def test_a_capture_that_does_not_match_its_placeholder_is_an_error_answer() -> None:
    artifact = graph_export.export(count_halvings.get_concrete_function(SPEC))
    (capture,) = artifact.captures
    as_constant = dataclasses.replace(capture, kind="constant")
    reply = ask(*request_for(dataclasses.replace(artifact, captures=(as_constant,))), {})
    assert reply["ok"] is False and "not a constant of its type" in reply["error"]


def test_an_artifact_round_trips_through_its_wire_format() -> None:
    artifact = graph_export.export(count_halvings.get_concrete_function(SPEC))
    arrays: list[np.ndarray] = []
    tree = json.loads(json.dumps(artifact.encode(arrays)))
    again = graph_export.GraphArtifact.decode(tree, arrays)
    assert (again.graph, again.inputs, again.outputs) == (artifact.graph, artifact.inputs, artifact.outputs)
    assert [(c.placeholder, c.kind, c.dtype, c.value.tolist()) for c in again.captures] == [
        (c.placeholder, c.kind, c.dtype, c.value.tolist()) for c in artifact.captures]
    tree["captures"][0]["dtype"] = "resource"
    with pytest.raises(ValueError, match="cannot cross"):
        graph_export.GraphArtifact.decode(tree, arrays)


def test_a_capture_that_is_no_variable_is_not_exported() -> None:
    table = tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer([1], [2]), default_value=0)

    @tf.function
    def look_up(x):
        return table.lookup(x)

    with pytest.raises(graph_export.GraphExportError, match="not a tf.Variable"):
        graph_export.export(look_up.get_concrete_function(tf.TensorSpec([None], tf.int32)))


def test_a_graph_with_a_refused_op_is_described_but_never_made_runnable() -> None:
    @tf.function
    def leaks(x):
        return tf.py_function(lambda v: v * 2, [x], tf.float32)

    loaded: dict[int, Any] = {}
    info = ask(*export(leaks, SPEC), loaded)
    assert info["handle"] is None and "EagerPyFunc" in info["refused"]
    assert loaded == {}


def test_bytes_that_are_not_a_graph_are_an_error_answer_not_a_crash() -> None:
    garbage = graph_export.GraphArtifact(b"\xff" * 64, (), ())
    reply = ask(*request_for(garbage), {})
    assert reply["ok"] is False and "DecodeError" in reply["error"]


def test_inputs_that_are_not_placeholders_are_refused() -> None:
    artifact = graph_export.export(tf.function(lambda x: x * 2).get_concrete_function(SPEC))
    reply = ask(*request_for(dataclasses.replace(artifact, inputs=("mul:0",))), {})
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
    tensor = tf.TensorSpec(shape, tf.float32)
    handle = ask(*export(step, tensor, [tensor, tensor]), loaded)["handle"]
    arrays: list[np.ndarray] = []
    weights = [protocol.encode_plain(w, arrays) for w in cell.get_weights()]
    reference = {**lstm_reference(cell, shape), "weights": weights}
    request = {"op": "speedup", "handle": handle, "reference": reference, "structure": [0, [1, 2]],
               "inputs": [spec] * 3, "seed": 1, "calls": 2, "threshold": 1.0, "rtol": 1e-4, "atol": 1e-5}
    answer = ask(request, arrays, loaded)
    assert "ratios" in answer, answer
    assert len(answer["ratios"]) >= 7 and answer["median"] > 0
    assert answer["graph_seconds"] > 0  # the student's share of the measuring, which the checks' budget is charged
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


# --- a real runner process ---------------------------------------------------------------------


@pytest.fixture
def real_runner(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[runner.Runner, capped_reader.CappedReader]]:
    """A runner process as the grader starts one (no sandbox), its output drained as the grader drains it."""
    monkeypatch.setattr(runner, "RUNNER_SECONDS", 120.0)  # a blocked runner fails the test instead of hanging it
    ours, theirs = socket.socketpair()
    process = subprocess.Popen(
        [sys.executable, "-I", "-m", "autograder.runner_side.runner_process",
         "--fd", str(theirs.fileno()), "--seed", "1"],
        pass_fds=[theirs.fileno()], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    theirs.close()
    output = capped_reader.CappedReader(process.stdout, execution.HELPER_OUTPUT_BYTES)
    try:
        yield runner.Runner(ours, None), output
    finally:
        ours.close()
        process.kill()
        process.wait()


@tf.function
def count_and_print(x):
    COUNTER.assign(0)
    while tf.reduce_sum(x) > 1:
        x = x / 2
        COUNTER.assign_add(1)
        tf.print("halved to", x, "after", COUNTER.read_value(), "halvings")
    return COUNTER.read_value()


@pytest.mark.slow
def test_a_printing_variable_counter_runs_in_a_real_runner_many_times(real_runner) -> None:
    handle, output = real_runner
    graph = handle.load_graph(graph_export.export(count_and_print.get_concrete_function(SPEC)), "count_and_print")
    assert graph.handle is not None and "PrintV2" in graph.ops.nested_ops
    # About 20 printed lines per run, some 200 KB in all: three times what a pipe holds unread.
    for run_number in range(250):
        (count,) = handle.run_graph(graph, np.array([1.0e6, float(run_number)], np.float32))
        assert int(count) == int(np.ceil(np.log2(1.0e6 + run_number))), run_number
    assert "halved to" in output.text(timeout=0.5) and output.truncated


@pytest.mark.slow
def test_an_artifact_the_real_runner_cannot_load_is_the_graders_fault(real_runner) -> None:
    handle, _ = real_runner
    with pytest.raises(runner.RunnerFault, match="traced and exported itself") as raised:
        handle.load_graph(graph_export.GraphArtifact(b"\xff" * 64, (), ()), "the graph of `f`")
    assert not isinstance(raised.value, CheckFailure), "the student is not told their code failed"
    graph = handle.load_graph(graph_export.export(count_halvings.get_concrete_function(SPEC)), "count_halvings")
    assert handle.run_graph(graph, np.array([4.0], np.float32))[0] == 2, "the runner still answers"
