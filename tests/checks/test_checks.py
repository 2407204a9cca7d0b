"""The check library's tensor, function and graph checks, on plain data (no student process)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from autograder.check_side import clean_room_handle
from autograder.check_side.clean_room_handle import CleanRoom, CleanRoomUnavailable
from autograder.check_side.runner import Graph
from autograder.checks import (
    PY_FUNCTION_OPS,
    WHILE_OPS,
    CheckFailure,
    NameInfo,
    StudentUnavailable,
    expect_no_ops,
    expect_ops,
    expect_tensor,
    expect_tf_function,
    use_clean_room,
)
from autograder.core.source import parse_cells
from autograder.wire.artifacts import GraphOps
from autograder.wire.graph_export import GraphArtifact
from autograder.wire.protocol import ArrayValue, OpaqueValue


def tensor(values, dtype=np.float32, kind="tensor") -> ArrayValue:
    return ArrayValue(kind=kind, array=np.asarray(values, dtype=dtype))


def failure(actual, expected, **kwargs) -> str:
    with pytest.raises(CheckFailure) as caught:
        expect_tensor(actual, np.asarray(expected), what="f(x)", **kwargs)
    return str(caught.value)


def test_matching_tensor_and_variable_pass():
    expect_tensor(tensor([1.0, 2.0]), np.array([1.0, 2.0], np.float32), what="f(x)")
    expect_tensor(tensor([1.0, 2.0], kind="variable"), np.array([1.0, 2.0], np.float32), what="f(x)")


def test_dtype_is_checked_before_values_with_a_cast_hint():
    message = failure(tensor([1.0], np.float64), np.array([1.0], np.float32))
    assert message == "f(x) has dtype float64, expected float32. Use tf.cast(..., tf.float32) or create the tensor " \
        "with that dtype."


@pytest.mark.parametrize(
    ("shape", "expected_shape", "hint"),
    [
        ((3, 1), (3,), "extra reshape or expand_dims"),
        ((2, 3), (3, 2), "transpose or a reshape"),
        ((3, 3), (3,), "did you broadcast by accident?"),
        ((2,), (3,), "which axis you reduced or sliced"),
    ],
)
def test_shape_mismatch_names_the_likely_cause(shape, expected_shape, hint):
    message = failure(tensor(np.zeros(shape)), np.zeros(expected_shape, np.float32))
    assert f"has shape {shape}, expected {expected_shape}" in message and hint in message


def test_wrong_values_give_count_first_index_and_largest_difference():
    message = failure(tensor([1.0, 2.5, 3.0, 9.0]), np.array([1.0, 2.0, 3.0, 4.0], np.float32))
    assert "2 of 4 elements differ, first at index (1,); largest difference 5." in message


def test_broadcastable_answer_is_not_accepted():
    # np.allclose would say True for (3, 1) against (3,): the shape check must catch it first.
    assert "has shape (3, 1)" in failure(tensor([[1.0], [2.0], [3.0]]), np.array([1.0, 2.0, 3.0], np.float32))


def test_nan_matches_nan_but_an_unexpected_nan_is_named():
    expect_tensor(tensor([np.nan, 1.0]), np.array([np.nan, 1.0], np.float32), what="f(x)")
    assert "1 value is NaN" in failure(tensor([np.nan, 1.0]), np.array([0.0, 1.0], np.float32))


def test_tolerance_is_respected():
    expect_tensor(tensor([1.00001]), np.array([1.0], np.float32), what="f(x)", rtol=1e-4)
    assert "wrong values" in failure(tensor([1.01]), np.array([1.0], np.float32), rtol=1e-4)


def test_integer_values_compare_exactly():
    assert "wrong values" in failure(tensor([4], np.int32), np.array([5], np.int32))


@pytest.mark.parametrize(
    ("actual", "words"),
    [
        (tensor([1.0], kind="ndarray"), "is a NumPy value; return a tf.Tensor"),
        (OpaqueValue("keras.src.backend.common.keras_tensor.KerasTensor", ""), "symbolic KerasTensor"),
        (OpaqueValue("tensorflow.python.ops.ragged.ragged_tensor.RaggedTensor", ""), "use .to_tensor()"),
        (OpaqueValue("__main__.AlwaysEqual", ""), "should be a tf.Tensor, but it is a __main__.AlwaysEqual"),
        (5.0, "should be a tf.Tensor, but it is a float"),
    ],
)
def test_things_that_are_not_tensors_are_named(actual, words):
    assert words in failure(actual, np.array([1.0], np.float32))


def test_numpy_values_pass_when_allowed():
    expect_tensor(tensor([1.0], kind="ndarray"), np.array([1.0], np.float32), what="f(x)", allow_numpy=True)


class FakeStudent:
    """Just enough of a Student for expect_tf_function: whether its run defines a name, a global's weights."""

    def __init__(self, defined: bool = True, gone: bool = False) -> None:
        self.asked: list[str] = []
        self.defined, self.gone = defined, gone

    def describe(self, name: str) -> NameInfo:
        if self.gone:
            raise StudentUnavailable("Your notebook's Python process ended while running cell 2")
        return NameInfo(name, self.defined, "function" if self.defined else "", self.defined)

    def weights(self, name: str) -> list[np.ndarray]:
        self.asked.append(name)
        return [np.ones(2, np.float32)]


