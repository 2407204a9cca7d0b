"""Hidden checks for `functional`: they run only at grading, in the trusted check process.

Each question's reference model is built here, with Keras, and compared with the student's by
structure (names and creation order do not matter). Then both run on fresh inputs drawn by
Hypothesis (any batch size; for question 2 any number of words, any word id from 0 to 999): when
the structures match, the reference gets the student's weights and the outputs must agree.

Each question is judged on its own: question 4 holds the diagram against the student's own
``build_model()``, so a mistake in question 2 costs points only there.
"""

from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from autograder.checks import (
    ArrayValue,
    CheckFailure,
    Model,
    StudentUnavailable,
    TopologyError,
    _,
    copy_weights,
    describe,
    expect_same_topology,
    expect_tensor,
    expect_tensor_spec,
    float32_arrays,
    parse,
    property_check,
)

PREDICTIONS = ("prediction_a", "prediction_b")
EXAMPLES = 8
"""Hypothesis examples per property: each one is a run of the student's model in the grader's runner."""


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


REFERENCES: dict[str, tuple[Callable[[], keras.Model], tuple[str, ...]]] = {
    "build_sequential": (reference_sequential, ()),
    "build_model": (reference_model, PREDICTIONS),
    "build_residual": (reference_residual, ()),
}
OUTPUT_WIDTH = {"build_sequential": 1, "build_model": 1, "build_residual": 32}
"""Each output of a builder's model is a (batch, width) float32 tensor."""
_PAIRED: dict[str, Any] = {}


def _expect_structure(student_model, builder: str, reference: keras.Model | None = None) -> dict[str, str]:
    """The student's model has the reference's structure; which student layer plays each reference layer."""
    make, names = REFERENCES[builder]
    return expect_same_topology(student_model(builder).description, describe(reference or make()),
                                what=_("The model from {builder}()").format(builder=builder),
                                check_names=names)


def _paired(student_model, runner, builder: str) -> tuple[Model, keras.Model | None]:
    """The student's model and a reference holding its weights; None for the reference when the
    structures differ (the structure check says how). Made once per grading."""
    if builder not in _PAIRED:
        model = student_model(builder)
        reference = REFERENCES[builder][0]()
        try:
            copy_weights(runner, model, reference, _expect_structure(student_model, builder, reference))
        except StudentUnavailable:
            raise
        except CheckFailure:
            reference = None
        _PAIRED[builder] = (model, reference)
    return _PAIRED[builder]


def _expect_outputs(student_model, runner, builder: str, inputs, labels: list[str]) -> None:
    """Run the student's model (as the grader's runner loaded it) on ``inputs``: the shapes always,
    the values when the structure matches the reference's."""
    model, reference = _paired(student_model, runner, builder)
    got = runner.run_model(model, inputs)
    if len(got) != len(labels):
        raise CheckFailure(
            _("The model from {builder}() returned {len_got} tensor(s) for new inputs; it should return "
              "{len_labels}.").format(builder=builder, len_got=len(got), len_labels=len(labels))
        )
    rows = len(_as_list(inputs)[0])
    if reference is None:  # the structure check says what differs; only the shapes can be compared
        for value, label in zip(got, labels, strict=True):
            expect_tensor_spec(_tensor(value), (rows, OUTPUT_WIDTH[builder]), np.float32, what=label)
        return
    for value, want, label in zip(got, _as_list(reference(inputs)), labels, strict=True):
        expect_tensor(_tensor(value), np.asarray(want), what=label, rtol=1e-5, atol=1e-6)


def _tensor(value: np.ndarray):
    return ArrayValue("tensor", value)


def _as_list(outputs):
    return list(outputs) if isinstance(outputs, list | tuple) else [outputs]


def batches(width: int) -> st.SearchStrategy[np.ndarray]:
    """Float32 batches of any size, ``width`` numbers per example."""
    return st.integers(1, 12).flatmap(lambda rows: float32_arrays((rows, width), -3.0, 3.0))


def word_ids(rows: int) -> st.SearchStrategy[np.ndarray]:
    """int32 word ids from 0 to 999 (both ends included), ``rows`` texts of any number of words."""
    ids = st.one_of(st.sampled_from([0, 999]), st.integers(0, 999))
    return st.integers(1, 20).flatmap(lambda words: arrays(np.int32, (rows, words), elements=ids))


two_texts = st.integers(1, 6).flatmap(lambda rows: st.tuples(word_ids(rows), word_ids(rows)))


# --- question 1 ----------------------------------------------------------------------------------


@pytest.mark.question("q1", points=1)
def test_sequential_structure(student_model):
    _expect_structure(student_model, "build_sequential")


