"""Hidden checks for `functional`: they run only at grading, in the trusted check process.

Each question's reference model is built here, with Keras, and compared with the student's by
structure (names and creation order do not matter). Then both run on fresh inputs: when the
structures match, the reference gets the student's weights and the outputs must agree.
"""

import secrets
import struct
import tempfile
from pathlib import Path

import keras
import numpy as np
import pytest

from autograder.channel.protocol import ArrayValue
from autograder.channel.student import StudentUnavailable
from autograder.checks import CheckFailure, expect_tensor, expect_tensor_spec
from autograder.checks.topology import copy_weights, describe, expect_same_topology, load_student_model

PREDICTIONS = ("prediction_a", "prediction_b")
DIAGRAM_HEIGHT_TOLERANCE = 0.15
"""plot_model's height depends on the rows of boxes and on show_shapes (measured: 1256 px with
shapes, 822 without); its width also on how many boxes sit side by side, so it gets more room."""
DIAGRAM_WIDTH_RANGE = (0.5, 1.5)


def reference_sequential() -> keras.Model:
    return keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)])


def reference_model() -> keras.Model:
    input_a = keras.Input(shape=(None,), dtype="int32")
    input_b = keras.Input(shape=(None,), dtype="int32")
    embedding = keras.layers.Embedding(1000, 128)
    pooled_a = keras.layers.GlobalAveragePooling1D()(embedding(input_a))
    pooled_b = keras.layers.GlobalAveragePooling1D()(embedding(input_b))
    prediction_a = keras.layers.Dense(1, activation="sigmoid", name="prediction_a")(pooled_a)
    prediction_b = keras.layers.Dense(1, activation="sigmoid", name="prediction_b")(pooled_b)
    return keras.Model([input_a, input_b], [prediction_a, prediction_b])


def reference_residual() -> keras.Model:
    x = keras.Input(shape=(32,))
    h = keras.layers.Dense(32, activation="relu")(x)
    h = keras.layers.Dense(32)(h)
    return keras.Model(x, keras.layers.Activation("relu")(keras.layers.Add()([x, h])))


def _expect_structure(student, runner, builder, reference, check_names=()):
    model = load_student_model(student, runner, builder, store_as=f"hidden_{builder}")
    expect_same_topology(model.description, describe(reference), what=f"The model from {builder}()",
                         check_names=check_names)


def _expect_outputs(student, runner, builder, reference, inputs, labels, check_names=()):
    """Run the student's model (as the grader's runner loaded it) on fresh inputs: shapes always,
    values when the structure matches."""
    model = load_student_model(student, runner, builder, store_as=f"outputs_{builder}")
    got = [ArrayValue("tensor", value) for value in runner.run_model(model, inputs)]
    if len(got) != len(labels):
        raise CheckFailure(
            f"The model from {builder}() returned {len(got)} tensor(s) for new inputs; it should return {len(labels)}."
        )
    expected = [np.asarray(t) for t in _as_list(reference(inputs))]
    for value, want, label in zip(got, expected, labels, strict=True):
        expect_tensor_spec(value, want.shape, want.dtype, what=label)
    try:
        pairs = expect_same_topology(model.description, describe(reference), what=builder, check_names=check_names)
    except StudentUnavailable:
        raise
    except CheckFailure:
        return  # the structure check says what differs; only the shapes can be compared
    copy_weights(runner, model, reference, pairs)
    for value, want, label in zip(got, _as_list(reference(inputs)), labels, strict=True):
        expect_tensor(value, np.asarray(want), what=label, rtol=1e-5, atol=1e-6)


def _as_list(outputs):
    return list(outputs) if isinstance(outputs, list | tuple) else [outputs]


@pytest.mark.question("q1", points=1)
def test_sequential_structure(student, runner):
    _expect_structure(student, runner, "build_sequential", reference_sequential())


@pytest.mark.question("q1", points=1)
def test_sequential_outputs(student, runner):
    x = np.random.default_rng(11).normal(size=(6, 8)).astype(np.float32)
    labels = ["build_sequential()'s output for new inputs"]
    _expect_outputs(student, runner, "build_sequential", reference_sequential(), x, labels)


@pytest.mark.question("q2", points=2)
def test_model_structure(student, runner):
    _expect_structure(student, runner, "build_model", reference_model(), PREDICTIONS)


@pytest.mark.question("q2", points=1)
def test_model_outputs(student, runner):
    rng = np.random.default_rng(12)
    words = [rng.integers(0, 1000, size=(4, 9)).astype(np.int32), rng.integers(0, 1000, size=(4, 3)).astype(np.int32)]
    labels = [f"build_model()'s output {name} for new word sequences" for name in PREDICTIONS]
    _expect_outputs(student, runner, "build_model", reference_model(), words, labels, PREDICTIONS)


@pytest.mark.question("q3", points=1)
def test_residual_structure(student, runner):
    _expect_structure(student, runner, "build_residual", reference_residual())


@pytest.mark.question("q3", points=1)
def test_residual_outputs(student, runner):
    x = np.random.default_rng(13).normal(size=(5, 32)).astype(np.float32)
    labels = ["build_residual()'s output for new inputs"]
    _expect_outputs(student, runner, "build_residual", reference_residual(), x, labels)


@pytest.mark.question("q4", points=1)
def test_diagram_shows_build_model(student, diagram_size):
    # A fresh name: a file the notebook wrote earlier does not count, and draw_model must use `path`.
    width, height = diagram_size(f"grader-diagram-{secrets.token_hex(4)}.png")
    ref_width, ref_height = _reference_diagram_size()
    tall_enough = abs(height - ref_height) <= DIAGRAM_HEIGHT_TOLERANCE * ref_height
    low, high = DIAGRAM_WIDTH_RANGE
    if not (tall_enough and low * ref_width <= width <= high * ref_width):
        raise CheckFailure(
            f"The diagram draw_model wrote is {width}x{height} pixels, but build_model()'s diagram drawn "
            f"with show_shapes=True is about {ref_width}x{ref_height}. Draw build_model() and pass "
            "show_shapes=True to plot_model."
        )


def _reference_diagram_size() -> tuple[int, int]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "reference.png"
        keras.utils.plot_model(reference_model(), to_file=str(path), show_shapes=True)
        width, height = struct.unpack(">II", path.read_bytes()[16:24])
    return width, height