class FakeRunner:
    def __init__(self, refused: tuple[str, ...] = ()) -> None:
        self.refused = refused
        self.loaded: list[GraphArtifact] = []

    def load_graph(self, artifact: GraphArtifact, what: str) -> Graph:
        self.loaded.append(artifact)
        return Graph(what, GraphOps(frozenset({"Placeholder"}), frozenset(), self.refused), (), 1,
                     None if self.refused else 1)


class FakeCleanRoom(CleanRoom):
    """The real reading of the source; a trace that records what it was asked and hands back ARTIFACT."""

    def __init__(self, *sources: str) -> None:
        super().__init__(None, None)
        self.__dict__["cells"] = parse_cells(enumerate(sources, start=1))
        self.traced: list[tuple[str, dict]] = []

    def trace(self, definitions, **kwargs):  # type: ignore[no-untyped-def, override]
        self.traced.append((definitions.source, kwargs))
        return ARTIFACT


ARTIFACT = GraphArtifact(b"graph bytes", ("x:0",), ("Identity:0",))
DECORATED = "import tensorflow as tf\n@tf.function\ndef f(x):\n    return x"


@pytest.fixture
def room_of():
    def use(*sources: str) -> FakeCleanRoom:
        room = FakeCleanRoom(*sources)
        use_clean_room(room)
        return room
    yield use
    clean_room_handle._CURRENT.clear()


@pytest.mark.parametrize(
    ("sources", "words"),
    [
        (("x = 1",), "`f` is not defined in your notebook"),
        (("import tensorflow as tf\ndef f(x):\n    return x",), "Put `@tf.function` on the line above"),
        (("import tensorflow as tf\nf = abs",), "`f` is not written as a tf.function"),
        ((DECORATED, "tf.config.run_functions_eagerly(True)"), "Cell 2, line 1 uses `tf.config.run_functions_eagerly`"),
        ((DECORATED, "import os\nSEP = os.sep\n@tf.function\ndef f(x):\n    return SEP"), "`import os` in cell 2"),
    ],
)
def test_expect_tf_function_judges_how_the_source_is_written(room_of, sources, words):
    room = room_of(*sources)
    with pytest.raises(CheckFailure, match=re.escape(words)):
        expect_tf_function(FakeStudent(), FakeRunner(), "f")  # type: ignore[arg-type]
    assert room.traced == []


@pytest.mark.parametrize(("student", "error", "words"), [
    (FakeStudent(defined=False), CheckFailure, "`f` is not defined in your notebook"),
    (FakeStudent(gone=True), StudentUnavailable, "ended while running cell 2"),
])
def test_a_definition_the_notebooks_run_never_reached_is_not_traced(room_of, student, error, words):
    # The source defines f, but the run did not (a cell after an os._exit, say): no graph is judged,
    # and the check says what every other check says.
    room = room_of(DECORATED)
    with pytest.raises(error, match=re.escape(words)):
        expect_tf_function(student, FakeRunner(), "f")  # type: ignore[arg-type]
    assert room.traced == []


def test_expect_tf_function_traces_the_definitions_in_the_clean_room_with_the_students_weights(room_of):
    room = room_of("import tensorflow as tf", "cell = tf.keras.layers.Dense(2)\nprint(cell)",
                   "@tf.function\ndef f(x):\n    return cell(x)")
    runner, student = FakeRunner(), FakeStudent()
    graph = expect_tf_function(student, runner, "f", specs=[([2], "float32")],  # type: ignore[arg-type]
                               weights=("cell", "absent"))
    assert graph.handle == 1 and runner.loaded == [ARTIFACT] and student.asked == ["cell"]
    [(source, asked)] = room.traced
    assert "print" not in source and "def f" in source
    assert asked["specs"] == [([2], "float32")] and list(asked["weights"]) == ["cell"]


def test_expect_tf_function_names_the_ops_the_runner_refused(room_of):
    room_of(DECORATED)
    with pytest.raises(CheckFailure, match=re.escape("operations the grader does not run (EagerPyFunc, ReadFile)")):
        expect_tf_function(FakeStudent(), FakeRunner(("EagerPyFunc", "ReadFile")), "f")  # type: ignore[arg-type]


def test_without_a_clean_room_no_graph_is_judged():
    with pytest.raises(CleanRoomUnavailable):
        expect_tf_function(FakeStudent(), FakeRunner(), "f")  # type: ignore[arg-type]


def test_graph_ops_are_found_in_nested_bodies_too():
    graph = Graph("g", GraphOps(frozenset({"Placeholder", "StatelessWhile"}), frozenset({"EagerPyFunc"}), ()), (), 1, 1)
    expect_ops(graph, "g", {"while loop": WHILE_OPS})
    with pytest.raises(CheckFailure, match=re.escape("contains py_function (EagerPyFunc)")):
        expect_no_ops(graph, "g", {"py_function": PY_FUNCTION_OPS})
    with pytest.raises(CheckFailure, match="has no matrix multiplication"):
        expect_ops(graph, "g", {"matrix multiplication": {"MatMul"}})
