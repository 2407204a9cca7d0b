"""Hidden checks for `custom_layers`: they run only at grading, in the trusted check process.

The student's classes run only in the student's process. Here, outputs are checked against a
trusted NumPy re-implementation that uses the weights the check chose (set through the handle),
configs are checked as JSON, and the saved .keras file is read with zipfile + json only.
"""

import numpy as np
import pytest

from autograder.channel.protocol import OpaqueValue
from autograder.channel.student import StudentUnavailable
from autograder.checks import CheckFailure, expect_tensor
from autograder.checks.keras_saving import (
    activation,
    archive_layer_configs,
    expect_config_complete,
    expect_from_config_round_trip,
    expect_get_config_written,
    expect_registered,
    expect_same_outputs,
    keras_archive_config,
    reload_model,
)

FEATURES = 4
SGD_LEARNING_RATE = 0.01  # Keras' default for optimizer="sgd"
PACKAGE = "my_layers"  # as the notebook suggests; any package name passes
MODEL_SHAPES = {"hidden kernel": (4, 8), "hidden bias": (8,), "output kernel": (8, 1), "output bias": (1,)}
SIZE_HINT = "Take the kernel's first dimension from input_shape[-1] in build(), so the layer works for any input size."
DENSE_HINT = "call should return activation(inputs @ kernel + bias), without the bias when use_bias is false."
MODEL_HINT = "It should be keras.Input(shape=(4,)), then MyDense(8, activation='relu'), then MyDense(1)."
MY_MODEL_HINT = "call should apply MyDense(hidden_units, activation='relu'), then MyDense(1)."
STACK_HINT = "The second MyDense layer gets the first one's outputs: MyDense must work for any input size."

ACTIVATIONS = {
    None: lambda z: z,
    "relu": lambda z: np.maximum(z, 0.0),
    "tanh": np.tanh,
}


# --- trusted references ----------------------------------------------------------------------


def _inputs(seed: int, rows: int = 6, features: int = FEATURES) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((rows, features)).astype(np.float32)


def _dense(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray | None, act: str | None) -> np.ndarray:
    z = x.astype(np.float64) @ kernel.astype(np.float64)
    if bias is not None:
        z = z + bias
    return ACTIVATIONS[act](z).astype(np.float32)


def _mlp(x: np.ndarray, p: dict[str, np.ndarray]) -> np.ndarray:
    hidden = _dense(x, p["hidden kernel"], p["hidden bias"], "relu")
    return _dense(hidden, p["output kernel"], p["output bias"], None)


def _mse_gradients(x: np.ndarray, y: np.ndarray, p: dict[str, np.ndarray]) -> tuple[float, dict[str, np.ndarray]]:
    """Mean squared error of the two-layer model and its gradient for each weight (float64)."""
    w = {k: v.astype(np.float64) for k, v in p.items()}
    z = x.astype(np.float64) @ w["hidden kernel"] + w["hidden bias"]
    h = np.maximum(z, 0.0)
    diff = h @ w["output kernel"] + w["output bias"] - y
    d_out = 2.0 * diff / diff.size
    d_z = (d_out @ w["output kernel"].T) * (z > 0)
    grads = {
        "hidden kernel": x.T.astype(np.float64) @ d_z,
        "hidden bias": d_z.sum(axis=0),
        "output kernel": h.T @ d_out,
        "output bias": d_out.sum(axis=0),
    }
    return float(np.mean(diff**2)), grads


# --- talking to the student's objects --------------------------------------------------------


def _call(student, name: str, x: np.ndarray, *, what: str, hint: str = ""):
    try:
        return student.call(name, x)
    except StudentUnavailable:
        raise
    except CheckFailure as exc:
        error = str(exc).replace(f"Calling `{name}` raised", "it raised")
        raise CheckFailure(f"{what} failed: {error} {hint}".strip()) from exc


def _make(student, factory: str, *args, store_as: str, hint: str) -> None:
    """``store_as = factory(*args)`` in the student's process, with a hint when it fails."""
    try:
        student.call(factory, *args, store_as=store_as)
    except StudentUnavailable:
        raise
    except CheckFailure as exc:
        error = str(exc).replace(f"Calling `{factory}` raised", f"{factory}() raised")
        raise CheckFailure(f"{error} {hint}") from exc


