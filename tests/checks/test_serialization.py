"""The serialization check library: configs, .keras archives (real and hostile), round-trip helpers.

Helpers that talk to a student's process run here against a small scripted fake of the handle;
one test saves a real Keras model in this (trusted) test process to read its archive.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

import hostile_files
import numpy as np
import pytest

from autograder.check_side.student import CheckFailure, NameInfo, StudentUnavailable
from autograder.checks import keras_archive
from autograder.checks.keras_archive import ArchiveError, archive_layer_configs, keras_archive_config
from autograder.checks.keras_saving import (
    activation,
    config_differences,
    expect_config_complete,
    expect_from_config_round_trip,
    expect_get_config_written,
    expect_registered,
    expect_same_outputs,
    reload_model,
)
from autograder.wire.protocol import ArrayValue, OpaqueValue

DTYPE = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}
BASE = {"name": "my_dense", "trainable": True, "dtype": DTYPE}
REQUIRED = {"units": 3, "activation": activation("relu"), "use_bias": True}


def failure(call: Callable[[], object]) -> str:
    with pytest.raises(CheckFailure) as caught:
        call()
    return str(caught.value)


# --- configs -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["relu", {"module": "keras.activations", "class_name": "function", "config": "relu"}])
def test_activation_accepts_each_spelling_of_a_name(value: Any) -> None:
    assert activation("relu").accept(value)


@pytest.mark.parametrize("value", [None, "linear", {"class_name": "function", "config": "linear"}])
def test_no_activation_is_none_or_linear(value: Any) -> None:
    assert activation(None).accept(value)


@pytest.mark.parametrize("value", ["tanh", None, 3, {"class_name": "Relu", "config": {}}, "<function relu at 0x1>"])
def test_activation_rejects_other_values(value: Any) -> None:
    assert not activation("relu").accept(value)


def test_complete_config_passes() -> None:
    expect_config_complete(BASE | {"units": 3, "activation": "relu", "use_bias": True}, REQUIRED, what="c")


def test_argument_left_at_its_default_must_be_in_the_config() -> None:
    config = BASE | {"units": 3, "activation": "relu"}

    message = failure(lambda: expect_config_complete(config, REQUIRED, what="MyDense.get_config()"))

    assert message.startswith("MyDense.get_config() does not include `use_bias`, so a reloaded layer silently")
    assert "including the ones left at their defaults" in message


def test_every_missing_argument_is_named() -> None:
    message = failure(lambda: expect_config_complete(BASE | {"units": 3}, REQUIRED, what="c"))

    assert "does not include `activation` or `use_bias`" in message


def test_wrong_value_names_the_key_and_both_values() -> None:
    config = BASE | {"units": 3, "activation": "tanh", "use_bias": True}

    message = failure(lambda: expect_config_complete(config, REQUIRED, what="c"))

    assert message.startswith("c gives `activation` = 'tanh', expected 'relu'.")


@pytest.mark.parametrize(("expected", "actual"), [(True, 1), (3, True), (3, 3.0), (3, "3")])
def test_values_must_have_the_right_type(expected: object, actual: object) -> None:
    config = BASE | {"key": actual}

    assert "gives `key`" in failure(lambda: expect_config_complete(config, {"key": expected}, what="c"))


def test_lists_and_tuples_compare_equal() -> None:
    expect_config_complete(BASE | {"shape": [2, 3]}, {"shape": (2, 3)}, what="c")


def test_forgotten_super_get_config_loses_the_base_keys() -> None:
    config = {"units": 3, "activation": "relu", "use_bias": True, "dtype": DTYPE}

    message = failure(lambda: expect_config_complete(config, REQUIRED, what="MyDense.get_config()"))

    assert message == (
        "MyDense.get_config() lost `name` and `trainable`: start from `config = super().get_config()` "
        "and update it."
    )


def test_base_keys_can_be_left_out() -> None:
    expect_config_complete({"units": 3}, {"units": 3}, what="c", base_keys=())


def test_config_must_be_a_dict() -> None:
    assert "should return a dict, but it returned a list" in failure(
        lambda: expect_config_complete([1], REQUIRED, what="c")
    )


def test_config_differences_lists_changed_added_and_removed_keys() -> None:
    before = {"a": 1, "b": [1, 2], "c": "x"}
    after = {"a": 1, "b": [1, 3], "d": None}

    assert config_differences(before, after) == ["b", "c", "d"]
    assert config_differences(before, dict(before)) == []


# --- .keras archives -----------------------------------------------------------------------


def archive(members: dict[str, bytes | str], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


MODEL_CONFIG = {
    "class_name": "Functional",
    "config": {
        "layers": [
            {"class_name": "InputLayer", "config": {"batch_shape": [None, 4]}},
            {"class_name": "MyDense", "config": {"units": 8}, "registered_name": "my_layers>MyDense"},
            {"class_name": "Functional", "config": {"layers": [{"class_name": "MyDense", "config": {"units": 2}}]}},
            {"class_name": "MyDense", "config": {"units": 1}},
        ]
    },
}


def test_config_json_is_read_from_the_archive_bytes() -> None:
    data = archive({"metadata.json": "{}", "config.json": json.dumps(MODEL_CONFIG), "model.weights.h5": b"\x89HDF"})

    assert keras_archive_config(data) == MODEL_CONFIG


def test_layer_configs_are_found_in_file_order_nested_models_included() -> None:
    units = [c["units"] for c in archive_layer_configs(MODEL_CONFIG, "MyDense")]

    assert units == [8, 2, 1]
    assert archive_layer_configs(MODEL_CONFIG, "Dense") == []


def test_a_real_keras_file_holds_each_layers_full_config(tmp_path) -> None:
    keras = pytest.importorskip("keras")
    inputs = keras.Input(shape=(4,))
    model = keras.Model(inputs, keras.layers.Dense(1)(keras.layers.Dense(8, activation="relu")(inputs)))
    model.save(tmp_path / "m.keras")

    config = keras_archive_config((tmp_path / "m.keras").read_bytes())
    dense = archive_layer_configs(config, "Dense")

    assert [c["units"] for c in dense] == [8, 1]
    expect_config_complete(dense[0], {"units": 8, "activation": activation("relu"), "use_bias": True}, what="d")
    expect_config_complete(dense[1], {"units": 1, "activation": activation(None)}, what="d")


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"not a zip", "not a readable zip archive"),
        (archive({"metadata.json": "{}"}), "has no config.json"),
        (archive({"config.json": "{", "metadata.json": "{}"}), "is not JSON"),
        (archive({"config.json": b"\xff\xfe"}), "is not JSON"),
        (archive({"config.json": "[1, 2]"}), "is not a JSON object"),
        (archive({"config.json": "[" * 100_000 + "]" * 100_000}), "is not JSON"),
        (archive({"config.json": "{}", "../evil.py": "x"}), "unexpected entry '../evil.py'"),
        (archive({"config.json": "{}", "/etc/passwd": "x"}), "unexpected entry"),
        (archive({"config.json": "{}", "assets/../../evil": "x"}), "unexpected entry"),
        (archive({"config.json": "{}", "run_me.sh": "x"}), "unexpected entry 'run_me.sh'"),
        (archive({f"assets/{i}": "" for i in range(300)} | {"config.json": "{}"}), "has 301 entries"),
    ],
)
def test_hostile_or_broken_archives_are_refused(data: bytes, words: str) -> None:
    with pytest.raises(ArchiveError) as caught:
        keras_archive_config(data)

    assert words in str(caught.value)


def _deep_config(depth: int) -> str:
    return '{"class_name": "Functional", "config": ' + "[" * depth + "]" * depth + "}"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (hostile_files.corrupt_deflate_zip(b'{"class_name": "M"}' * 20, "config.json"), "archive (error)"),
        (hostile_files.unknown_method_zip(b"{}", "config.json"), "archive (NotImplementedError)"),
        (hostile_files.encrypted_zip(b"{}", "config.json"), "archive (RuntimeError)"),
        (archive({"config.json": _deep_config(900)}), "nested more than 200 levels deep"),
    ],
    ids=["corrupt-deflate-stream", "unknown-compression", "encrypted", "deep-enough-to-recurse-when-walked"],
)
def test_archives_zipfile_or_json_choke_on_are_refused_as_archive_errors(data: bytes, words: str) -> None:
    with pytest.raises(ArchiveError) as caught:
        keras_archive_config(data)

    assert words in str(caught.value)


def test_assets_folder_is_allowed() -> None:
    assert keras_archive_config(archive({"config.json": "{}", "assets/vocab.txt": "a\nb"})) == {}


def test_duplicate_entries_are_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf, pytest.warns(UserWarning):
        zf.writestr("config.json", "{}")
        zf.writestr("config.json", '{"class_name": "Other"}')

    assert "same entry twice" in failure(lambda: keras_archive_config(buffer.getvalue()))


def test_a_compressed_config_too_large_to_unpack_is_refused(monkeypatch) -> None:
    monkeypatch.setattr(keras_archive, "MAX_CONFIG_BYTES", 1000)
    bomb = archive({"config.json": " " * 100_000 + "{}"})

    assert len(bomb) < 1000
    assert "larger than" in failure(lambda: keras_archive_config(bomb))


def test_a_config_whose_size_header_lies_is_still_cut_off(monkeypatch) -> None:
    monkeypatch.setattr(keras_archive, "MAX_CONFIG_BYTES", 1000)
    data = bytearray(archive({"config.json": " " * 5000 + "{}"}, zipfile.ZIP_STORED))
    for header in (b"PK\x03\x04", b"PK\x01\x02"):  # local and central headers: claim 2 bytes
        start = data.index(header)
        size_at = start + (22 if header == b"PK\x03\x04" else 24)
        data[size_at:size_at + 4] = (2).to_bytes(4, "little")

    with pytest.raises(ArchiveError):
        keras_archive_config(bytes(data))


def test_an_archive_over_the_size_cap_is_not_opened(monkeypatch) -> None:
    monkeypatch.setattr(keras_archive, "MAX_ARCHIVE_BYTES", 10)

    assert "larger than" in failure(lambda: keras_archive_config(archive({"config.json": "{}"})))


# --- helpers that use the student's process --------------------------------------------------


class FakeStudent:
    """Answers like :class:`autograder.check_side.student.Student`, from a script of names.

    ``answers`` maps a name to a value, to an exception to raise, or to a function of the call's
    arguments. A name missing from the script is "not defined", as in a real notebook.
    """

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.requests: list[tuple[str, tuple[Any, ...], str | None]] = []

    def _answer(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if name not in self.answers:
            raise CheckFailure(f"`{name}` is not defined in your notebook.")
        answer = self.answers[name]
        if isinstance(answer, BaseException):
            raise answer
        return answer(*args, **kwargs) if callable(answer) else answer

    def describe(self, name: str) -> NameInfo:
        return NameInfo(name, defined=name in self.answers)

    def get(self, name: str) -> Any:
        return self._answer(name)

    def call(self, name: str, *args: Any, store_as: str | None = None, **kwargs: Any) -> Any:
        self.requests.append((name, args, store_as))
        return self._answer(name, *args, **kwargs)

    def config(self, name: str) -> Any:
        return self._answer(f"config:{name}")

    def weights(self, name: str) -> Any:
        return self._answer(f"weights:{name}")

    def save_and_reload(self, name: str, store_as: str, *, custom_objects: bool = False) -> Any:
        self.requests.append(("save_and_reload", (name, custom_objects), store_as))
        return self._answer(f"save_and_reload:{name}")


def tensor(values: Any) -> ArrayValue:
    return ArrayValue("tensor", np.asarray(values, np.float32))


def test_get_config_written_in_the_notebook_passes() -> None:
    student = FakeStudent({"MyDense.get_config.__module__": "__main__", "MyDense.get_config.__qualname__": "x"})

    expect_get_config_written(student, "MyDense")  # type: ignore[arg-type]


def test_get_config_inherited_from_keras_fails() -> None:
    student = FakeStudent({
        "MyDense.get_config.__module__": "keras.src.layers.layer",
        "MyDense.get_config.__qualname__": "Layer.get_config",
    })

    message = failure(lambda: expect_get_config_written(student, "MyDense"))  # type: ignore[arg-type]

    assert message.startswith("MyDense has no get_config of its own: it inherits Layer.get_config")


def registry_student(registry: dict[str, Any], where: str = "keras.saving.get_custom_objects") -> FakeStudent:
    return FakeStudent({where: registry, "MyDense.__module__": "__main__", "MyDense.__qualname__": "MyDense"})


MY_DENSE = OpaqueValue("builtins.type", "<class '__main__.MyDense'>")


def test_registered_class_is_found_by_identity_whatever_its_registered_name() -> None:
    student = registry_student({"other>Thing": OpaqueValue("builtins.type", "<class '__main__.Thing'>"),
                                "hw>Dense2": MY_DENSE})

    assert expect_registered(student, "MyDense") == "hw>Dense2"  # type: ignore[arg-type]


def test_registry_is_also_found_through_tf_keras() -> None:
    student = registry_student({"p>MyDense": MY_DENSE}, where="tf.keras.utils.get_custom_objects")

    assert expect_registered(student, "MyDense") == "p>MyDense"  # type: ignore[arg-type]


def test_a_name_alone_does_not_count_as_registered() -> None:
    student = registry_student({"p>MyDense": "<class '__main__.MyDense'>"})

    message = failure(lambda: expect_registered(student, "MyDense", package="my_layers"))  # type: ignore[arg-type]

    assert message.startswith("MyDense is not registered for saving")
    assert '@keras.saving.register_keras_serializable(package="my_layers")' in message


def test_registration_needs_keras_imported() -> None:
    student = FakeStudent({"MyDense.__module__": "__main__", "MyDense.__qualname__": "MyDense"})

    assert "does not import keras" in failure(lambda: expect_registered(student, "MyDense"))  # type: ignore[arg-type]


def test_reload_returns_the_file_bytes() -> None:
    student = FakeStudent({"save_and_reload:model": b"zip"})

    assert reload_model(student, "model", "reloaded") == b"zip"  # type: ignore[arg-type]
    assert student.requests == [("save_and_reload", ("model", False), "reloaded")]


RELOAD_FAILED = CheckFailure("Using `model` raised TypeError: <class 'Functional'> could not be deserialized")


def test_failed_reload_of_an_unregistered_class_says_register_it() -> None:
    student = registry_student({})
    student.answers["save_and_reload:model"] = RELOAD_FAILED

    message = failure(lambda: reload_model(student, "model", "r", classes=["MyDense"]))  # type: ignore[arg-type]

    assert message.startswith("MyDense is not registered for saving")


def test_failed_reload_names_the_layer_whose_from_config_fails() -> None:
    student = registry_student({"p>MyDense": MY_DENSE})
    layer = {"class_name": "MyDense", "config": {"name": "d", "units": 1}}
    student.answers |= {
        "save_and_reload:model": RELOAD_FAILED,
        "config:model": {"layers": [{"class_name": "InputLayer", "config": {}}, layer]},
        "MyDense.from_config": CheckFailure(
            "Calling `MyDense.from_config` raised TypeError: unexpected keyword argument 'name'"
        ),
    }

    message = failure(lambda: reload_model(student, "model", "r", classes=["MyDense"]))  # type: ignore[arg-type]

    assert message.startswith("Saving `model` as a .keras file and loading it back failed. Rebuilding a MyDense")
    assert "unexpected keyword argument 'name'" in message and "**kwargs" in message
    assert ("MyDense.from_config", ({"name": "d", "units": 1},), None) in student.requests


def test_failed_reload_with_a_weight_count_mismatch_points_at_get_config() -> None:
    error = CheckFailure("Using `model` raised ValueError: Layer 'd' expected 2 variables, but received 1 variables")
    student = FakeStudent({"save_and_reload:model": error, "config:model": CheckFailure("no config")})

    message = failure(lambda: reload_model(student, "model", "r", custom_objects=True))  # type: ignore[arg-type]

    assert "different number of weights: get_config misses an argument" in message
    assert "expected 2 variables" in message


def test_a_dead_student_process_is_not_turned_into_a_hint() -> None:
    student = FakeStudent({"save_and_reload:model": StudentUnavailable("gone")})

    with pytest.raises(StudentUnavailable):
        reload_model(student, "model", "r", classes=["MyDense"])  # type: ignore[arg-type]


def test_same_outputs_pass_and_differences_are_reported() -> None:
    x = np.ones((2, 3), np.float32)
    same = FakeStudent({"a": lambda x: tensor([1.0, 2.0]), "b": lambda x: tensor([1.0, 2.0])})
    other = FakeStudent({"a": lambda x: tensor([1.0, 2.0]), "b": lambda x: tensor([1.0, 2.5])})
    shape = FakeStudent({"a": lambda x: tensor([1.0, 2.0]), "b": lambda x: tensor([[1.0, 2.0]])})
    opaque = FakeStudent({"a": lambda x: tensor([1.0]), "b": lambda x: OpaqueValue("KerasTensor", "")})

    expect_same_outputs(same, "a", "b", [x, x], what="The copy")  # type: ignore[arg-type]
    assert failure(lambda: expect_same_outputs(other, "a", "b", [x], what="The copy", hint="Fix it.")) == (
        "The copy gives different outputs (largest difference 0.5). Fix it."
    )
    assert "shape (1, 2) instead of (2,)" in failure(lambda: expect_same_outputs(shape, "a", "b", [x], what="c"))
    assert "`b` should return a tensor" in failure(lambda: expect_same_outputs(opaque, "a", "b", [x], what="c"))


def round_trip_student(copy_config: dict[str, Any], copy_output: float = 1.0, **overrides: Any) -> FakeStudent:
    config = {"name": "d", "units": 2, "activation": "tanh"}
    answers = {
        "config:layer": config,
        "config:copy": copy_config if copy_config is not None else config,
        "MyDense.from_config": {"stored": "copy", "type": "__main__.MyDense"},
        "weights:layer": [np.ones((3, 2), np.float32)],
        "copy.set_weights": None,
        "layer": lambda x: tensor([1.0, 1.0]),
        "copy": lambda x: tensor([copy_output, 1.0]),
    }
    return FakeStudent(answers | overrides)


def round_trip(student: FakeStudent) -> None:
    x = np.ones((2, 3), np.float32)
    expect_from_config_round_trip(student, "layer", "MyDense", [x, x], store_as="copy")  # type: ignore[arg-type]


def test_from_config_round_trip_passes_for_an_equivalent_layer() -> None:
    student = round_trip_student({"name": "d", "units": 2, "activation": "tanh"})

    round_trip(student)

    names = [name for name, _, _ in student.requests]
    assert names[:3] == ["MyDense.from_config", "copy", "copy.set_weights"]


def test_from_config_round_trip_reports_config_keys_that_changed() -> None:
    student = round_trip_student({"name": "d", "units": 2, "activation": "linear"})

    assert "builds a layer whose get_config() differs in `activation`" in failure(lambda: round_trip(student))


def test_from_config_round_trip_reports_different_outputs() -> None:
    student = round_trip_student({"name": "d", "units": 2, "activation": "tanh"}, copy_output=3.0)

    message = failure(lambda: round_trip(student))

    assert message.startswith("The layer rebuilt with MyDense.from_config(config) gives different outputs")


def test_from_config_must_return_the_class() -> None:
    student = round_trip_student({}, **{"MyDense.from_config": {"stored": "copy", "type": "builtins.dict"}})

    assert "should return a MyDense, not builtins.dict" in failure(lambda: round_trip(student))


def test_from_config_that_raises_on_name_gets_the_kwargs_hint() -> None:
    error = CheckFailure("Calling `MyDense.from_config` raised TypeError: got an unexpected keyword argument 'name'")
    student = round_trip_student({}, **{"MyDense.from_config": error})

    message = failure(lambda: round_trip(student))

    assert message.startswith("MyDense.from_config(config) failed: Calling")
    assert message.endswith("super().__init__(**kwargs).")


def test_copy_with_other_weights_blames_get_config() -> None:
    student = round_trip_student({}, **{"copy.set_weights": CheckFailure("expected 2 weights")})

    assert "different weights from the original" in failure(lambda: round_trip(student))
