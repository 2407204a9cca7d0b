"""Hidden checks for `custom_layers`: they run only at grading, in the trusted check process.

The student's classes run only in the student's process. Here, a layer's outputs are checked
against a trusted NumPy re-implementation that uses the weights the check chose (set through the
handle), configs are checked as JSON, and the saved .keras file is read with zipfile + json only.

Each check tests one requirement of its own question's text (see requirements.toml), and nothing
the text leaves open (weight names, creation order, layer names). Where a later question uses
MyDense, it judges the layers by comparing them with fresh layers of the student's OWN MyDense
made as the text says: a mistake inside MyDense then costs points in Questions 1-2 only.

Only Question 1 leans on MyDense's default arguments (its text fixes them). Question 2 builds every
layer with every argument given. Questions 3 and 4 accept a layer that matches the student's own
MyDense made either as the text writes it (``MyDense(1)``, with the student's defaults) or with
every argument given (``MyDense(1, activation=None, use_bias=True)``): a wrong default is Question
1's mistake, whichever way the student's model spells the layer.
"""

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from autograder.checks import (
    CheckFailure,
    OpaqueValue,
    StudentUnavailable,
    _,
    activation,
    config_differences,
    expect_config_complete,
    expect_from_config_round_trip,
    expect_get_config_written,
    expect_registered,
    expect_same_outputs,
    expect_tensor,
    expect_tensor_spec,
    keras_archive_config,
    property_check,
    reload_model,
)

PACKAGE = "my_layers"  # as the notebook suggests; any package name passes
HIDDEN_UNITS = 8  # build_model's first layer: MyDense(8, activation="relu")
MODEL_FEATURES = 4  # build_model's input: keras.Input(shape=(4,))
# The check process sets the submission's language before it imports this file, so these are in it.
SIZE_HINT = _(
    "Take the kernel's first dimension from input_shape[-1] in build(), so the layer works for any input size."
)
DENSE_HINT = _("call should return activation(inputs @ kernel + bias), without the bias when use_bias is false.")

# Activations the text allows: "the name of an activation such as relu or tanh, or None".
ACTIVATIONS = {
    None: lambda z: z,
    "linear": lambda z: z,
    "relu": lambda z: np.maximum(z, 0.0),
    "tanh": np.tanh,
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "softplus": lambda z: np.logaddexp(0.0, z),
}
DEFAULT = object()
"""An argument left out of the call, so that the layer uses its default value."""


# --- strategies: every constructor argument, given or left at its default ----------------


TEXT_ACTIVATIONS = (None, "relu", "tanh")
"""The activations the text names: Question 2 uses only these, so that a MyDense that handles no other
activation (a Question 1 mistake) loses no Question 2 points."""


@st.composite
def mydense_arguments(draw, activations=tuple(ACTIVATIONS), *, explicit: bool = False) -> tuple[tuple, dict, dict]:
    """(args, kwargs, effective values) for a MyDense(...) call, with defaults sometimes left out.

    ``explicit``: every argument is given, so that a check outside Question 1 never depends on
    MyDense's defaults (a wrong default is Question 1's mistake).
    """
    leave_out = [] if explicit else [DEFAULT]
    units = draw(st.integers(1, 6))
    act = draw(st.sampled_from([*leave_out, *activations]))
    use_bias = draw(st.sampled_from([*leave_out, True, False]))
    kwargs = {k: v for k, v in (("activation", act), ("use_bias", use_bias)) if v is not DEFAULT}
    args: tuple = (units,)
    if draw(st.booleans()):
        args, kwargs = (), {"units": units, **kwargs}
    effective = {"units": units, "activation": None if act is DEFAULT else act,
                 "use_bias": True if use_bias is DEFAULT else use_bias}
    return args, kwargs, effective


def _case(units: int, **kwargs) -> tuple[tuple, dict, dict]:
    """An explicit example in the strategy's form: every property also tries the combinations the
    text names (an activation together with use_bias=False, all defaults), whatever it draws."""
    effective = {"units": units, "activation": kwargs.get("activation"), "use_bias": kwargs.get("use_bias", True)}
    return (units,), kwargs, effective


def _explicit(units: int, activation: str | None = None, use_bias: bool = True) -> tuple[tuple, dict, dict]:
    """``_case`` with every argument given, the defaults the text fixes included."""
    return _case(units, activation=activation, use_bias=use_bias)


def _label(args: tuple, kwargs: dict) -> str:
    shown = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
    return f"MyDense({', '.join(shown)})"


# --- trusted references ----------------------------------------------------------------------


def _inputs(seed: int, rows: int, features: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-2.0, 2.0, (rows, features)).astype(np.float32)


def _dense(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray | None, act: str | None) -> np.ndarray:
    z = x.astype(np.float64) @ kernel.astype(np.float64)
    if bias is not None:
        z = z + bias
    return ACTIVATIONS[act](z).astype(np.float32)


# --- talking to the student's objects --------------------------------------------------------


def _call(student, target: str, /, *args, what: str, hint: str = "", store_as: str | None = None, **kwargs):
    """``target(*args, **kwargs)`` in the student's process, its error worded for ``what``."""
    try:
        return student.call(target, *args, store_as=store_as, **kwargs)
    except StudentUnavailable:
        raise
    except CheckFailure as exc:
        error = str(exc).replace(f"Calling `{target}` raised", "it raised")
        failed = _("{what} failed: {error} {hint}").format(what=what, error=error, hint=hint)
        raise CheckFailure(failed.strip()) from exc


