"""Checks for Keras serialization: configs, `.keras` archives and save/reload round trips.

The trusted side never loads or runs a student's class. Everything that runs student code (building
a layer from its config, saving and loading a model) happens in the student's process through the
:class:`~autograder.check_side.student.Student` handle; this module only judges what comes back as data:
configs (JSON), weights and outputs (arrays), and the bytes of a `.keras` file, read with
:mod:`zipfile` and :mod:`json` and never handed to Keras. What it tells the student is worded in
:mod:`autograder.messages`.

    from autograder.checks.keras_saving import activation, expect_config_complete

    config = student.config("layer")  # the layer was made as MyDense(3, activation="relu")
    expect_config_complete(
        config, {"units": 3, "activation": activation("relu"), "use_bias": True},
        what="MyDense(3, activation='relu').get_config()",
    )
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograder import messages
from autograder.check_side.student import CheckFailure, Student, StudentUnavailable, student_text
from autograder.checks.keras_archive import serialized_objects
from autograder.wire.protocol import ArrayValue, OpaqueValue

__all__ = [
    "BASE_CONFIG_KEYS",
    "Matches",
    "activation",
    "config_differences",
    "expect_config_complete",
    "expect_from_config_round_trip",
    "expect_get_config_written",
    "expect_registered",
    "expect_same_outputs",
    "reload_model",
]

BASE_CONFIG_KEYS = ("name", "trainable", "dtype")
"""Keys every layer config gets from ``super().get_config()`` in Keras 3."""

KERAS_PACKAGES = frozenset({"keras", "tensorflow", "tf_keras"})
"""Top-level packages whose ``get_config`` is inherited, not written by the student."""

REGISTRY_FUNCTIONS = (
    "keras.saving.get_custom_objects",
    "keras.utils.get_custom_objects",
    "tf.keras.utils.get_custom_objects",  # tf.keras (Keras 3 via TensorFlow) has no `saving`
)


# --- configs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Matches:
    """An expected config value that accepts several spellings; ``label`` is shown to students."""

    accept: Callable[[Any], bool]
    label: str


def activation(name: str | None) -> Matches:
    """An activation as a config may spell it: ``"relu"``, Keras' serialized dict, or None/"linear"."""
    wanted = name or "linear"
    return Matches(lambda value: _activation_name(value) == wanted, repr(name if name else "linear"))


def _activation_name(value: Any) -> str | None:
    if value is None:
        return "linear"
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and value.get("class_name") == "function" and isinstance(value.get("config"), str):
        return str(value["config"])
    return None


def expect_config_complete(
    config: object,
    required: Mapping[str, object],
    *,
    what: str,
    base_keys: Sequence[str] = BASE_CONFIG_KEYS,
) -> None:
    """Every constructor argument is in ``config`` with the right value, and so are the base keys.

    ``required`` maps each argument to its expected value (or a :class:`Matches`); list the ones
    left at their defaults too: a config that forgets them reloads silently wrong.
    """
    if not isinstance(config, dict):
        raise CheckFailure(messages.CONFIG_NOT_DICT.format(what=what, kind=type(config).__name__))
    missing = [key for key in required if key not in config]
    if missing:
        raise CheckFailure(messages.CONFIG_MISSING.format(what=what, keys=_keys(missing, "or")))
    for key, expected in required.items():
        if not _same(expected, config[key]):
            raise CheckFailure(messages.CONFIG_WRONG_VALUE.format(
                what=what, key=key, actual=_show(config[key]), expected=_label(expected)
            ))
    lost = [key for key in base_keys if key not in config]
    if lost:
        raise CheckFailure(messages.CONFIG_LOST_BASE.format(what=what, keys=_keys(lost, "and")))


def _same(expected: object, actual: object) -> bool:
    if isinstance(expected, Matches):
        return expected.accept(actual)
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    if isinstance(expected, int):
        return type(actual) is int and actual == expected
    if isinstance(expected, float):
        return type(actual) in (int, float) and actual == expected
    if isinstance(expected, tuple):
        expected = list(expected)
    return _canonical(expected) == _canonical(actual)