def _random_weights(student, name: str, seed: int) -> list[np.ndarray]:
    """Give ``name`` random weights of its own shapes (non-zero biases show a missing `+ bias`)."""
    rng = np.random.default_rng(seed)
    weights = [rng.uniform(-1.0, 1.0, w.shape).astype(np.float32) for w in student.weights(name)]
    student.call(f"{name}.set_weights", weights)
    return weights


def _by_shape(weights: list[np.ndarray], expected: dict[str, tuple], *, what: str, hint: str) -> dict[str, np.ndarray]:
    """Name each weight by its shape (the expected shapes are all different)."""
    shapes = sorted(tuple(w.shape) for w in weights)
    if shapes != sorted(expected.values()):
        wanted = ", ".join(f"{k} {s}" for k, s in expected.items())
        raise CheckFailure(f"{what} should have weights {wanted}, but it has weights of shapes {shapes}. {hint}")
    lookup = {tuple(w.shape): w for w in weights}
    return {k: lookup[s] for k, s in expected.items()}


def _expect_output(actual, expected: np.ndarray, *, what: str, hint: str) -> None:
    try:
        expect_tensor(actual, expected, what=what, rtol=1e-4, atol=1e-5)
    except CheckFailure as exc:
        raise CheckFailure(f"{exc} {hint}") from exc


def _expect_two_mydense(student, name: str, what: str) -> None:
    layers = student.get(f"{name}.layers")
    kinds = [v.type_name.rsplit(".", 1)[-1] for v in layers if isinstance(v, OpaqueValue)]
    others = [k for k in kinds if k not in ("MyDense", "InputLayer")]
    if kinds.count("MyDense") != 2 or others:
        raise CheckFailure(f"{what} should be made of two MyDense layers, but its layers are {kinds}.")


# --- q1: the layer ---------------------------------------------------------------------------


@pytest.mark.question("q1", points=1)
def test_mydense_creates_weights_in_build(student):
    student.call("MyDense", 3, store_as="q1_lazy")
    early = student.weights("q1_lazy")
    if early:
        raise CheckFailure(
            f"MyDense(3) already has {len(early)} weight(s) before it is called, when it cannot know "
            "the size of its input yet. Create the weights in build(input_shape), not in __init__."
        )
    _call(student, "q1_lazy", _inputs(1), what="Calling MyDense(3) on a (6, 4) input")
    if not student.weights("q1_lazy"):
        raise CheckFailure(
            "MyDense(3) still has no weights after being called: create the kernel and the bias in "
            "build(input_shape) with self.add_weight(...)."
        )


@pytest.mark.question("q1", points=1)
def test_mydense_builds_for_any_input_size(student):
    for features, units in ((3, 5), (7, 2)):
        name = f"q1_size_{features}"
        what = f"MyDense({units}) on inputs with {features} features"
        student.call("MyDense", units, store_as=name)
        _call(student, name, np.zeros((2, features), np.float32), what=what, hint=SIZE_HINT)
        _by_shape(student.weights(name), {"kernel": (features, units), "bias": (units,)}, what=what, hint=SIZE_HINT)
        trainable = student.get(f"{name}.trainable_weights")
        count = len(trainable) if isinstance(trainable, list) else 0
        if count != 2:
            raise CheckFailure(
                f"{what} has {count} trainable weight(s) out of 2, so training would not update the "
                "others. Create them with self.add_weight(...) and leave trainable=True (the default)."
            )
    what = "MyDense(4, use_bias=False) on inputs with 3 features"
    student.call("MyDense", 4, use_bias=False, store_as="q1_no_bias")
    _call(student, "q1_no_bias", np.zeros((2, 3), np.float32), what=what, hint=SIZE_HINT)
    _by_shape(student.weights("q1_no_bias"), {"kernel": (3, 4)}, what=what,
              hint="Create the bias only when use_bias is true.")


@pytest.mark.question("q1", points=1)
def test_mydense_linear_values(student):
    for use_bias, label in ((True, "MyDense(3)"), (False, "MyDense(3, use_bias=False)")):
        name = f"q1_linear_{use_bias}"
        student.call("MyDense", 3, use_bias=use_bias, store_as=name)
        _call(student, name, _inputs(2), what=f"Calling {label} on a (6, 4) input")
        shapes = {"kernel": (FEATURES, 3)} | ({"bias": (3,)} if use_bias else {})
        p = _by_shape(_random_weights(student, name, 3), shapes, what=label, hint=DENSE_HINT)
        x = _inputs(4)
        expected = _dense(x, p["kernel"], p.get("bias"), None)
        _expect_output(student.call(name, x), expected, what=f"{label}(x)", hint=DENSE_HINT)