def _random_weights(student, name: str, seed: int) -> list[np.ndarray]:
    """Give ``name`` random weights of its own shapes (non-zero biases show a missing `+ bias`)."""
    rng = np.random.default_rng(seed)
    weights = [rng.uniform(-1.0, 1.0, w.shape).astype(np.float32) for w in student.weights(name)]
    student.call(f"{name}.set_weights", weights)
    return weights


def _count(student, name: str) -> int:
    value = student.get(name)
    return len(value) if isinstance(value, list) else 0


def _expect_output(actual, expected: np.ndarray, *, what: str, hint: str) -> None:
    try:
        expect_tensor(actual, expected, what=what, rtol=1e-4, atol=1e-5)
    except CheckFailure as exc:
        raise CheckFailure(f"{exc} {hint}") from exc


def _kernel_and_bias(weights: list[np.ndarray], features: int, units: int, what: str):
    """The kernel (read in whichever orientation it is stored: Question 1's build check judges
    the layout) and the bias, if any, from a built MyDense's weights."""
    kernels = [w for w in weights if w.ndim == 2]
    biases = [w for w in weights if w.ndim == 1]
    if len(kernels) != 1 or len(biases) > 1 or len(weights) != len(kernels) + len(biases):
        raise CheckFailure(_(
            "{what} should have one kernel and at most one bias, but its weights have shapes {shapes}. {SIZE_HINT}"
        ).format(what=what, shapes=[w.shape for w in weights], SIZE_HINT=SIZE_HINT))
    kernel = kernels[0]
    if kernel.shape == (units, features) and features != units:
        kernel = kernel.T
    if kernel.shape != (features, units):
        raise CheckFailure(_("{what} has a kernel of shape {shape}, not ({features}, {units}). {SIZE_HINT}").format(
            what=what, shape=kernels[0].shape, features=features, units=units, SIZE_HINT=SIZE_HINT))
    return kernel, (biases[0] if biases else None)


# --- q1: the layer ---------------------------------------------------------------------------


@pytest.mark.question("q1", points=0.5)
def test_mydense_init_passes_kwargs_and_creates_no_weights(student):
    # `trainable`, not `name`: Student.call takes `name` itself. Any keyword Layer accepts shows it was passed on.
    _call(student, "MyDense", 3, trainable=False, store_as="q1_lazy", what="MyDense(3, trainable=False)",
          hint=_("__init__ should accept **kwargs and pass them on with super().__init__(**kwargs)."))
    if student.get("q1_lazy.trainable") is not False:
        raise CheckFailure(
            _("MyDense(3, trainable=False) is still trainable: pass **kwargs on with super().__init__(**kwargs).")
        )
    early = student.weights("q1_lazy")
    if early:
        raise CheckFailure(_(
            "MyDense(3) already has {count} weight(s) before it is called, when it cannot know "
            "the size of its input yet. Create the weights in build(input_shape), not in __init__."
        ).format(count=len(early)))
    _call(student, "q1_lazy", _inputs(1, 2, 5), what=_("Calling MyDense(3) on a (2, 5) input"),
          hint=SIZE_HINT)
    if not student.weights("q1_lazy"):
        raise CheckFailure(_(
            "MyDense(3) still has no weights after being called: create the kernel and the bias in "
            "build(input_shape) with self.add_weight(...)."
        ))


@pytest.mark.question("q1", points=1)
@property_check(max_examples=6)
@given(arguments=mydense_arguments(), features=st.integers(1, 7))
@example(arguments=_case(3, activation="tanh", use_bias=False), features=5)
@example(arguments=_case(2), features=3)
def test_mydense_builds_its_weights_for_any_input_dim(student, arguments, features):
    args, kwargs, effective = arguments
    units, use_bias = effective["units"], effective["use_bias"]
    what = _("{label} built on inputs with {features} features").format(label=_label(args, kwargs), features=features)
    _call(student, "MyDense", *args, store_as="q1_build", what=_label(args, kwargs), **kwargs)
    _call(student, "q1_build", np.zeros((2, features), np.float32), what=_("Calling {what}").format(what=what),
          hint=SIZE_HINT)
    weights = student.weights("q1_build")
    wanted = [(features, units)] + ([(units,)] if use_bias else [])
    if sorted(w.shape for w in weights) != sorted(wanted):
        # One whole sentence for each case, so that a translation need not fit a piece into another.
        if use_bias:
            text = _("{what} should have a kernel of shape ({features}, {units}) and a bias of shape ({units},), "
                     "but its weights have shapes {shapes}. {SIZE_HINT} Create the bias only when use_bias is true.")
        else:
            text = _("{what} should have a kernel of shape ({features}, {units}) and no bias (use_bias is false), "
                     "but its weights have shapes {shapes}. {SIZE_HINT} Create the bias only when use_bias is true.")
        raise CheckFailure(text.format(what=what, features=features, units=units,
                                       shapes=[w.shape for w in weights], SIZE_HINT=SIZE_HINT))
    if use_bias:
        bias_value = next(w for w in weights if w.ndim == 1)
        if np.any(bias_value != 0):
            raise CheckFailure(_("{what} has a bias that does not start at zero: the text asks for a bias "
                                 "initialized to zeros.").format(what=what))
    trainable = _count(student, "q1_build.trainable_weights")
    if trainable != len(weights):
        raise CheckFailure(_(
            "{what} has {trainable} trainable weight(s) out of {total}, so training would not update "
            "the others. Create them with self.add_weight(...) and leave trainable=True (the default)."
        ).format(what=what, trainable=trainable, total=len(weights)))


