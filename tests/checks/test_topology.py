"""The topology library on models built in this process: no student process, a few seconds in all.

Each test builds a reference and a variant with Keras, describes both with ``topology.describe``
(the same JSON the student's process sends) and compares them.
"""

from __future__ import annotations

import copy
from typing import Any

import keras
import numpy as np
import pytest

from autograder.check_side.runner import Model
from autograder.check_side.student import CheckFailure
from autograder.checks import topology
from autograder.runner_side import runner_process
from autograder.wire import protocol, requests

WHAT = "your model"
OUTPUT_NAMES = ("prediction_a", "prediction_b")


# --- model builders: the reference and its variants ----------------------------------------------


def two_towers(
    *, shared: bool = True, names: bool = False, reverse_creation: bool = False, output_dim: int = 128,
    output_names: tuple[str, str] = OUTPUT_NAMES, units_b: int = 1, dtype: str = "int32", share_pooling: bool = False,
) -> keras.Model:
    """Two int sequences -> one shared Embedding -> pooling -> one sigmoid Dense per branch."""
    def name(text: str) -> str | None:
        return text if names else None

    a_name, b_name = output_names
    if reverse_creation:  # the same model, its layers created in the opposite order
        dense_b = keras.layers.Dense(units_b, activation="sigmoid", name=b_name)
        dense_a = keras.layers.Dense(1, activation="sigmoid", name=a_name)
        embedding_b = keras.layers.Embedding(1000, output_dim, name=name("emb_b"))
        embedding_a = embedding_b if shared else keras.layers.Embedding(1000, output_dim)
        input_b = keras.Input(shape=(None,), dtype=dtype, name=name("tokens_b"))
        input_a = keras.Input(shape=(None,), dtype=dtype, name=name("tokens_a"))
    else:
        input_a = keras.Input(shape=(None,), dtype=dtype, name=name("tokens_a"))
        input_b = keras.Input(shape=(None,), dtype=dtype, name=name("tokens_b"))
        embedding_a = keras.layers.Embedding(1000, output_dim, name=name("emb_a"))
        embedding_b = embedding_a if shared else keras.layers.Embedding(1000, output_dim)
        dense_a = keras.layers.Dense(1, activation="sigmoid", name=a_name)
        dense_b = keras.layers.Dense(units_b, activation="sigmoid", name=b_name)
    pool_a = keras.layers.GlobalAveragePooling1D(name=name("pool_a"))
    pool_b = pool_a if share_pooling else keras.layers.GlobalAveragePooling1D()
    out_a = dense_a(pool_a(embedding_a(input_a)))
    out_b = dense_b(pool_b(embedding_b(input_b)))
    return keras.Model([input_a, input_b], [out_a, out_b])


def residual(*, skip: str = "input", swapped: bool = False, spelled: str = "layers") -> keras.Model:
    """x -> Dense(32, relu) -> Dense(32) -> + x -> relu; ``skip`` says what the Add adds instead."""
    x = keras.Input(shape=(32,))
    if spelled == "split-activation":
        h1 = keras.layers.Activation("relu")(keras.layers.Dense(32)(x))
    else:
        h1 = keras.layers.Dense(32, activation="relu")(x)
    h2 = keras.layers.Dense(32)(h1)
    other = {"input": x, "hidden": h1}[skip]
    if spelled == "ops":
        y = keras.ops.relu(h2 + other if swapped else other + h2)
    else:
        pair = [h2, other] if swapped else [other, h2]
        y = keras.layers.ReLU()(keras.layers.add(pair)) if spelled == "add-fn" else \
            keras.layers.Activation("relu")(keras.layers.Add()(pair))
    return keras.Model(x, y)


def concat_model(*, swapped: bool = False) -> keras.Model:
    a, b = keras.Input(shape=(3,)), keras.Input(shape=(3,))
    da, db = keras.layers.Dense(4)(a), keras.layers.Dense(5)(b)
    merged = keras.layers.Concatenate()([db, da] if swapped else [da, db])
    return keras.Model([a, b], keras.layers.Dense(1)(merged))


def stack(*, functional: bool = False, units: int = 16, split_activation: bool = False) -> keras.Model:
    if functional:
        x = keras.Input(shape=(8,))
        h = keras.layers.Dense(units)(x)
        h = keras.layers.ReLU()(h) if split_activation else keras.layers.Activation("relu")(h)
        return keras.Model(x, keras.layers.Dense(1)(h))
    layers = [keras.Input(shape=(8,)), keras.layers.Dense(units, activation="relu"), keras.layers.Dense(1)]
    return keras.Sequential(layers)


def compare(actual: keras.Model, expected: keras.Model, **kwargs: Any) -> dict[str, str]:
    return topology.expect_same_topology(
        topology.describe(actual), topology.describe(expected), what=WHAT, **kwargs
    )


def difference(actual: keras.Model, expected: keras.Model, **kwargs: Any) -> str:
    with pytest.raises(CheckFailure) as failure:
        compare(actual, expected, **kwargs)
    message = str(failure.value)
    assert message.startswith(f"{WHAT}: ")
    return message


