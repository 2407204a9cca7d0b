"""The check library's tensor, function and graph checks, on plain data (no student process)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from autograder.channel.artifacts import GraphOps
from autograder.channel.protocol import ArrayValue, OpaqueValue
from autograder.channel.runner import Graph
from autograder.channel.student import GraphArtifact, NameInfo
from autograder.checks import (
    PY_FUNCTION_OPS,
    WHILE_OPS,
    CheckFailure,
    expect_no_ops,
    expect_ops,
    expect_tensor,
    expect_tf_function,
)


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
    assert "2 of 4 element(s) differ, first at index (1,); largest difference 5." in message


def test_broadcastable_answer_is_not_accepted():
    # np.allclose would say True for (3, 1) against (3,): the shape check must catch it first.
    assert "has shape (3, 1)" in failure(tensor([[1.0], [2.0], [3.0]]), np.array([1.0, 2.0, 3.0], np.float32))


def test_nan_matches_nan_but_an_unexpected_nan_is_named():
    expect_tensor(tensor([np.nan, 1.0]), np.array([np.nan, 1.0], np.float32), what="f(x)")
    assert "1 value(s) are NaN" in failure(tensor([np.nan, 1.0]), np.array([0.0, 1.0], np.float32))


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
    """Just enough of a Student for expect_tf_function: a claim about the name, and an export."""

    def __init__(self, info: NameInfo, exported: GraphArtifact | None) -> None:
        self.info, self.exported = info, exported

    def describe(self, name: str) -> NameInfo:
        return self.info

    def export_function(self, name: str, **_: object) -> GraphArtifact:
        if self.exported is None:
            raise CheckFailure(f"Tracing `{name}` raised TypeError: {name} is not a tf.function.")
        return self.exported


class FakeRunner:
    def __init__(self, refused: tuple[str, ...] = ()) -> None:
        self.refused = refused
        self.loaded: list[GraphArtifact] = []

    def load_graph(self, artifact: GraphArtifact, what: str) -> Graph:
        self.loaded.append(artifact)
        return Graph(what, GraphOps(frozenset({"Placeholder"}), frozenset(), self.refused), (), 1,
                     None if self.refused else 1)


ARTIFACT = GraphArtifact(b"graph bytes", ("x:0",), ("Identity:0",))
CLAIMS_TF_FUNCTION = NameInfo("f", True, "PolymorphicFunction", True, False)


@pytest.mark.parametrize(
    ("info", "words"),
    [
        (NameInfo("f", defined=False), "`f` is not defined in your notebook"),
        (NameInfo("f", True, "builtins.function", True, True), "Put `@tf.function` on the line above"),
        (NameInfo("f", True, "builtins.int", False, False), "f is not a tf.function"),
        # A process that claims a tf.function but hands over no graph fails all the same.
        (CLAIMS_TF_FUNCTION, "f is not a tf.function"),
    ],
)
def test_expect_tf_function_fails_without_a_graph_whatever_the_claim(info, words):
    with pytest.raises(CheckFailure, match=re.escape(words)):
        expect_tf_function(FakeStudent(info, None), FakeRunner(), "f")  # type: ignore[arg-type]


def test_expect_tf_function_passes_on_the_graph_the_runner_examined_not_on_the_claim():
    runner = FakeRunner()
    claims_plain = NameInfo("f", True, "builtins.function", True, True)
    graph = expect_tf_function(FakeStudent(claims_plain, ARTIFACT), runner, "f")  # type: ignore[arg-type]
    assert graph.handle == 1 and runner.loaded == [ARTIFACT]


def test_expect_tf_function_names_the_ops_the_runner_refused():
    student, runner = FakeStudent(CLAIMS_TF_FUNCTION, ARTIFACT), FakeRunner(("EagerPyFunc", "ReadFile"))
    with pytest.raises(CheckFailure, match=re.escape("operations the grader does not run (EagerPyFunc, ReadFile)")):
        expect_tf_function(student, runner, "f")  # type: ignore[arg-type]


def test_graph_ops_are_found_in_nested_bodies_too():
    graph = Graph("g", GraphOps(frozenset({"Placeholder", "StatelessWhile"}), frozenset({"EagerPyFunc"}), ()), (), 1, 1)
    expect_ops(graph, "g", {"while loop": WHILE_OPS})
    with pytest.raises(CheckFailure, match=re.escape("contains py_function (EagerPyFunc)")):
        expect_no_ops(graph, "g", {"py_function": PY_FUNCTION_OPS})
    with pytest.raises(CheckFailure, match="has no matrix multiplication"):
        expect_ops(graph, "g", {"matrix multiplication": {"MatMul"}})