@pytest.mark.question("q1", points=1.5)
@property_check(max_examples=6)
@given(arguments=mydense_arguments(), features=st.integers(1, 7), rows=st.integers(1, 5),
       seed=st.integers(0, 2**16))
@example(arguments=_case(4, activation="sigmoid", use_bias=False), features=3, rows=2, seed=7)
@example(arguments=_case(2, activation="relu"), features=6, rows=3, seed=8)
@example(arguments=_case(3), features=4, rows=2, seed=10)
def test_mydense_computes_activation_of_inputs_times_kernel_plus_bias(student, arguments, features, rows, seed):
    args, kwargs, effective = arguments
    label = _label(args, kwargs)
    _call(student, "MyDense", *args, store_as="q1_values", what=label, **kwargs)
    _call(student, "q1_values", _inputs(seed, rows, features),
          what=_("Calling {label} on a ({rows}, {features}) input").format(label=label, rows=rows, features=features))
    weights = _random_weights(student, "q1_values", seed + 1)
    kernel, bias = _kernel_and_bias(weights, features, effective["units"], label)
    if not effective["use_bias"]:
        bias = None  # a bias created anyway is Question 1's build check's business; it must not be added
    x = _inputs(seed + 2, rows, features)
    actual = student.call("q1_values", x)
    if features == effective["units"] and hasattr(actual, "array"):
        # A square kernel does not show how it is laid out (Question 1's build check judges that):
        # accept it read either way. Other examples, not square, still catch a transpose in call.
        transposed = _dense(x, kernel.T, bias, effective["activation"])
        if actual.array.shape == transposed.shape and np.allclose(actual.array, transposed, rtol=1e-4, atol=1e-5):
            return
    _expect_output(actual, _dense(x, kernel, bias, effective["activation"]), what=f"{label}(x)", hint=DENSE_HINT)



@pytest.mark.question("q1", points=1)
@property_check(max_examples=4)
@given(units=st.integers(1, 6), features=st.integers(1, 9), rows=st.integers(1, 6))
def test_mydense_output_is_float32_batch_by_units_for_any_input_dim(student, units, features, rows):
    what = _("MyDense({units}) on a float32 input of shape ({rows}, {features})").format(
        units=units, rows=rows, features=features)
    _call(student, "MyDense", units, store_as="q1_spec", what=f"MyDense({units})")
    out = _call(student, "q1_spec", np.ones((rows, features), np.float32), what=_("Calling {what}").format(what=what),
                hint=SIZE_HINT)
    try:
        expect_tensor_spec(out, (rows, units), np.float32, what=what)
    except CheckFailure as exc:
        raise CheckFailure(f"{exc} {SIZE_HINT}") from exc


# --- q2: config, from_config, registration ---------------------------------------------------


@pytest.mark.question("q2", points=1)
@property_check(max_examples=8)
@given(arguments=mydense_arguments(TEXT_ACTIVATIONS, explicit=True))
@example(arguments=_explicit(3, "relu", use_bias=False))
@example(arguments=_explicit(5))
def test_mydense_get_config_holds_every_argument(student, arguments):
    expect_get_config_written(student, "MyDense")
    args, kwargs, effective = arguments
    _call(student, "MyDense", *args, store_as="q2_config", what=_label(args, kwargs), **kwargs)
    required = {"units": effective["units"], "activation": activation(effective["activation"]),
                "use_bias": effective["use_bias"]}
    expect_config_complete(student.config("q2_config"), required, what=f"{_label(args, kwargs)}.get_config()")


@pytest.mark.question("q2", points=1)
@property_check(max_examples=3)
@given(arguments=mydense_arguments(TEXT_ACTIVATIONS, explicit=True), features=st.integers(1, 6),
       seed=st.integers(0, 2**16))
@example(arguments=_explicit(2, "tanh", use_bias=False), features=4, seed=9)
def test_mydense_from_config_builds_an_equivalent_layer(student, arguments, features, seed):
    args, kwargs, _effective = arguments  # not `_`: that is the translation function
    label = _label(args, kwargs)
    _call(student, "MyDense", *args, store_as="q2_original", what=label, **kwargs)
    _call(student, "q2_original", _inputs(seed, 3, features),
          what=_("Calling {label} on a (3, {features}) input").format(label=label, features=features))
    _random_weights(student, "q2_original", seed + 1)
    fresh = [_inputs(seed + 2, 4, features), _inputs(seed + 3, 2, features)]
    expect_from_config_round_trip(student, "q2_original", "MyDense", fresh, store_as="q2_copy")


@pytest.mark.question("q2", points=1)
def test_mydense_is_registered(student):
    expect_registered(student, "MyDense", package=PACKAGE)


# --- shared by q3 and q4: the student's own MyDense, made as the text says --------------------