@pytest.mark.question("q1", points=1)
def test_mydense_applies_activation(student):
    for act in ("relu", "tanh"):
        label = f"MyDense(3, activation={act!r}, use_bias=False)"
        name = f"q1_activation_{act}"
        student.call("MyDense", 3, activation=act, use_bias=False, store_as=name)
        _call(student, name, _inputs(5), what=f"Calling {label} on a (6, 4) input")
        p = _by_shape(_random_weights(student, name, 6), {"kernel": (FEATURES, 3)}, what=label, hint=DENSE_HINT)
        x = _inputs(7)
        _expect_output(
            student.call(name, x), _dense(x, p["kernel"], None, act), what=f"{label}(x)",
            hint="Apply the activation: keras.activations.get(activation) gives the function, and call "
            "should return activation(inputs @ kernel + bias).",
        )


# --- q2: config, from_config, registration ---------------------------------------------------


@pytest.mark.question("q2", points=1)
def test_mydense_get_config_is_complete(student):
    expect_get_config_written(student, "MyDense")
    cases = (
        ({}, {"units": 3, "activation": activation(None), "use_bias": True}, "MyDense(3).get_config()"),
        (
            {"activation": "relu", "use_bias": False},
            {"units": 3, "activation": activation("relu"), "use_bias": False},
            "MyDense(3, activation='relu', use_bias=False).get_config()",
        ),
    )
    for i, (kwargs, required, what) in enumerate(cases):
        name = f"q2_config_{i}"
        student.call("MyDense", 3, store_as=name, **kwargs)
        expect_config_complete(student.config(name), required, what=what)


@pytest.mark.question("q2", points=1)
def test_mydense_from_config_round_trip(student):
    for i, (units, kwargs) in enumerate(((5, {"activation": "tanh"}), (2, {"activation": "relu", "use_bias": False}))):
        name = f"q2_round_trip_{i}"
        student.call("MyDense", units, store_as=name, **kwargs)
        _call(student, name, _inputs(10 + i), what=f"Calling MyDense({units}, ...) on a (6, 4) input")
        _random_weights(student, name, 12 + i)
        fresh = [_inputs(14 + i), _inputs(16 + i)]
        expect_from_config_round_trip(student, name, "MyDense", fresh, store_as=f"{name}_copy")


@pytest.mark.question("q2", points=1)
def test_mydense_is_registered(student):
    expect_registered(student, "MyDense", package=PACKAGE)


# --- q3: a model that uses the layer, saved and loaded -------------------------------------


@pytest.mark.question("q3", points=1)
def test_build_model_layers_and_values(student):
    _make(student, "build_model", store_as="q3_model", hint=STACK_HINT)
    _expect_two_mydense(student, "q3_model", "build_model()'s model")
    _call(student, "q3_model", _inputs(40), what="Calling build_model()'s model on a (6, 4) input", hint=STACK_HINT)
    p = _by_shape(_random_weights(student, "q3_model", 41), MODEL_SHAPES, what="build_model()'s model", hint=MODEL_HINT)
    x = _inputs(42)
    what = "build_model()'s model on fresh inputs"
    _expect_output(student.call("q3_model", x), _mlp(x, p), what=what, hint=MODEL_HINT)


@pytest.mark.question("q3", points=1)
def test_build_model_reloads_with_same_outputs(student):
    _make(student, "build_model", store_as="q3_saved", hint=STACK_HINT)
    _random_weights(student, "q3_saved", 43)
    reload_model(student, "q3_saved", "q3_reloaded", classes=("MyDense",), package=PACKAGE)
    expect_same_outputs(
        student, "q3_saved", "q3_reloaded", [_inputs(44), _inputs(45)],
        what="The model loaded back from its .keras file",
        hint="get_config must return every constructor argument, the activation included, and from_config "
        "must use all of them.",
    )


