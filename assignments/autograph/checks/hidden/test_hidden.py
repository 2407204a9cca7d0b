"""Hidden checks for `autograph`: they run only at grading, in the trusted check process."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from autograder.channel.runner import Reference
from autograder.checks import (
    PY_FUNCTION_OPS,
    WHILE_OPS,
    CheckFailure,
    expect_graph_computes_function,
    expect_no_ops,
    expect_ops,
    expect_tensor,
    expect_tf_function,
)

# q3 speed-up: the student's graph, exported and run by the grader's runner while the student's
# sandbox is frozen, must beat a trusted eager LSTMCell with the same weights, both on fresh
# inputs every round. See benchmarks/speedup_stability.py for the ratios honest graphs reach.
LSTM_UNITS = 100
LSTM_BATCH = 100
CALLS_PER_ROUND = 10
MIN_SPEEDUP = 1.5


def _halvings(x: np.ndarray) -> int:
    count = 0
    while float(np.sum(x, dtype=np.float32)) > 1:
        x = (x / np.float32(2)).astype(np.float32)
        count += 1
    return count


def _clear_of_boundary(x: np.ndarray) -> bool:
    # Avoid inputs whose running sum lands within float noise of 1, where summation order matters.
    total = float(np.sum(x, dtype=np.float64))
    while total > 1 + 1e-3:
        total /= 2
    return abs(total - 1) > 1e-3


def _fresh_halving_inputs() -> list[np.ndarray]:
    rng = np.random.default_rng(20261125)
    inputs = []
    while len(inputs) < 5:
        x = rng.uniform(0.0, 50.0, size=int(rng.integers(1, 9))).astype(np.float32)
        if _clear_of_boundary(x):
            inputs.append(x)
    return inputs + [np.array([0.25, 0.25], np.float32)]


@pytest.mark.question("q1", points=1)
def test_simple_nn_values(student):
    x = np.random.default_rng(7).uniform(-3, 3, size=10).astype(np.float32)
    expect_tensor(student.call("simple_nn", x), np.maximum(3 * x + 2, 0), what="simple_nn(x)")


@pytest.mark.question("q1", points=1)
def test_simple_nn_is_tf_function(student, runner):
    x = np.random.default_rng(8).uniform(-3, 3, size=(4, 3)).astype(np.float32)
    graph = expect_tf_function(student, runner, "simple_nn", specs=[(list(x.shape), "float32")])
    expect_graph_computes_function(student, runner, graph, "simple_nn", x)


@pytest.mark.question("q2", points=1)
def test_count_halvings_fresh_values(student):
    for x in _fresh_halving_inputs():
        expect_tensor(
            student.call("count_halvings", x),
            np.int32(_halvings(x)),
            what=f"count_halvings of a length-{x.size} tensor",
        )


@pytest.mark.question("q2", points=1)
def test_count_halvings_converts_to_graph_loop(student, runner):
    graph = expect_tf_function(student, runner, "count_halvings", specs=[([None], "float32")])
    expect_no_ops(graph, "count_halvings", {"tf.py_function or tf.numpy_function calls": PY_FUNCTION_OPS})
    expect_ops(graph, "count_halvings", {
        "while loop: write the loop as `while tf.reduce_sum(x) > 1:` on tensors so AutoGraph "
        "turns it into a graph loop (a loop over a Python number is unrolled instead)": WHILE_OPS,
    })
    for x in _fresh_halving_inputs():
        expect_graph_computes_function(student, runner, graph, "count_halvings", x)


@pytest.fixture(scope="module")
def reference_cell(student):
    """A trusted LSTMCell holding the student's weights (after the student's cell is built)."""
    zeros = np.zeros([2, LSTM_UNITS], np.float32)
    student.call("lstm_fn", zeros, [zeros, zeros])
    cell = keras.layers.LSTMCell(LSTM_UNITS)
    cell(tf.constant(zeros), [tf.constant(zeros)] * 2)
    weights = student.weights("lstm_cell")
    if [w.shape for w in weights] != [w.shape for w in cell.get_weights()]:
        raise CheckFailure("lstm_cell should be tf.keras.layers.LSTMCell(100), as given in the notebook.")
    cell.set_weights(weights)
    return cell


def _lstm_inputs(seed: int, count: int) -> list[list]:
    rng = np.random.default_rng(seed)
    def draw():
        return rng.standard_normal([LSTM_BATCH, LSTM_UNITS]).astype(np.float32)
    return [[draw(), [draw(), draw()]] for _ in range(count)]


@pytest.mark.question("q3", points=1)
def test_lstm_fn_matches_eager_cell(student, reference_cell):
    (x, state), = _lstm_inputs(11, 1)
    out = student.call("lstm_fn", x, state)
    expected = tf.nest.flatten(reference_cell(tf.constant(x), [tf.constant(s) for s in state]))
    got = tf.nest.flatten(out) if isinstance(out, tuple | list) else [out]
    if len(got) != len(expected):
        raise CheckFailure("lstm_fn should return exactly what lstm_cell returns: (output, [h, c]).")
    for label, g, e in zip(("output", "h", "c"), got, expected, strict=True):
        expect_tensor(g, e.numpy(), what=f"lstm_fn's {label}", rtol=1e-4, atol=1e-5)


@pytest.mark.question("q3", points=1)
def test_lstm_fn_graph_is_faster_than_eager(student, runner, reference_cell, record_property):
    shape = [LSTM_BATCH, LSTM_UNITS]
    spec = (shape, "float32")
    graph = expect_tf_function(student, runner, "lstm_fn", specs=[spec, [spec, spec]])
    expect_no_ops(graph, "lstm_fn", {"tf.py_function calls, which run eagerly": PY_FUNCTION_OPS})
    matmuls = {"MatMul", "BatchMatMulV2"}
    expect_ops(graph, "lstm_fn", {"matrix multiplications (call lstm_cell inside lstm_fn)": matmuls})
    reference = Reference.of(reference_cell, [tuple(shape)] * 3, [0, [1, 2]])
    speed = runner.speedup(graph, reference, [(tuple(shape), "float32")] * 3, seed=20261128,
                           calls=CALLS_PER_ROUND, threshold=MIN_SPEEDUP, rtol=1e-3, atol=1e-4)
    record_property("speedup", round(speed.median, 3))
    record_property("rounds", len(speed.ratios))
    record_property("student_sandbox", speed.frozen)
    if speed.mismatch:
        raise CheckFailure(f"The graph traced from lstm_fn gave different results from lstm_cell: {speed.mismatch}.")
    if speed.median < MIN_SPEEDUP:
        raise CheckFailure(
            f"lstm_fn's graph ran only {speed.median:.2f}x as fast as the eager LSTM cell; a tf.function graph "
            f"should be at least {MIN_SPEEDUP}x faster. Make sure lstm_fn just calls lstm_cell, with no extra "
            "work on every call."
        )


@pytest.mark.question("q4", points=1)
def test_scaled_sum_traces_once(student, runner):
    # The graph scaled_sum makes for a call with a Python float must take scale and x of any length
    # as inputs: then that one trace serves every call, which is what "traced only once" means.
    x = np.array([1.0, -2.0, 0.5], np.float32)
    for scale in [0.5, 1.5, 2.0, 2.5, 3.25, -1.0, 7.0, 10.0, 0.125]:
        expect_tensor(student.call("scaled_sum", x, scale), np.float32(-0.5 * scale), what=f"scaled_sum(x, {scale})")
    graph = expect_tf_function(student, runner, "scaled_sum", args=[x, 1.0])
    if len(graph.inputs) < 2:
        raise CheckFailure(
            "The graph scaled_sum traced for a Python float has the value of scale built in, so every new "
            "value of scale traces it again. Give the tf.function an input_signature with a TensorSpec for "
            "scale, so it traces once."
        )
    if len(graph.inputs) != 2 or graph.inputs[0].shape != (None,) or graph.inputs[1].shape != ():
        raise CheckFailure(
            "The graph scaled_sum traced fixes the length of x (or takes other inputs), so a new length traces "
            "it again. Use input_signature=[tf.TensorSpec([None], tf.float32), tf.TensorSpec([], tf.float32)]."
        )
    rng = np.random.default_rng(44)
    for length, scale in ((1, 0.5), (5, -2.0), (17, 3.25)):
        values = rng.uniform(-4, 4, size=length).astype(np.float32)
        expect_graph_computes_function(student, runner, graph, "scaled_sum", values, np.float32(scale))