SPELLINGS = (False, True)
"""How a check makes the layer the text names: as the text writes it (``MyDense(1)``, leaning on the
student's defaults), then with every argument given (``MyDense(1, activation=None, use_bias=True)``).
A layer of the student's model passes when it matches either: the student may have written either,
and a wrong default is Question 1's mistake."""


def _text_arguments(act: str | None, explicit: bool) -> dict:
    if explicit:
        return {"activation": act, "use_bias": True}
    return {"activation": act} if act else {}


def _build_fresh(student, store_as: str, units: int, act: str | None, features: int, *,
                 explicit: bool = False) -> list[np.ndarray]:
    """A new MyDense(units, activation=act) of the student's, built for ``features``; its weights."""
    kwargs = _text_arguments(act, explicit)
    _call(student, "MyDense", units, store_as=store_as, what=_label((units,), kwargs), **kwargs)
    _call(student, store_as, np.zeros((1, features), np.float32),
          what=_("Calling {label}").format(label=_label((units,), kwargs)))
    return student.weights(store_as)


def _fresh_layer(student, store_as: str, units: int, act: str | None, features: int, weights: list[np.ndarray], *,
                 explicit: bool = False) -> bool:
    """A new MyDense(units, activation=act) of the student's, built for ``features`` and given ``weights``.

    Returns False when its weights do not have the shapes of ``weights`` (then the layer is not one
    made as MyDense(units, activation=act)).
    """
    own = _build_fresh(student, store_as, units, act, features, explicit=explicit)
    if [w.shape for w in own] != [w.shape for w in weights]:
        return False
    student.call(f"{store_as}.set_weights", weights)
    return True


def _same_layer(student, layer: str, units: int, act: str | None, features: int, seed: int) -> bool:
    """Whether ``layer`` computes what the student's own MyDense(units, activation=act) does with its
    weights, that layer made either way of :data:`SPELLINGS`."""
    weights = _random_weights(student, layer, seed)
    x = _inputs(seed + 1, 5, features)
    mine = student.call(layer, x)
    return any(_computes_like(student, mine, f"{layer}_reference_{i}", units, act, features, weights, x, explicit)
               for i, explicit in enumerate(SPELLINGS))


def _computes_like(student, mine, reference: str, units: int, act: str | None, features: int,
                   weights: list[np.ndarray], x: np.ndarray, explicit: bool) -> bool:
    if not _fresh_layer(student, reference, units, act, features, weights, explicit=explicit):
        return False
    theirs = student.call(reference, x)
    return bool(getattr(mine, "array", None) is not None and getattr(theirs, "array", None) is not None
                and mine.array.shape == theirs.array.shape
                and np.allclose(mine.array, theirs.array, rtol=1e-5, atol=1e-6))


# --- q3: a functional model that uses the layer, saved and loaded -----------------------------

MODEL_HINT = _("It should be keras.Input(shape=(4,)), then MyDense(8, activation='relu'), then MyDense(1).")


def _archive(student, model: str, what: str) -> dict:
    try:
        return keras_archive_config(student.export_model(model))
    except StudentUnavailable:
        raise
    except CheckFailure as exc:
        raise CheckFailure(_("{what} could not be saved as a .keras file: {exc}").format(what=what, exc=exc)) from exc


def _history(node: object) -> list[str]:
    """Names of the layers whose outputs a serialized call takes (each tensor's keras_history)."""
    if isinstance(node, list):
        return [name for value in node for name in _history(value)]
    if not isinstance(node, dict):
        return []
    config = node.get("config")
    if node.get("class_name") == "__keras_tensor__" and isinstance(config, dict):
        history = config.get("keras_history")
        return [history[0]] if isinstance(history, list) and history and isinstance(history[0], str) else []
    return [name for value in node.values() for name in _history(value)]


def _output_names(config: dict) -> list[str]:
    outputs = config.get("output_layers")
    if isinstance(outputs, list) and outputs and isinstance(outputs[0], str):
        outputs = [outputs]
    return [o[0] for o in outputs or [] if isinstance(o, list) and o and isinstance(o[0], str)]


def _model_chain(archive: dict, what: str, *, sequential_too: bool = False) -> tuple[str, str]:
    """From config.json: the names of the first and second MyDense of Input(4,) -> MyDense -> MyDense.

    ``sequential_too``: also accept a keras.Sequential model of those layers. Only the check of the
    words "made with the functional API" refuses one; the checks of the layers and of config.json
    judge the same layers in a Sequential model, so that using it costs that one check only.
    """
    kind = archive.get("class_name")
    _expect_model_kind(kind, what, sequential_too=sequential_too)
    config = archive.get("config") if isinstance(archive.get("config"), dict) else {}
    layers = [node for node in config.get("layers", []) if isinstance(node, dict)]
    inputs = [node for node in layers if node.get("class_name") == "InputLayer"]
    dense = [node for node in layers if node.get("class_name") == "MyDense"]
    _expect_layer_kinds([str(node.get("class_name")) for node in layers], what)
    input_config = inputs[0].get("config") if isinstance(inputs[0].get("config"), dict) else {}
    _expect_input_shape(input_config.get("batch_shape", input_config.get("batch_input_shape")), what)
    if kind == "Sequential":  # its layers are applied in the order they are listed
        first, second = (_node_name(node) for node in dense)
    else:
        feeds = {_node_name(node): _history(node.get("inbound_nodes")) for node in dense}
        first = next((n for n, sources in feeds.items() if sources == [_node_name(inputs[0])]), None)
        second = next((n for n, sources in feeds.items() if n != first and sources == [first]), None)
        if _output_names(config) != [second]:
            first = None
    if first is None or second is None:
        raise _not_a_chain(what)
    return str(first), str(second)