def _label(expected: object) -> str:
    return expected.label if isinstance(expected, Matches) else _show(expected)


def _show(value: object) -> str:
    return student_text(repr(value), 80)


def _keys(keys: Sequence[str], conjunction: str) -> str:
    quoted = [f"`{k}`" for k in keys]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} {conjunction} {quoted[-1]}"


def _canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, default=repr)


def config_differences(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> list[str]:
    """Top-level keys whose values differ (or that only one side has), sorted."""
    keys = set(expected) | set(actual)
    return sorted(k for k in keys if k not in expected or k not in actual or not _same(expected[k], actual[k]))


def expect_get_config_written(student: Student, class_name: str) -> None:
    """``class_name`` defines its own ``get_config`` (Keras' automatic config is not enough)."""
    owner = student.get(f"{class_name}.get_config.__module__")
    qualname = student.get(f"{class_name}.get_config.__qualname__")
    if not isinstance(owner, str) or not isinstance(qualname, str):
        raise CheckFailure(messages.GET_CONFIG_NOT_METHOD.format(cls=class_name))
    if owner.split(".")[0] in KERAS_PACKAGES:
        raise CheckFailure(messages.GET_CONFIG_INHERITED.format(cls=class_name, inherited=student_text(qualname, 80)))


# --- registration --------------------------------------------------------------------------


def expect_registered(student: Student, class_name: str, *, package: str = "my_package") -> str:
    """``class_name`` is registered with ``@keras.saving.register_keras_serializable``.

    Asks the student's process for Keras' registry (through ``keras`` or ``tf.keras``, whichever
    the notebook imported) and returns the name the class is registered under. ``package`` is
    only used in the message.
    """
    registry = _custom_objects(student)
    module = student.get(f"{class_name}.__module__")
    qualname = student.get(f"{class_name}.__qualname__")
    wanted = f"<class '{module}.{qualname}'>"
    for key, value in registry.items():
        if isinstance(value, OpaqueValue) and value.description == wanted:
            return key
    raise CheckFailure(messages.NOT_REGISTERED.format(cls=class_name, package=package))


def _custom_objects(student: Student) -> dict[str, Any]:
    for registry_name in REGISTRY_FUNCTIONS:
        if student.describe(registry_name).defined:
            registry = student.call(registry_name)
            if not isinstance(registry, dict):
                raise CheckFailure(messages.REGISTRY_NOT_DICT.format())
            return registry
    raise CheckFailure(messages.NO_KERAS_IMPORT.format())

# --- round trips through the student's process ---------------------------------------------


def reload_model(
    student: Student,
    name: str,
    store_as: str,
    *,
    classes: Sequence[str] = (),
    custom_objects: bool = False,
    package: str = "my_package",
) -> bytes:
    """Save model ``name`` as .keras and load it back (kept as ``store_as``) in the student's process.

    Returns the file's bytes (for :func:`autograder.checks.keras_archive.keras_archive_config`). When loading
    fails, the custom ``classes`` the model uses are examined (registered? does ``from_config`` accept each layer's
    config from the model?) so that the message names the cause rather than Keras' outer error.
    """
    try:
        return student.save_and_reload(name, store_as, custom_objects=custom_objects)
    except StudentUnavailable:
        raise
    except CheckFailure as exc:
        if not custom_objects:
            for class_name in classes:
                expect_registered(student, class_name, package=package)
        cause = _from_config_failure(student, name, classes)
        cause = cause or messages.RELOAD_ERROR_WAS.format(hint=_reload_hint(str(exc)), error=exc)
        raise CheckFailure(messages.RELOAD_FAILED.format(name=name, cause=cause)) from exc


def _from_config_failure(student: Student, model: str, classes: Sequence[str]) -> str:
    """Rebuild each layer of ``classes`` from its config in ``model``'s config; describe the first failure."""
    try:
        config = student.config(model)
    except StudentUnavailable:
        raise
    except CheckFailure:
        return ""  # e.g. a subclassed model without get_config: nothing to examine
    for node in serialized_objects(config):
        class_name = node.get("class_name")
        if class_name in classes:
            try:
                student.call(f"{class_name}.from_config", node["config"])
            except StudentUnavailable:
                raise
            except CheckFailure as exc:
                return messages.FROM_CONFIG_FAILED.format(cls=class_name, error=exc, hint=_reload_hint(str(exc)))
    return ""


def _reload_hint(error: str) -> str:
    if "unexpected keyword argument" in error:
        return messages.HINT_KWARGS.format()
    if "variables" in error:
        return messages.HINT_WEIGHTS.format()
    return messages.HINT_CONFIG.format()


def expect_same_outputs(
    student: Student, original: str, copy: str, inputs: Sequence[np.ndarray], *, what: str, hint: str = ""
) -> None:
    """``original`` and ``copy`` give the same outputs on each of ``inputs`` (both run by the student)."""
    for x in inputs:
        expected = _output(student.call(original, x), original)
        actual = _output(student.call(copy, x), copy)
        if expected.shape != actual.shape:
            raise CheckFailure(messages.OUTPUT_SHAPES_DIFFER.format(
                what=what, actual=actual.shape, expected=expected.shape, hint=hint
            ))
        if not np.allclose(actual, expected, rtol=1e-5, atol=1e-6, equal_nan=True):
            diff = float(np.nanmax(np.abs(actual.astype(np.float64) - expected.astype(np.float64))))
            raise CheckFailure(messages.OUTPUTS_DIFFER.format(what=what, difference=diff, hint=hint).strip())


def _output(value: object, name: str) -> np.ndarray:
    if not isinstance(value, ArrayValue) or value.dtype.kind not in "fiu":
        raise CheckFailure(messages.NOT_NUMBERS.format(name=name))
    return value.array


def expect_from_config_round_trip(
    student: Student, layer: str, class_name: str, inputs: Sequence[np.ndarray], *, store_as: str
) -> None:
    """``class_name.from_config(layer.get_config())`` gives an equivalent layer.

    ``layer`` must already be built. The copy is built on ``inputs[0]`` and gets ``layer``'s
    weights; then its config must equal the original's and its outputs on ``inputs`` must match.
    """
    config = student.config(layer)
    rebuilt = f"{class_name}.from_config(config)"
    _expect_stored(_student_step(student, rebuilt, f"{class_name}.from_config", config, store_as=store_as), class_name)
    _student_step(student, rebuilt, store_as, inputs[0])
    _copy_weights(student, layer, store_as, rebuilt)
    differences = config_differences(config, student.config(store_as))
    if differences:
        raise CheckFailure(messages.REBUILT_CONFIG_DIFFERS.format(rebuilt=rebuilt, keys=_keys(differences[:4], "and")))
    expect_same_outputs(
        student, layer, store_as, inputs, what=messages.REBUILT_LAYER.format(rebuilt=rebuilt),
        hint=messages.HINT_MISSING_ARGUMENT.format(),
    )


def _student_step(student: Student, what: str, name: str, *args: Any, store_as: str | None = None) -> Any:
    try:
        return student.call(name, *args, store_as=store_as)
    except StudentUnavailable:
        raise
    except CheckFailure as exc:
        hint = _reload_hint(str(exc)) if "unexpected keyword argument" in str(exc) else ""
        raise CheckFailure(messages.STEP_FAILED.format(what=what, error=exc, hint=hint).strip()) from exc


def _expect_stored(answer: object, class_name: str) -> None:
    type_name = answer.get("type", "") if isinstance(answer, dict) else ""
    if not str(type_name).endswith(f".{class_name}"):
        shown = student_text(str(type_name), 80) or messages.SOMETHING_ELSE.format()
        raise CheckFailure(messages.FROM_CONFIG_WRONG_TYPE.format(cls=class_name, shown=shown))


def _copy_weights(student: Student, source: str, target: str, what: str) -> None:
    weights = student.weights(source)
    try:
        student.call(f"{target}.set_weights", weights)
    except StudentUnavailable:
        raise
    except CheckFailure as exc:
        raise CheckFailure(messages.WEIGHTS_NOT_COPIED.format(what=what)) from exc