@pytest.mark.question("q3", points=1)
def test_saved_file_holds_full_layer_configs(student):
    _make(student, "build_model", store_as="q3_archived", hint=STACK_HINT)
    data = reload_model(student, "q3_archived", "q3_archived_reloaded", classes=("MyDense",), custom_objects=True)
    configs = archive_layer_configs(keras_archive_config(data), "MyDense")
    if len(configs) != 2:
        raise CheckFailure(
            f"config.json in the saved .keras file should describe two MyDense layers; it describes {len(configs)}."
        )
    expected = (
        ("first", {"units": 8, "activation": activation("relu"), "use_bias": True}),
        ("second", {"units": 1, "activation": activation(None), "use_bias": True}),
    )
    for config, (which, required) in zip(configs, expected, strict=True):
        what = f"The {which} MyDense layer's config in the saved file (config.json)"
        expect_config_complete(config, required, what=what)


# --- q4: a Model subclass that trains ----------------------------------------------------------


@pytest.mark.question("q4", points=1)
def test_my_model_values(student):
    _make(student, "MyModel", 8, store_as="q4_model", hint=STACK_HINT)
    _expect_two_mydense(student, "q4_model", "MyModel(8)")
    _call(student, "q4_model", _inputs(50), what="Calling MyModel(8) on a (6, 4) input", hint=STACK_HINT)
    p = _by_shape(_random_weights(student, "q4_model", 51), MODEL_SHAPES, what="MyModel(8)", hint=MY_MODEL_HINT)
    x = _inputs(52)
    _expect_output(student.call("q4_model", x), _mlp(x, p), what="MyModel(8) on fresh inputs", hint=MY_MODEL_HINT)


@pytest.mark.question("q4", points=1)
def test_my_model_trains_all_weights(student):
    shapes = {"hidden kernel": (3, 6), "hidden bias": (6,), "output kernel": (6, 1), "output bias": (1,)}
    x = _inputs(60, rows=16, features=3)
    y = np.random.default_rng(61).standard_normal((16, 1)).astype(np.float32)
    _make(student, "MyModel", 6, store_as="q4_train", hint=STACK_HINT)
    _call(student, "q4_train", x, what="Calling MyModel(6) on a (16, 3) input", hint=STACK_HINT)
    before = _random_weights(student, "q4_train", 62)
    p = _by_shape(before, shapes, what="MyModel(6) on inputs with 3 features", hint=MY_MODEL_HINT)
    _expect_trainable(student, "q4_train", len(before))
    student.call("q4_train.compile", optimizer="sgd", loss="mse", jit_compile=False)
    logs = student.call("q4_train.train_on_batch", x, y, return_dict=True)
    loss, grads = _mse_gradients(x, y, p)
    reported = logs.get("loss") if isinstance(logs, dict) else None
    if not isinstance(reported, float) or not np.isclose(reported, loss, rtol=1e-4, atol=1e-6):
        shown = f"{reported:.6g}" if isinstance(reported, float) else repr(reported)
        raise CheckFailure(
            f"MyModel's training step reported a loss of {shown}, but the mean squared error of what it "
            f"should compute is {loss:.6g}. {MY_MODEL_HINT}"
        )
    after = student.weights("q4_train")
    _expect_all_changed(before, after)
    new = _by_shape(after, shapes, what="MyModel(6) after training", hint=MY_MODEL_HINT)
    for key, grad in grads.items():
        if not np.allclose(new[key], p[key] - SGD_LEARNING_RATE * grad, rtol=1e-4, atol=1e-5):
            raise CheckFailure(
                f"One SGD step changed MyModel's {key} differently from the gradient of the loss. "
                f"{MY_MODEL_HINT}"
            )


def _expect_trainable(student, name: str, count: int) -> None:
    trainable = student.get(f"{name}.trainable_weights")
    found = len(trainable) if isinstance(trainable, list) else 0
    if found != count:
        raise CheckFailure(
            f"MyModel has {found} trainable weight(s) out of {count}, so training cannot update the "
            "others. Create weights with self.add_weight(...) left trainable, and do not set "
            "trainable=False on MyModel or its layers."
        )


def _expect_all_changed(before: list[np.ndarray], after: list[np.ndarray]) -> None:
    if len(after) != len(before):
        raise CheckFailure(f"MyModel had {len(before)} weights before one training step and {len(after)} after.")
    frozen = [tuple(b.shape) for b, a in zip(before, after, strict=True) if np.array_equal(a, b)]
    if frozen:
        raise CheckFailure(
            f"One training step left {len(frozen)} of MyModel's {len(before)} weights unchanged (shapes "
            f"{frozen}) although they are trainable: the loss does not depend on them. {MY_MODEL_HINT}"
        )