def _expect_model_kind(kind: object, what: str, *, sequential_too: bool) -> None:
    if kind != "Functional" and not (sequential_too and kind == "Sequential"):
        raise CheckFailure(_(
            "{what} is saved as a {kind!r} model, not a functional one: build it with the functional API, as "
            "the text asks: start from keras.Input(shape=(4,)), call each layer on the previous layer's output, "
            "and make the model from that input and the last output. {MODEL_HINT}"
        ).format(what=what, kind=kind, MODEL_HINT=MODEL_HINT))


def _expect_layer_kinds(kinds: list[str], what: str) -> None:
    """One InputLayer and two MyDense (a Sequential model's own list of layers leaves out its Input:
    the caller adds it)."""
    if kinds.count("InputLayer") != 1 or kinds.count("MyDense") != 2 or len(kinds) != 3:
        raise CheckFailure(_("{what} should be made of one Input and two MyDense layers, but its layers are {kinds}. "
                             "{MODEL_HINT}").format(what=what, kinds=kinds, MODEL_HINT=MODEL_HINT))


def _expect_input_shape(shape: object, what: str) -> None:
    shape = list(shape) if isinstance(shape, tuple) else shape  # a tensor's shape, not config.json's list
    if not isinstance(shape, list) or shape[1:] != [MODEL_FEATURES]:
        raise CheckFailure(_("{what} takes inputs of shape {shape}, not (None, 4). {MODEL_HINT}").format(
            what=what, shape=shape, MODEL_HINT=MODEL_HINT))


def _not_a_chain(what: str) -> CheckFailure:
    return CheckFailure(_("{what} should pass its input through one MyDense layer and that layer's output "
                          "through the other, which gives the model's output. {MODEL_HINT}").format(
        what=what, MODEL_HINT=MODEL_HINT))


# --- when the model cannot be saved because of MyDense's get_config (Question 2) -------------


def _get_config_fails(student) -> bool:
    """Whether the student's own MyDense(8, activation='relu'), made as the text says, has no config.

    Then no model of MyDense layers can be saved, and that is Question 2's mistake: Question 3's
    checks of the model's structure read it from the model's objects instead of config.json.
    """
    try:
        _build_fresh(student, "q3_config_probe", HIDDEN_UNITS, "relu", MODEL_FEATURES)
        student.config("q3_config_probe")
    except StudentUnavailable:
        raise
    except CheckFailure:
        return True
    return False


def _structure(student, model: str, what: str, *, sequential_too: bool = False) -> tuple[str, str]:
    """The names of the model's first and second MyDense: from config.json, or from the model's
    objects when it cannot be saved because of MyDense's get_config."""
    try:
        archive = _archive(student, model, what)
    except StudentUnavailable:
        raise
    except CheckFailure:
        if not _get_config_fails(student):
            raise
        return _chain_from_objects(student, model, what, sequential_too=sequential_too)
    return _model_chain(archive, what, sequential_too=sequential_too)


def _short_type(value: object) -> str:
    return value.type_name.rsplit(".", 1)[-1] if isinstance(value, OpaqueValue) else type(value).__name__


def _chain_from_objects(student, model: str, what: str, *, sequential_too: bool) -> tuple[str, str]:
    """What :func:`_model_chain` reads from config.json, read from the model's objects: their
    classes, the input shape, and which tensor each layer reads and writes (by the tensors' names)."""
    kind = student.describe(model).type_name.rsplit(".", 1)[-1]
    _expect_model_kind(kind, what, sequential_too=sequential_too)
    layers = student.get(f"{model}.layers")
    kinds = [_short_type(layer) for layer in layers] if isinstance(layers, list) else []
    _expect_layer_kinds(kinds + ["InputLayer"] if kind == "Sequential" else kinds, what)
    _expect_input_shape(student.get(f"{model}.input.shape"), what)
    dense = []
    for i, layer_kind in enumerate(kinds):
        if layer_kind == "MyDense":
            dense.append(f"{model}_object_{i}")
            student.call(f"{model}.get_layer", index=i, store_as=dense[-1])
    reads = {layer: student.get(f"{layer}.input.name") for layer in dense}
    writes = {layer: student.get(f"{layer}.output.name") for layer in dense}
    first = next((layer for layer in dense if reads[layer] == student.get(f"{model}.input.name")), None)
    second = next((layer for layer in dense if layer != first and reads[layer] == writes.get(first)), None)
    if first is None or second is None or student.get(f"{model}.output.name") != writes[second]:
        raise _not_a_chain(what)
    return str(student.get(f"{first}.name")), str(student.get(f"{second}.name"))


def _node_name(node: dict) -> str | None:
    """A serialized layer's name: beside its config (functional models) or in it (Sequential ones)."""
    name = node.get("name")
    config = node.get("config")
    if name is None and isinstance(config, dict):
        name = config.get("name")
    return name if isinstance(name, str) else None