@pytest.mark.question("q1", points=0.5)
@property_check(max_examples=EXAMPLES)
@given(x=batches(8))
def test_sequential_outputs(student_model, runner, x):
    _expect_outputs(student_model, runner, "build_sequential", x, [_("build_sequential()'s output for new inputs")])


@pytest.mark.question("q1", points=0.5)
def test_sequential_new_model_every_call(new_model_probe):
    new_model_probe("build_sequential")


# --- question 2 ----------------------------------------------------------------------------------


@pytest.mark.question("q2", points=1)
def test_model_shares_one_embedding(student_model):
    try:
        graph = parse(student_model("build_model").description)
    except TopologyError as exc:
        raise CheckFailure(_("The model from build_model() cannot be read as layers: {exc}").format(exc=exc)) from None
    wanted = next(layer for layer in parse(describe(reference_model())).layers.values() if layer.kind == "Embedding")
    embeddings = [layer for layer in graph.layers.values() if layer.kind == "Embedding"]
    if len(embeddings) != 1:
        raise CheckFailure(_("The model from build_model() has {len_embeddings} Embedding layers; it should have "
                             "one, called on both inputs.").format(len_embeddings=len(embeddings)))
    (embedding,) = embeddings
    if embedding.config != wanted.config:
        raise CheckFailure(_("The Embedding of build_model() should be Embedding(1000, 128) with no other setting "
                             "changed; its settings are {dict_embedding_config}.").format(
                                 dict_embedding_config=dict(embedding.config)))
    sources = [graph.nodes[ref.node].model_input for node in graph.nodes.values() if node.layer == embedding.name
               for ref in node.inputs]
    read = sorted(-1 if source is None else source for source in sources)
    if read != [0, 1]:
        raise CheckFailure(_("The Embedding of build_model() should be called once on input_a and once on input_b "
                             "(a shared layer); it reads the model's inputs {read} (-1: not a model input).").format(
                                 read=read))


@pytest.mark.question("q2", points=1)
def test_model_structure(student_model):
    _expect_structure(student_model, "build_model")


@pytest.mark.question("q2", points=0.5)
@property_check(max_examples=EXAMPLES)
@given(words=two_texts)
def test_model_any_number_of_words(student_model, runner, words):
    specs = student_model("build_model").description.get("inputs") or []
    shapes = [list(spec.get("shape", [])) for spec in specs]
    if shapes != [[None, None], [None, None]]:
        raise CheckFailure(_("The inputs of build_model() have shapes {shapes}; each should take any number of "
                             "words: keras.Input(shape=(None,), dtype=\"int32\").").format(shapes=shapes))
    labels = [_("build_model()'s output {name} for new word sequences").format(name=name) for name in PREDICTIONS]
    _expect_outputs(student_model, runner, "build_model", list(words), labels)


@pytest.mark.question("q2", points=0.5)
def test_model_new_model_every_call(new_model_probe):
    new_model_probe("build_model")


# --- question 3 ----------------------------------------------------------------------------------


@pytest.mark.question("q3", points=1)
def test_residual_structure(student_model):
    _expect_structure(student_model, "build_residual")


@pytest.mark.question("q3", points=0.5)
@property_check(max_examples=EXAMPLES)
@given(x=batches(32))
def test_residual_outputs(student_model, runner, x):
    _expect_outputs(student_model, runner, "build_residual", x, [_("build_residual()'s output for new inputs")])


@pytest.mark.question("q3", points=0.5)
def test_residual_new_model_every_call(new_model_probe):
    new_model_probe("build_residual")


# --- question 4 ----------------------------------------------------------------------------------


@pytest.mark.question("q4", points=0.5)
def test_diagram_shows_build_model(diagram_reading):
    reading = diagram_reading(reference_model)
    if not reading.layers_match:
        whose = _("build_model()'s model") if reading.own_model else _("the model Question 2 describes")
        raise CheckFailure(
            _("The diagram draw_model wrote shows the layers {dict_sorted_reading_kinds_items}, but {whose} has "
              "{dict_sorted_reading_expected_kinds_items}. Draw the model build_model() returns: "
              "keras.utils.plot_model(build_model(), to_file=path, show_shapes=True).").format(
                dict_sorted_reading_kinds_items=dict(sorted(reading.kinds.items())), whose=whose,
                dict_sorted_reading_expected_kinds_items=dict(sorted(reading.expected.kinds.items())))
        )


@pytest.mark.question("q4", points=0.5)
def test_diagram_shows_shapes(diagram_reading):
    reading = diagram_reading(reference_model)
    if reading.missing_shapes:
        raise CheckFailure(
            _("The diagram draw_model wrote does not show the shapes {join_reading_missing_shapes} of "
              "build_model()'s layers. Pass show_shapes=True to plot_model.").format(
                join_reading_missing_shapes=", ".join(reading.missing_shapes))
        )
