"""The check library: what hidden and public checks call to judge a student's work.

Every ``expect_*`` function raises :class:`CheckFailure` with a message for the student that
names the mistake and the next step; it never shows more than the check chose to show.

    from autograder.checks import expect_tensor, expect_tf_function

    @pytest.mark.question("q1", points=1)
    def test_linear_layer(student):
        x = np.array([-1.0, 0.5], np.float32)
        expect_tensor(student.call("linear_layer", x), 3 * x + 2, what="linear_layer(x)")
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from autograder.channel.artifacts import IF_OPS, PY_FUNCTION_OPS, WHILE_OPS
from autograder.channel.protocol import ArrayValue, OpaqueValue
from autograder.channel.runner import Graph, Runner
from autograder.channel.student import CheckFailure, NameInfo, Student, StudentUnavailable

__all__ = [
    "CheckFailure",
    "expect_defined",
    "expect_tensor",
    "expect_tensor_spec",
    "expect_tf_function",
    "expect_graph_computes_function",
    "expect_ops",
    "expect_no_ops",
    "IF_OPS",
    "PY_FUNCTION_OPS",
    "WHILE_OPS",
]


def expect_defined(student: Student, name: str) -> NameInfo:
    info = student.describe(name)
    if not info.defined:
        raise CheckFailure(
            f"`{name}` is not defined in your notebook. Define it with exactly this name, then "
            "restart the kernel and run all cells."
        )
    return info


def expect_tf_function(
    student: Student, runner: Runner, name: str, *, specs: list[object] | None = None, args: list[object] | None = None
) -> Graph:
    """``name`` is a tf.function: its graph, traced for ``specs`` (or ``args``), as the runner found it.

    The verdict comes from the artifact: the student's process must hand over a frozen graph, and
    the grader's runner parses it and refuses any op outside the allowlist (naming the op). What
    the student's process says about the name only words the message when there is no graph.
    """
    try:
        artifact = student.export_function(name, specs=specs, args=args)
    except StudentUnavailable:
        raise
    except CheckFailure as failure:
        raise _no_graph(student, name, failure) from None
    graph = runner.load_graph(artifact, f"the graph traced from `{name}`")
    if graph.handle is None:
        refused = ", ".join(graph.ops.refused)
        raise CheckFailure(
            f"The graph traced from `{name}` contains operations the grader does not run ({refused}). "
            "Write it with TensorFlow math and control flow only: no tf.py_function, file or queue operations."
        )
    return graph


def expect_graph_computes_function(
    student: Student, runner: Runner, graph: Graph, name: str, *inputs: np.ndarray, rtol: float = 1e-4,
    atol: float = 1e-5,
) -> list[np.ndarray]:
    """The graph handed over for ``name`` computes what ``name`` returns, on the same inputs.

    This ties the artifact to the student's function without judging its values a second time: a
    wrong answer costs the points of the check that tests values, and a forged graph fails here.
    """
    expected = student.call(name, *inputs)
    wanted = [v.array for v in (expected if isinstance(expected, list | tuple) else [expected])
              if isinstance(v, ArrayValue)]
    got = runner.run_graph(graph, *inputs)
    same = len(got) == len(wanted) and all(
        g.shape == w.shape and g.dtype == w.dtype and np.allclose(g, w, rtol=rtol, atol=atol, equal_nan=True)
        for g, w in zip(got, wanted, strict=True)
    )
    if not same:
        raise CheckFailure(
            f"The graph traced from `{name}` does not compute what calling `{name}` returns. Make `{name}` "
            "itself the tf.function (decorate its `def`), and do not change it after defining it."
        )
    return got


def _no_graph(student: Student, name: str, failure: CheckFailure) -> CheckFailure:
    info = expect_defined(student, name)
    if info.is_python_function:
        return CheckFailure(
            f"`{name}` is a plain Python function, not a tf.function. Put `@tf.function` on the "
            "line above its `def` so TensorFlow compiles it into a graph."
        )
    return failure


def expect_tensor(
    actual: object,
    expected: np.ndarray,
    *,
    what: str,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    allow_numpy: bool = False,
) -> None:
    """Check type, then dtype, then shape, then values, and say which one is wrong."""
    expected = np.asarray(expected)
    array = expect_tensor_spec(actual, expected.shape, expected.dtype, what=what, allow_numpy=allow_numpy)
    _expect_close(array, expected, what, rtol, atol)


def expect_tensor_spec(
    actual: object, shape: tuple[int, ...], dtype: np.dtype | type, *, what: str, allow_numpy: bool = False
) -> np.ndarray:
    """Check that ``actual`` is a tensor of this shape and dtype; return its values."""
    _expect_tensor_type(actual, what, allow_numpy)
    assert isinstance(actual, ArrayValue)
    dtype = np.dtype(dtype)
    if actual.dtype != dtype:
        raise CheckFailure(
            f"{what} has dtype {actual.dtype}, expected {dtype}. "
            f"Use tf.cast(..., tf.{dtype}) or create the tensor with that dtype."
        )
    if actual.shape != tuple(shape):
        raise CheckFailure(
            f"{what} has shape {actual.shape}, expected {tuple(shape)}. {_shape_hint(actual.shape, tuple(shape))}"
        )
    return actual.array


def _expect_tensor_type(actual: object, what: str, allow_numpy: bool) -> None:
    if isinstance(actual, ArrayValue):
        if actual.kind in ("tensor", "variable") or allow_numpy:
            return
        raise CheckFailure(f"{what} is a NumPy value; return a tf.Tensor (do not call .numpy()).")
    if isinstance(actual, OpaqueValue) and actual.type_name.endswith("KerasTensor"):
        raise CheckFailure(
            f"{what} is a symbolic KerasTensor with no value: call the layer or function on a "
            "real tensor (e.g. tf.constant) instead of keras.Input."
        )
    if isinstance(actual, OpaqueValue) and actual.type_name.endswith("RaggedTensor"):
        raise CheckFailure(
            f"{what} is a tf.RaggedTensor, but a dense tf.Tensor is expected: use .to_tensor() or "
            "make all rows the same length."
        )
    kind = actual.type_name if isinstance(actual, OpaqueValue) else type(actual).__name__
    raise CheckFailure(f"{what} should be a tf.Tensor, but it is a {kind}.")


def _shape_hint(actual: tuple[int, ...], expected: tuple[int, ...]) -> str:
    if int(np.prod(actual)) == int(np.prod(expected)):
        if len(actual) != len(expected):
            return "Same number of elements: check for an extra reshape or expand_dims."
        return "Same number of elements: check for a transpose or a reshape."
    if len(actual) > len(expected):
        return "It has extra dimensions: did you broadcast by accident?"
    return "Check which axis you reduced or sliced."


def _expect_close(actual: np.ndarray, expected: np.ndarray, what: str, rtol: float, atol: float) -> None:
    if actual.dtype.kind in "biu" or actual.dtype == np.bool_:
        close = actual == expected
    else:
        close = np.isclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True)
    if bool(np.all(close)):
        return
    bad = np.argwhere(~np.asarray(close))
    first = tuple(int(i) for i in bad[0]) if actual.ndim else ()
    diff = np.abs(actual.astype(np.float64) - expected.astype(np.float64))
    max_diff = float(np.nanmax(diff)) if np.any(np.isfinite(diff)) else float("nan")
    where = f", first at index {first}" if actual.ndim else ""
    nans = int(np.count_nonzero(np.isnan(actual))) if actual.dtype.kind == "f" else 0
    nan_note = f" {nans} value(s) are NaN: look for a division by zero or a log of 0." if nans else ""
    raise CheckFailure(
        f"{what} has the right shape and dtype but wrong values: {len(bad)} of {actual.size} "
        f"element(s) differ{where}; largest difference {max_diff:.3g}.{nan_note}"
    )


def expect_ops(graph: Graph, what: str, required: Mapping[str, Iterable[str]]) -> None:
    """Each entry of ``required`` maps a plain-words name to op types; one must be present."""
    ops = graph.ops.all_ops
    for label, op_types in required.items():
        if not ops & set(op_types):
            raise CheckFailure(f"The graph traced from {what} has no {label}.")


def expect_no_ops(graph: Graph, what: str, forbidden: Mapping[str, Iterable[str]]) -> None:
    ops = graph.ops.all_ops
    for label, op_types in forbidden.items():
        found = sorted(ops & set(op_types))
        if found:
            raise CheckFailure(f"The graph traced from {what} contains {label} ({', '.join(found)}).")


# Serialization checks (configs, .keras archives, save/reload round trips), re-exported so that a
# check can import everything from here; see autograder/serialization.py.
from autograder.checks.keras_saving import (  # noqa: E402
    ArchiveError,
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

__all__ += [
    "ArchiveError",
    "activation",
    "archive_layer_configs",
    "expect_config_complete",
    "expect_from_config_round_trip",
    "expect_get_config_written",
    "expect_registered",
    "expect_same_outputs",
    "keras_archive_config",
    "reload_model",
]