@pytest.mark.question("q3", points=1)
def test_build_model_is_a_functional_input_mydense_mydense_chain(student):
    _call(student, "build_model", store_as="q3_structure", what="build_model()")
    what = _("build_model()'s model")
    _structure(student, "q3_structure", what)


@pytest.mark.question("q3", points=0.5)
def test_build_model_layers_are_the_ones_the_text_names(student):
    what = _("build_model()'s model")
    _call(student, "build_model", store_as="q3_layers", what="build_model()")
    first, second = _structure(student, "q3_layers", what, sequential_too=True)
    for store_as, name in (("q3_first", first), ("q3_second", second)):
        _call(student, "q3_layers.get_layer", name, store_as=store_as, what=f"{what}.get_layer({name!r})")
    if not _same_layer(student, "q3_first", HIDDEN_UNITS, "relu", MODEL_FEATURES, 30):
        raise CheckFailure(_("The first layer of {what} does not compute what MyDense(8, activation='relu') does "
                             "with the same weights. {MODEL_HINT}").format(what=what, MODEL_HINT=MODEL_HINT))
    if not _same_layer(student, "q3_second", 1, None, HIDDEN_UNITS, 32):
        raise CheckFailure(_("The second layer of {what} does not compute what MyDense(1) does with the same "
                             "weights. {MODEL_HINT}").format(what=what, MODEL_HINT=MODEL_HINT))
    x = _inputs(34, 6, MODEL_FEATURES)
    hidden = student.call("q3_first", x)
    expected = getattr(student.call("q3_second", hidden.array), "array", None) if hasattr(hidden, "array") else None
    if expected is None:
        raise CheckFailure(_("The layers of {what} do not return tensors.").format(what=what))
    _expect_output(student.call("q3_layers", x), expected, what=_("{what} on fresh inputs").format(what=what),
                   hint=_("The model's output should be its second layer applied to its first layer's output."))


@pytest.mark.question("q3", points=0.5)
def test_build_model_returns_a_new_model_every_call(student):
    for store_as in ("q3_new_a", "q3_new_b"):
        _call(student, "build_model", store_as=store_as, what="build_model()")
    before = student.weights("q3_new_b")
    changed = _random_weights(student, "q3_new_a", 36)
    after = student.weights("q3_new_b")
    untouched = len(before) == len(after) and all(np.array_equal(b, a) for b, a in zip(before, after, strict=True))
    if not untouched or not changed:
        raise CheckFailure(_(
            "Changing the weights of one model from build_model() changed another one: build_model() should "
            "create a new model (new layers, new weights) every time it is called."
        ))
    if _compiled(student, "q3_new_b"):
        raise CheckFailure(_("build_model()'s model is compiled: return a model that is not compiled."))


def _compiled(student, model: str) -> bool:
    """Whether the model is compiled: config.json holds a compile_config (or, for a model that cannot
    be saved because of MyDense's get_config, Keras' own flag says so)."""
    try:
        return bool(_archive(student, model, _("build_model()'s model")).get("compile_config"))
    except StudentUnavailable:
        raise
    except CheckFailure:
        if not _get_config_fails(student):
            raise
        return student.get(f"{model}.compiled") is True


def _text_layers_round_trip(student) -> bool:
    """Whether the student's own MyDense(8, activation='relu') and MyDense(1) survive from_config.

    When they do not, that is Question 2's mistake (it is checked there), not build_model's.
    """
    for i, (units, act, features) in enumerate(((HIDDEN_UNITS, "relu", MODEL_FEATURES), (1, None, HIDDEN_UNITS))):
        name = f"q3_text_layer_{i}"
        try:
            kwargs = {"activation": act} if act else {}
            student.call("MyDense", units, store_as=name, **kwargs)
            student.call(name, _inputs(37, 2, features))
            _random_weights(student, name, 38 + i)
            fresh = [_inputs(40 + i, 5, features)]
            expect_from_config_round_trip(student, name, "MyDense", fresh, store_as=f"{name}_copy")
        except StudentUnavailable:
            raise
        except CheckFailure:
            return False
    return True


@pytest.mark.question("q3", points=0.5)
def test_build_model_reloads_with_same_outputs(student, record_property):
    _call(student, "build_model", store_as="q3_saved", what="build_model()")
    _random_weights(student, "q3_saved", 43)
    registered = True
    try:
        expect_registered(student, "MyDense", package=PACKAGE)
    except CheckFailure:
        registered = False  # Question 2's requirement: judge the model with the class passed to the loader
        record_property("custom_objects", "MyDense is not registered (a Question 2 mistake): reloaded with it")
    try:
        reload_model(student, "q3_saved", "q3_reloaded", classes=("MyDense",), package=PACKAGE,
                     custom_objects=not registered)
        expect_same_outputs(
            student, "q3_saved", "q3_reloaded", [_inputs(44, 6, MODEL_FEATURES), _inputs(45, 3, MODEL_FEATURES)],
            what=_("The model loaded back from its .keras file"),
            hint=_("Build the model only from MyDense layers made with the arguments the text gives, so that "
                   "everything it holds can be saved."),
        )
    except StudentUnavailable:
        raise
    except CheckFailure as exc:
        if _text_layers_round_trip(student):
            raise
        record_property("question_2_cause", f"MyDense itself does not survive from_config: {exc}")


