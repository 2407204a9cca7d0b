"""Hidden checks for `autograph`: they run only at grading, in the trusted check process.

Each check tests one requirement of its question's text (see ../../requirements.toml) and calls the
student's code only with inputs that text promises. Where the text says "any shape" or "any length",
the check is a property: a derandomized Hypothesis check (autograder.checks.properties), so every
regrade draws the same examples.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import assume, given
from hypothesis import strategies as st

from autograder.checks import (
    PY_FUNCTION_OPS,
    WHILE_OPS,
    CheckFailure,
    Reference,
    _,
    expect_graph_computes_function,
    expect_no_ops,
    expect_ops,
    expect_tensor,
    expect_tensor_spec,
    expect_tf_function,
    float32_arrays,
    property_check,
    shapes,
    written_facts,
)

# q3 speed-up: lstm_fn's graph, traced in the grader's clean room from its own definition (with
# lstm_cell holding the notebook's weights) and run by the grader's runner while the student's
# sandbox is frozen, must beat a trusted eager LSTMCell with the same weights, both on fresh
# inputs every round. See benchmarks/speedup_stability.py for the ratios honest graphs reach.
LSTM_UNITS = 100
LSTM_BATCH = 100  # the text fixes input and state at (100, 100): never call lstm_fn with another shape
CALLS_PER_ROUND = 10
MIN_SPEEDUP = 1.5

# Each example of a property check costs calls into the student's process (and, for a tf.function
# without an input_signature, a trace per new shape), so the budgets stay small.
SHAPE_EXAMPLES = 10
LENGTH_EXAMPLES = 10

# "A float32 tensor of any shape": scalars up to rank 4, values in [-10, 10].
any_shape_tensors = shapes().flatmap(float32_arrays)


# --- q1: linear_layer and simple_nn --------------------------------------------------------------


def _linear(x: np.ndarray) -> np.ndarray:
    return (np.float32(3) * x + np.float32(2)).astype(np.float32)


@pytest.mark.question("q1", points=0.5)
@property_check(max_examples=SHAPE_EXAMPLES)
@given(x=any_shape_tensors)
def test_linear_layer_any_shape(student, x):
    expect_tensor(student.call("linear_layer", x), _linear(x),
                  what=_("linear_layer of a {x_shape} tensor").format(x_shape=x.shape), atol=1e-5)


@pytest.mark.question("q1", points=0.5)
def test_linear_layer_is_plain_function(student):
    # It must answer a call (a blank `raise NotImplementedError()` is a plain function too); what it
    # answers is judged by the value checks, so a wrong value costs no points here.
    x = np.linspace(-2, 2, 6, dtype=np.float32).reshape(2, 3)
    student.call("linear_layer", x)
    # How linear_layer is written comes from the notebook's source, which the grader holds.
    if not written_facts("linear_layer").tf_function:
        return
    raise CheckFailure(_(
        "linear_layer is a tf.function, but the question asks for a plain Python function: remove "
        "@tf.function from linear_layer (simple_nn traces it into its own graph)."
    ))


@pytest.mark.question("q1", points=0.5)
@property_check(max_examples=SHAPE_EXAMPLES)
@given(x=any_shape_tensors)
def test_simple_nn_values(student, x):
    expect_tensor(student.call("simple_nn", x), np.maximum(_linear(x), np.float32(0)),
                  what=_("simple_nn of a {x_shape} tensor").format(x_shape=x.shape), atol=1e-5)


@pytest.mark.question("q1", points=0.5)
def test_simple_nn_is_tf_function(student, runner):
    x = np.random.default_rng(8).uniform(-3, 3, size=(4, 3)).astype(np.float32)
    graph = expect_tf_function(student, runner, "simple_nn", specs=[(list(x.shape), "float32")])
    expect_graph_computes_function(student, runner, graph, "simple_nn", x)


# --- q2: count_halvings ---------------------------------------------------------------------------


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
    while len(inputs) < 3:
        x = rng.uniform(0.0, 50.0, size=int(rng.integers(1, 9))).astype(np.float32)
        if _clear_of_boundary(x):
            inputs.append(x)
    # Sums that are exactly 1 or 2 after halving ("greater than 1"), odd values (x / 2, not x // 2),
    # a negative sum, a sum that needs many halvings, and a sum already at most 1.
    edges = [[1.0], [0.5, 0.5, 1.0], [3.0, 3.0, 3.0], [-5.0, 2.0], [1.0e6], [0.25, 0.25]]
    return inputs + [np.array(e, np.float32) for e in edges]


@pytest.mark.question("q2", points=0.5)
def test_count_halvings_fresh_values(student):
    for x in _fresh_halving_inputs():
        expect_tensor(
            student.call("count_halvings", x),
            np.int32(_halvings(x)),
            what=_("count_halvings of a length-{x_size} tensor").format(x_size=x.size),
        )


@pytest.mark.question("q2", points=0.5)
@property_check(max_examples=LENGTH_EXAMPLES)
@given(x=st.integers(1, 64).flatmap(lambda n: float32_arrays((n,), 0.0, 8.0)))
def test_count_halvings_any_length(student, x):
    assume(_clear_of_boundary(x))
    expect_tensor(student.call("count_halvings", x), np.int32(_halvings(x)),
                  what=_("count_halvings of a length-{x_size} tensor").format(x_size=x.size))


@pytest.mark.question("q2", points=0.5)
def test_count_halvings_int32_scalar(student):
    # Both when the loop never runs and when it runs many times: the count's type must not depend on it.
    for x in (np.array([0.25, 0.5], np.float32), np.array([40.0, 24.0, 100.0], np.float32)):
        expect_tensor_spec(student.call("count_halvings", x), (), np.int32,
                           what=_("count_halvings of a length-{x_size} tensor").format(x_size=x.size))


@pytest.mark.question("q2", points=1)
def test_count_halvings_converts_to_graph_loop(student, runner):
    graph = expect_tf_function(student, runner, "count_halvings", specs=[([None], "float32")])
    # "An ordinary Python `while` loop": written in the body (read from the source), and a loop op in
    # the graph the clean room traced from it (not one a loop over a Python number unrolls into).
    if not written_facts("count_halvings").has_while:
        raise CheckFailure(_(
            "count_halvings has no `while` statement in its body: the question asks for an ordinary Python "
            "while loop whose condition is a tensor, which AutoGraph converts into a graph loop."
        ))
    expect_no_ops(graph, "count_halvings", {_("tf.py_function or tf.numpy_function calls"): PY_FUNCTION_OPS})
    expect_ops(graph, "count_halvings", {
        _("while loop: write an ordinary Python while loop whose condition is a tensor, so AutoGraph "
          "turns it into a graph loop (a loop over a Python number is unrolled instead)"): WHILE_OPS,
    })
    for x in _fresh_halving_inputs()[:4]:
        expect_graph_computes_function(student, runner, graph, "count_halvings", x)
    # "Repeats as many times as the data needs": the largest float32 sums need over a hundred halvings,
    # more than a loop with a fixed count (tf.range(64) and tf.where, say) makes. Run the graph itself.
    huge = np.array([3.0e38], np.float32)
    [count] = expect_graph_computes_function(student, runner, graph, "count_halvings", huge)
    if count.shape != () or int(count) != _halvings(huge):
        raise CheckFailure(_(
            "count_halvings's graph stops after a fixed number of repetitions: its loop must repeat as many times "
            "as the data needs. Write an ordinary Python while loop whose condition is a tensor, as the text "
            "asks, and let AutoGraph convert it."
        ))


# --- q3: lstm_fn ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reference_cell(student):
    """A trusted LSTMCell holding the student's weights (after the student's cell is built)."""
    zeros = np.zeros([LSTM_BATCH, LSTM_UNITS], np.float32)
    student.call("lstm_fn", zeros, [zeros, zeros])
    cell = keras.layers.LSTMCell(LSTM_UNITS)
    cell(tf.constant(zeros), [tf.constant(zeros)] * 2)
    weights = student.weights("lstm_cell")
    if [w.shape for w in weights] != [w.shape for w in cell.get_weights()]:
        raise CheckFailure(_("lstm_cell should be tf.keras.layers.LSTMCell(100), as given in the notebook."))
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
        raise CheckFailure(_("lstm_fn should return exactly what lstm_cell returns: (output, [h, c])."))
    whats = (_("lstm_fn's output"), _("lstm_fn's h"), _("lstm_fn's c"))
    for what, g, e in zip(whats, got, expected, strict=True):
        expect_tensor(g, e.numpy(), what=what, rtol=1e-4, atol=1e-5)


@pytest.mark.question("q3", points=1)
def test_lstm_fn_graph_is_faster_than_eager(student, runner, reference_cell, record_property):
    shape = [LSTM_BATCH, LSTM_UNITS]
    spec = (shape, "float32")
    # Traced in the clean room from lstm_fn's own definition, with lstm_cell holding the notebook's weights.
    graph = expect_tf_function(student, runner, "lstm_fn", specs=[spec, [spec, spec]], weights=("lstm_cell",))
    expect_no_ops(graph, "lstm_fn", {_("tf.py_function calls, which run eagerly"): PY_FUNCTION_OPS})
    matmuls = {"MatMul", "BatchMatMulV2"}
    expect_ops(graph, "lstm_fn", {_("matrix multiplications (call lstm_cell inside lstm_fn)"): matmuls})
    reference = Reference.of(reference_cell, [tuple(shape)] * 3, [0, [1, 2]])
    speed = runner.speedup(graph, reference, [(tuple(shape), "float32")] * 3, seed=20261128,
                           calls=CALLS_PER_ROUND, threshold=MIN_SPEEDUP, rtol=1e-3, atol=1e-4)
    record_property("speedup", round(speed.median, 3))
    record_property("rounds", len(speed.ratios))
    record_property("student_sandbox", speed.frozen)
    if speed.mismatch:
        raise CheckFailure(_(
            "The graph traced from lstm_fn gave different results from lstm_cell: {speed_mismatch}."
        ).format(speed_mismatch=speed.mismatch))
    if speed.median < MIN_SPEEDUP:
        raise CheckFailure(_(
            "lstm_fn's graph ran only {speed_median:.2f}x as fast as the eager LSTM cell; a tf.function graph "
            "should be at least {MIN_SPEEDUP}x faster. Make sure lstm_fn just calls lstm_cell, with no extra "
            "work on every call."
        ).format(speed_median=speed.median, MIN_SPEEDUP=MIN_SPEEDUP))


# --- q4: scaled_sum -------------------------------------------------------------------------------


@pytest.mark.question("q4", points=0.5)
@property_check(max_examples=LENGTH_EXAMPLES)
@given(
    x=st.integers(1, 40).flatmap(lambda n: float32_arrays((n,), -4.0, 4.0)),
    scale=st.floats(-10.0, 10.0, width=32),
    scale_is_tensor=st.booleans(),
)
def test_scaled_sum_any_length_and_scale(student, x, scale, scale_is_tensor):
    # scale arrives as a Python float, or as a float32 scalar tensor (a 0-d array becomes one).
    arg = np.float32(scale) if scale_is_tensor else float(scale)
    kind = _("a float32 scalar tensor") if scale_is_tensor else _("a Python float")
    expected = np.float32(np.sum(x, dtype=np.float64) * scale)
    # A float32 sum in another order (or of x * scale) may differ by about length * eps * sum(|x * scale|),
    # which can be large next to a sum that nearly cancels: allow that much, and no more.
    rounding = float(np.sum(np.abs(x), dtype=np.float64)) * abs(scale) * x.size * 1.2e-7
    expect_tensor(student.call("scaled_sum", x, arg), expected, rtol=1e-5, atol=rounding + 1e-6,
                  what=_("scaled_sum of a length-{x_size} tensor with scale {kind}").format(x_size=x.size, kind=kind))


def _any_length(shape: tuple[int | None, ...] | None) -> bool:
    return shape is None or shape == (None,)


def _any_scalar(shape: tuple[int | None, ...] | None) -> bool:
    return shape is None or shape == ()


@pytest.mark.question("q4", points=1)
def test_scaled_sum_traces_once(student, runner):
    # The graph scaled_sum makes for a call with a Python float must take scale and x of any length
    # as inputs: then that one trace serves every call, which is what "traced only once" means.
    x = np.array([1.0, -2.0, 0.5], np.float32)
    graph = expect_tf_function(student, runner, "scaled_sum", args=[x, 1.0])
    if len(graph.inputs) < 2:
        raise CheckFailure(_(
            "The graph scaled_sum traced for a Python float has the value of scale built in, so every new "
            "value of scale traces it again. Give the tf.function an input_signature with a TensorSpec for "
            "scale, so it traces once."
        ))
    if len(graph.inputs) != 2 or not _any_length(graph.inputs[0].shape) or not _any_scalar(graph.inputs[1].shape):
        raise CheckFailure(_(
            "The graph scaled_sum traced fixes the length of x (or takes other inputs), so a new length traces "
            "it again. Give the tf.function an input_signature with one TensorSpec per argument, as Question 4 "
            "explains: x of any length, scale a float32 scalar."
        ))
    rng = np.random.default_rng(44)
    for length, scale in ((1, 0.5), (5, -2.0), (17, 3.25)):
        values = rng.uniform(-4, 4, size=length).astype(np.float32)
        expect_graph_computes_function(student, runner, graph, "scaled_sum", values, np.float32(scale))