# --- the description is the runner's, like for like ----------------------------------------------


@pytest.mark.parametrize("build", [two_towers, residual, stack])
def test_describe_matches_the_runners_description_of_the_saved_model(build, tmp_path):
    model = build()
    model.save(tmp_path / "m.keras")
    arrays: list[np.ndarray] = []
    archive = protocol.encode_plain(np.frombuffer((tmp_path / "m.keras").read_bytes(), np.uint8), arrays)
    runner_side = runner_process._load_model(requests.LoadModel(archive=archive), arrays, {})
    assert runner_side["refused"] == []
    assert _without_tensor_names(topology.describe(model)) == _without_tensor_names(runner_side["description"])


def _without_tensor_names(description: dict[str, Any]) -> dict[str, Any]:
    # Keras names a reloaded model's symbolic tensors and weight paths anew; the topology never
    # reads those names (it reads shapes, dtypes, configs and parameter counts).
    def strip(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: v for k, v in entry.items() if k != "name"} for entry in entries]

    return {**description, **{key: strip(description[key]) for key in ("inputs", "outputs", "weights")}}


# --- what is NOT a difference ---------------------------------------------------------------------


def test_layer_names_do_not_matter():
    reference, named = two_towers(), two_towers(names=True)
    assert topology.signature(topology.describe(named)) == topology.signature(topology.describe(reference))
    pairs = compare(named, reference, check_names=OUTPUT_NAMES)
    assert pairs[reference.get_layer(index=2).name] == "emb_a"


def test_creation_order_does_not_matter():
    reference, reordered = two_towers(), two_towers(reverse_creation=True)
    assert topology.signature(topology.describe(reordered)) == topology.signature(topology.describe(reference))
    compare(reordered, reference, check_names=OUTPUT_NAMES)


def test_swapped_add_inputs_are_not_a_difference():
    reference, swapped = residual(), residual(swapped=True)
    assert topology.signature(topology.describe(swapped)) == topology.signature(topology.describe(reference))
    compare(swapped, reference)


@pytest.mark.parametrize("spelled", ["ops", "add-fn", "split-activation"])
def test_other_spellings_of_the_residual_block_are_the_same(spelled):
    compare(residual(spelled=spelled, swapped=True), residual())


@pytest.mark.parametrize("split_activation", [False, True])
def test_functional_stack_equals_sequential(split_activation):
    compare(stack(functional=True, split_activation=split_activation), stack())


# --- what IS a difference, in the student's words --------------------------------------------------


def test_unshared_embedding_is_detected():
    message = difference(two_towers(shared=False), two_towers())
    assert "Embedding should be ONE shared layer called 2 times; yours is not shared" in message


def test_sharing_what_should_be_separate_is_detected():
    def towers(shared_dense: bool) -> keras.Model:
        a, b = keras.Input(shape=(3,)), keras.Input(shape=(3,))
        first = keras.layers.Dense(2)
        second = first if shared_dense else keras.layers.Dense(2)
        return keras.Model([a, b], keras.layers.Add()([first(a), second(b)]))

    message = difference(towers(True), towers(False))
    assert "should have a separate Dense(units=2) layer with its own weights" in message


def test_sharing_a_layer_without_weights_is_detected_and_named():
    shared, reference = two_towers(share_pooling=True), two_towers()
    assert topology.signature(topology.describe(shared)) != topology.signature(topology.describe(reference))
    message = difference(shared, reference, check_names=OUTPUT_NAMES)
    assert "the model should have its own GlobalAveragePooling1D() layer; yours calls the same " \
           "GlobalAveragePooling1D layer that it also uses" in message
    assert "on the way to output `prediction_a`" in message and "on the way to output `prediction_b`" in message


def test_separate_layers_without_weights_where_one_is_shared_are_detected():
    message = difference(two_towers(), two_towers(share_pooling=True), check_names=OUTPUT_NAMES)
    assert "GlobalAveragePooling1D should be ONE shared layer called 2 times; yours is not shared" in message


def test_a_layer_without_weights_called_once_stays_out_of_the_signature():
    nodes = topology.signature(topology.describe(two_towers()))["nodes"]
    pooling = [node for node in nodes if node["class"] == "GlobalAveragePooling1D"]
    assert len(pooling) == 2 and all("layer" not in node for node in pooling)


def test_swapped_concatenate_inputs_are_detected():
    reference, swapped = concat_model(), concat_model(swapped=True)
    assert topology.signature(topology.describe(swapped)) != topology.signature(topology.describe(reference))
    message = difference(swapped, reference)
    assert "Concatenate(" in message and "gets its inputs in the wrong order" in message
    assert "should concatenate the output of Dense(units=4) from input 1 and the output of Dense(units=5)" in message