def _unshared(value: object) -> object:
    """A saved config value without the `shared_object_id` keys Keras adds to objects saved once for many."""
    if isinstance(value, dict):
        return {k: _unshared(v) for k, v in value.items() if k != "shared_object_id"}
    return value


def _saved_differences(student, reference: str, units: int, act: str | None, features: int, saved: dict, *,
                       explicit: bool) -> list[str]:
    """Keys in which ``saved`` (a layer's config in config.json) differs from the config of the
    student's own MyDense(units, activation=act), made as ``explicit`` says (see :data:`SPELLINGS`).

    Only what the layer's arguments change is judged here. A key whose value get_config gives as
    an object JSON cannot store is left to Question 2 (whose text asks for plain values): the
    student's process shows it as its repr, a string, while config.json holds how Keras saved it.
    Both come from the student's get_config, so neither says anything about build_model.
    """
    _build_fresh(student, reference, units, act, features, explicit=explicit)
    wanted = {k: v for k, v in student.config(reference).items() if k != "name"}
    return [k for k in config_differences(wanted, saved)
            if not (isinstance(wanted.get(k), str) and k in saved and not isinstance(saved[k], str))]


@pytest.mark.question("q3", points=0.5)
def test_saved_file_holds_each_layer_config(student, record_property):
    what = _("build_model()'s model")
    _call(student, "build_model", store_as="q3_archived", what="build_model()")
    try:
        archive = _archive(student, "q3_archived", what)
    except StudentUnavailable:
        raise
    except CheckFailure as exc:
        if not _get_config_fails(student):
            raise
        # No config.json can hold a config that MyDense's get_config does not give (Question 2's
        # mistake); whether build_model made the layers the text names is judged by the layers check.
        record_property("question_2_cause", f"MyDense(8, activation='relu') has no config: {exc}")
        return
    first, second = _model_chain(archive, what, sequential_too=True)
    nodes = {_node_name(n): n for n in archive["config"]["layers"] if isinstance(n, dict)}
    for i, (name, units, act, features) in enumerate(
        ((first, HIDDEN_UNITS, "relu", MODEL_FEATURES), (second, 1, None, HIDDEN_UNITS))
    ):
        saved = nodes[name].get("config")
        saved = {k: _unshared(v) for k, v in saved.items() if k != "name"} if isinstance(saved, dict) else {}
        differences: list[str] = []
        for j, explicit in enumerate(SPELLINGS):
            differences = _saved_differences(student, f"q3_config_reference_{i}_{j}", units, act, features, saved,
                                             explicit=explicit)
            if not differences:
                break
        if differences:
            label = _label((units,), _text_arguments(act, explicit=False))
            keys = ", ".join(f"`{k}`" for k in differences[:4])
            raise CheckFailure(_(
                "In config.json of the saved .keras file, the config of the layer made as {label} differs from "
                "{label}.get_config() in {keys}. {MODEL_HINT}"
            ).format(label=label, keys=keys, MODEL_HINT=MODEL_HINT))


# --- q4: a Model subclass that trains ----------------------------------------------------------

MY_MODEL_HINT = _("__init__ should create MyDense(hidden_units, activation='relu') and MyDense(1).")


def _my_model_layers(student, name: str, hidden_units: int, features: int) -> tuple[str, str]:
    """The stored names of MyModel's first and second layer, told apart by their parameter counts.

    The first layer has more parameters (features * hidden_units, plus a bias) than the second
    (hidden_units, plus one) whatever the layout of MyDense's weights (Question 1 judges that) and
    whichever layer __init__ creates first (for at least 2 features).
    """
    what = f"MyModel({hidden_units})"
    x = _inputs(50, 3, features)
    _call(student, name, x, what=_("Calling {what} on a (3, {features}) input").format(what=what, features=features),
          hint=MY_MODEL_HINT)
    layers = [f"{name}_layer_{i}" for i in range(2)]
    for i, stored in enumerate(layers):
        try:
            answer = student.call(f"{name}.get_layer", index=i, store_as=stored)
        except StudentUnavailable:
            raise
        except CheckFailure as exc:
            raise CheckFailure(_("{what} should hold two layers, but it has fewer. {MY_MODEL_HINT}").format(
                what=what, MY_MODEL_HINT=MY_MODEL_HINT)) from exc
        kind = str(answer.get("type", "")) if isinstance(answer, dict) else ""
        if not kind.endswith(".MyDense"):
            raise CheckFailure(_("{what} holds a {kind} where it should hold MyDense layers. {MY_MODEL_HINT}").format(
                what=what, kind=kind or _("layer"), MY_MODEL_HINT=MY_MODEL_HINT))
    sizes = [sum(w.size for w in student.weights(stored)) for stored in layers]
    if sum(sizes) != sum(w.size for w in student.weights(name)):
        raise CheckFailure(_("{what} has weights outside its two MyDense layers. {MY_MODEL_HINT}").format(
            what=what, MY_MODEL_HINT=MY_MODEL_HINT))
    return (layers[0], layers[1]) if sizes[0] > sizes[1] else (layers[1], layers[0])


@pytest.mark.question("q4", points=0.5)
def test_my_model_passes_kwargs_to_model(student):
    # `trainable`, not `name`: Student.call takes `name` itself. Any keyword Model accepts shows it was passed on.
    _call(student, "MyModel", 5, trainable=False, store_as="q4_kwargs",
          what="MyModel(5, trainable=False)", hint=_("__init__ should take **kwargs and pass them on."))
    if student.get("q4_kwargs.trainable") is not False:
        raise CheckFailure(_("MyModel(5, trainable=False) is still trainable: pass **kwargs on with "
                             "super().__init__(**kwargs)."))


@pytest.mark.question("q4", points=0.5)
def test_my_model_creates_the_two_layers_the_text_names(student):
    hidden_units, features = 5, MODEL_FEATURES  # the input size of the text's examples
    _call(student, "MyModel", hidden_units, store_as="q4_layers", what=f"MyModel({hidden_units})",
          hint=MY_MODEL_HINT)
    first, second = _my_model_layers(student, "q4_layers", hidden_units, features)
    what = f"MyModel({hidden_units})"
    if not _same_layer(student, first, hidden_units, "relu", features, 52):
        raise CheckFailure(_("{what}'s first layer does not compute what MyDense({hidden_units}, activation='relu') "
                             "does with the same weights. {MY_MODEL_HINT}").format(
            what=what, hidden_units=hidden_units, MY_MODEL_HINT=MY_MODEL_HINT))
    if not _same_layer(student, second, 1, None, hidden_units, 54):
        raise CheckFailure(_("{what}'s second layer does not compute what MyDense(1) does with the same weights. "
                             "{MY_MODEL_HINT}").format(what=what, MY_MODEL_HINT=MY_MODEL_HINT))


@pytest.mark.question("q4", points=0.5)
def test_my_model_applies_the_first_layer_then_the_second(student):
    hidden_units, features, rows = 7, MODEL_FEATURES, 4
    what = f"MyModel({hidden_units})"
    _call(student, "MyModel", hidden_units, store_as="q4_order", what=what, hint=MY_MODEL_HINT)
    first, second = _my_model_layers(student, "q4_order", hidden_units, features)
    _random_weights(student, "q4_order", 56)
    x = _inputs(57, rows, features)
    hidden = student.call(first, x)
    expected = student.call(second, hidden.array) if hasattr(hidden, "array") else None
    if not hasattr(expected, "array"):
        raise CheckFailure(_("{what}'s layers do not return tensors.").format(what=what))
    _expect_output(student.call("q4_order", x), expected.array, what=f"{what}(x)",
                   hint=_("call should return the second layer applied to the first layer's output."))


def _weights_training_can_change(student, hidden_units: int, features: int) -> tuple[int, int]:
    """How many weights one training step can change in the student's own two MyDense layers, made
    as the text writes them, and how many weights those layers have.

    A weight counts when it is trainable and the layer's output depends on it. Fewer than 4 means
    MyDense itself is at fault (Question 1 checks both, and its defaults), and MyModel is not
    charged for it.
    """
    total, count = 0, 0
    for i, (units, act, width) in enumerate(((hidden_units, "relu", features), (1, None, hidden_units))):
        name = f"q4_effect_{i}"
        _build_fresh(student, name, units, act, width)
        weights = _random_weights(student, name, 60 + i)
        count += len(weights)
        x = _inputs(62 + i, 8, width)
        base = student.call(name, x)
        effective = 0
        for j in range(len(weights)):
            nudged = [w + (0.5 if k == j else 0.0) for k, w in enumerate(weights)]
            student.call(f"{name}.set_weights", [w.astype(np.float32) for w in nudged])
            out = student.call(name, x)
            effective += int(not np.allclose(getattr(out, "array", 0), getattr(base, "array", 0)))
        total += min(effective, _count(student, f"{name}.trainable_weights"))
    return total, count


@pytest.mark.question("q4", points=0.5)
def test_my_model_trains_all_weights(student, record_property):
    hidden_units, features = 6, MODEL_FEATURES
    x = _inputs(64, 16, features)
    y = np.random.default_rng(65).standard_normal((16, 1)).astype(np.float32)
    what = f"MyModel({hidden_units})"
    _call(student, "MyModel", hidden_units, store_as="q4_train", what=what, hint=MY_MODEL_HINT)
    _call(student, "q4_train", x, what=_("Calling {what} on a (16, 4) input").format(what=what), hint=MY_MODEL_HINT)
    before = _random_weights(student, "q4_train", 66)
    _call(student, "q4_train.compile", optimizer="sgd", loss="mse", jit_compile=False,
          what=f"{what}.compile(optimizer='sgd', loss='mse')")
    _call(student, "q4_train.train_on_batch", x, y, what=f"{what}.train_on_batch(x, y)")
    after = student.weights("q4_train")
    if len(after) != len(before):
        raise CheckFailure(_("{what} had {before} weights before one training step and {after} after.").format(
            what=what, before=len(before), after=len(after)))
    changed = sum(not np.array_equal(a, b) for b, a in zip(before, after, strict=True))
    if changed == 4 and len(before) == 4:
        return
    possible, own = _weights_training_can_change(student, hidden_units, features)
    record_property("weights_changed", f"{changed} of {len(before)}; MyDense allows {possible} of {own}")
    if changed < possible or len(before) not in (4, own):
        raise CheckFailure(_(
            "One training step changed {changed} of {what}'s {total} weights; it should change all four "
            "(two kernels and two biases). Do not freeze a layer (trainable = False) or cut the gradient between "
            "the layers."
        ).format(changed=changed, what=what, total=len(before)))