def test_rewired_skip_connection_is_detected():
    message = difference(residual(skip="hidden"), residual())
    assert "Add() should add the model's input and the output of Dense(units=32); yours adds" in message
    assert "the output of Dense(units=32, activation='relu')" in message


def test_wrong_output_count_is_detected():
    two = two_towers()
    one = keras.Model(two.inputs, two.outputs[0])
    assert "it should have 2 outputs; yours has 1." in difference(one, two)


def test_wrong_output_shape_is_detected():
    message = difference(two_towers(units_b=2), two_towers(), check_names=OUTPUT_NAMES)
    assert "output `prediction_b` should have shape (None, 1); yours has (None, 2)." in message


def test_wrong_output_name_is_detected():
    message = difference(two_towers(output_names=("prediction_a", "out_b")), two_towers(), check_names=OUTPUT_NAMES)
    assert "output 2 should be named `prediction_b`; yours is named `out_b`" in message


def test_swapped_output_names_are_detected():
    message = difference(two_towers(output_names=OUTPUT_NAMES[::-1]), two_towers(), check_names=OUTPUT_NAMES)
    expected = "should be named [prediction_a, prediction_b], in this order; yours are [prediction_b, prediction_a]"
    assert expected in message


def test_output_names_are_ignored_unless_asked_for():
    compare(two_towers(output_names=OUTPUT_NAMES[::-1]), two_towers())


def test_wrong_config_is_named():
    message = difference(two_towers(output_dim=64), two_towers(), check_names=OUTPUT_NAMES)
    assert "the Embedding layer should have output_dim=128; yours has output_dim=64" in message


def test_wrong_units_in_a_stack():
    message = difference(stack(units=32), stack())
    assert "where Dense(units=1) gets its input" in message
    assert "the Dense layer should have units=16; yours has units=32" in message


def test_wrong_input_dtype_is_detected():
    message = difference(two_towers(dtype="float32"), two_towers())
    assert "input 1 should have dtype int32; yours has float32" in message and 'dtype="int32"' in message


def test_branch_reading_the_other_input_is_detected():
    reference = two_towers()
    a, b = reference.inputs
    crossed = keras.Model([b, a], reference.outputs)
    message = difference(crossed, reference)
    assert "the model should read input 1; yours reads input 2" in message


def test_missing_activation_is_detected():
    x = keras.Input(shape=(4,))
    plain = keras.Model(x, keras.layers.Dense(1)(x))
    sigmoid = keras.Model(x, keras.layers.Dense(1, activation="sigmoid")(x))
    message = difference(plain, sigmoid)
    assert "at the model's output, the Dense layer should have activation='sigmoid'; yours has activation='linear'" \
        in message


def test_unbuilt_model_is_reported():
    unbuilt = keras.Sequential([keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)])
    assert "it is not built" in difference(unbuilt, stack())


def test_unreadable_description_is_a_check_failure():
    info = topology.describe(stack())
    for broken in ({"config": {"name": "subclassed"}}, {"config": None}, {**info, "config": {"layers": 3}}):
        with pytest.raises(CheckFailure, match="could not read its structure"):
            topology.expect_same_topology(broken, info, what=WHAT)


def test_cycles_and_dangling_references_are_rejected():
    info = topology.describe(residual())
    looped = copy.deepcopy(info)
    first_dense = looped["config"]["layers"][1]
    last = looped["config"]["layers"][-1]["name"]
    first_dense["inbound_nodes"][0]["args"][0]["config"]["keras_history"] = [last, 0, 0]
    with pytest.raises(topology.TopologyError, match="cycle"):
        topology.parse(looped)
    dangling = copy.deepcopy(info)
    dangling["config"]["layers"][1]["inbound_nodes"][0]["args"][0]["config"]["keras_history"] = ["nowhere", 0, 0]
    with pytest.raises(topology.TopologyError, match="nowhere"):
        topology.parse(dangling)


# --- copying the student's weights into the reference ---------------------------------------------


class InProcessRunner:
    """Just enough of :class:`autograder.check_side.runner.Runner` for ``copy_weights``, on a local model."""

    def __init__(self, model: Any) -> None:
        self.model = model

    def layer_weights(self, _model: Model, layer: str) -> list[np.ndarray]:
        return [np.asarray(w) for w in self.model.get_layer(layer).get_weights()]


def test_copy_weights_pairs_layers_by_structure_not_order():
    reference, theirs = two_towers(), two_towers(names=True, reverse_creation=True)
    pairs = compare(theirs, reference, check_names=OUTPUT_NAMES)
    topology.copy_weights(InProcessRunner(theirs), Model("m", 1, {}), reference, pairs)  # type: ignore[arg-type]
    rng = np.random.default_rng(0)
    tokens = [rng.integers(0, 1000, size=(3, 5)).astype("int32"), rng.integers(0, 1000, size=(3, 2)).astype("int32")]
    for mine, expected in zip(theirs(tokens), reference(tokens), strict=True):
        np.testing.assert_allclose(np.asarray(mine), np.asarray(expected), rtol=1e-6)
