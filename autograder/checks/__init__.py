"""The check library: what hidden and public checks call to judge a student's work.

Every ``expect_*`` function raises :class:`CheckFailure` with a message for the student that
names the mistake and the next step (worded in :mod:`autograder.messages`); it never shows more
than the check chose to show.

    from autograder.checks import expect_tensor, expect_tf_function

    @pytest.mark.question("q1", points=1)
    def test_linear_layer(student):
        x = np.array([-1.0, 0.5], np.float32)
        expect_tensor(student.call("linear_layer", x), 3 * x + 2, what="linear_layer(x)")

This package is the one import surface of a course's checks: everything a check may use (the
student and runner handles, the values they answer with, the properties, serialization and topology
helpers) is re-exported here, so that moving a module inside the grader breaks no course.
``tests/checks/test_checks_surface.py`` keeps ``__all__`` complete and every course on it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from autograder import i18n, messages
from autograder.check_side import clean_room_handle, memo
from autograder.check_side.clean_room_handle import CleanRoom
from autograder.check_side.runner import Graph, Model, Reference, Runner, RunnerUnavailable, Speed, TensorInfo
from autograder.check_side.student import CheckFailure, NameInfo, Student, StudentUnavailable
from autograder.core.source import FunctionFacts
from autograder.wire.artifacts import IF_OPS, PY_FUNCTION_OPS, WHILE_OPS
from autograder.wire.protocol import ArrayValue, OpaqueValue

if TYPE_CHECKING:  # imported on first use (Hypothesis costs time): see __getattr__ below
    from autograder.checks.properties import (
        DEFAULT_EXAMPLES,
        float32_arrays,
        grading_settings,
        property_check,
        shapes,
    )

__all__ = [
    # the handles a check receives, and the values they answer with
    "Student",
    "StudentUnavailable",
    "NameInfo",
    "Runner",
    "RunnerUnavailable",
    "Reference",
    "Model",
    "Graph",
    "Speed",
    "TensorInfo",
    "ArrayValue",
    "OpaqueValue",
    "FunctionFacts",
    # the judging itself
    "CheckFailure",
    "expect_defined",
    "expect_tensor",
    "expect_tensor_spec",
    "expect_tf_function",
    "written_facts",
    "use_clean_room",
    "remembered",
    "use_memo",
    "expect_graph_computes_function",
    "expect_ops",
    "expect_no_ops",
    "IF_OPS",
    "PY_FUNCTION_OPS",
    "WHILE_OPS",
    "_",
]


def _(text: str) -> str:
    """An assignment's own student text in the submission's language: ``CheckFailure(_("..."))``.

    The catalog is the assignment's ``locale/<lang>/LC_MESSAGES/assignment.po``, looked up by this
    exact English text (``tfgrade catalogs NAME`` extracts every ``_("...")`` of its check files).
    Translate the sentence, then fill it in: ``_("{name} should return {n} values").format(...)``;
    that ``format`` also picks the Korean particle written both ways after a placeholder
    (``{name}을(를)``) for the value (:class:`autograder.josa.Text`).
    """
    return i18n.assignment_text(None, text)


def expect_defined(student: Student, name: str) -> NameInfo:
    info = student.describe(name)
    if not info.defined:
        raise CheckFailure(messages.NOT_DEFINED.format(name=name))
    return info


def use_memo(client: memo.Client) -> None:
    """Where :func:`remembered` asks: the check process sets it before any check runs."""
    memo.use(client)


def remembered(kind: str, data: bytes, compute: Callable[[], str]) -> str:
    """``compute()``, the work ``kind`` (a tool and its settings) does on ``data``, shared by the batch.

    For work whose result depends only on ``data`` and the grader's own tools (OCR of an image the
    check holds): when a check process of this batch already did it on the same bytes, the grader
    answers with its result, else it is computed here and offered (see :mod:`autograder.check_side.memo`).
    ``kind`` must name everything besides ``data`` that the result depends on.
    """
    return memo.current().remembered(kind, data, compute)


def use_clean_room(clean_room: CleanRoom) -> None:
    """Where :func:`expect_tf_function` traces: the check process sets it before any check runs."""
    clean_room_handle.use(clean_room)


def expect_tf_function(
    student: Student, runner: Runner, name: str, *, specs: list[object] | None = None,
    args: list[object] | None = None, weights: Sequence[str] = (),
) -> Graph:
    """``name`` is written as a tf.function: its graph, traced in the grader's clean room, as the runner found it.

    How ``name`` is written comes from the notebook's source, which the grader holds; the graph comes
    from the clean room, which executes only ``name``'s definition and what it uses, then traces it
    for ``specs`` (or ``args``). Nothing the student's process says or hands over is used, except the
    weights of the globals named in ``weights`` (``("lstm_cell",)``), copied into the clean room's own
    objects so the graph computes with the notebook's values. The runner then refuses any op outside
    its allowlist (naming the op).
    """
    # The notebook's run must define it (and its process must still answer): a graph of a definition
    # the run never reached (a cell after an os._exit, a timeout) judges nothing the notebook did, and
    # its verdict would contradict what every other check says.
    expect_defined(student, name)
    room = clean_room_handle.current()
    facts = room.facts(name)
    if not facts.tf_function and facts.is_def:
        raise CheckFailure(messages.PLAIN_PYTHON_FUNCTION.format(name=name))
    if not facts.tf_function:
        raise CheckFailure(messages.NOT_WRITTEN_AS_TF_FUNCTION.format(name=name))
    switch = room.eager_switch()
    if switch is not None:
        raise CheckFailure(messages.EAGER_SWITCHED_ON.format(name=name, cell=switch.cell, line=switch.line))
    definitions = room.definitions(name)
    values = {holder: student.weights(holder) for holder in weights if holder in definitions.globals}
    artifact = room.trace(definitions, specs=specs, args=args, weights=values)
    graph = runner.load_graph(artifact, messages.GRAPH_OF.format(name=name))
    if graph.handle is None:
        raise CheckFailure(messages.GRAPH_REFUSED_OPS.format(name=name, ops=", ".join(graph.ops.refused)))
    return graph


def written_facts(name: str) -> FunctionFacts:
    """How ``name`` is written in the notebook (a tf.function, a ``def``, a ``while`` in its body)."""
    return clean_room_handle.current().facts(name)


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
        raise CheckFailure(messages.GRAPH_NOT_THE_FUNCTION.format(name=name))
    return got


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
        raise CheckFailure(messages.WRONG_DTYPE.format(what=what, actual=actual.dtype, expected=dtype))
    if actual.shape != tuple(shape):
        hint = _shape_hint(actual.shape, tuple(shape)).format()
        raise CheckFailure(
            messages.WRONG_SHAPE.format(what=what, actual=actual.shape, expected=tuple(shape), hint=hint)
        )
    return actual.array


def _expect_tensor_type(actual: object, what: str, allow_numpy: bool) -> None:
    if isinstance(actual, ArrayValue):
        if actual.kind in ("tensor", "variable") or allow_numpy:
            return
        raise CheckFailure(messages.NUMPY_VALUE.format(what=what))
    if isinstance(actual, OpaqueValue) and actual.type_name.endswith("KerasTensor"):
        raise CheckFailure(messages.KERAS_TENSOR.format(what=what))
    if isinstance(actual, OpaqueValue) and actual.type_name.endswith("RaggedTensor"):
        raise CheckFailure(messages.RAGGED_TENSOR.format(what=what))
    kind = actual.type_name if isinstance(actual, OpaqueValue) else type(actual).__name__
    raise CheckFailure(messages.NOT_A_TENSOR.format(what=what, kind=kind))


def _shape_hint(actual: tuple[int, ...], expected: tuple[int, ...]) -> messages.Message:
    if int(np.prod(actual)) == int(np.prod(expected)):
        if len(actual) != len(expected):
            return messages.SHAPE_HINT_RESHAPE
        return messages.SHAPE_HINT_TRANSPOSE
    if len(actual) > len(expected):
        return messages.SHAPE_HINT_BROADCAST
    return messages.SHAPE_HINT_AXIS


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
    where = messages.FIRST_AT.format(index=first) if actual.ndim else ""
    nans = int(np.count_nonzero(np.isnan(actual))) if actual.dtype.kind == "f" else 0
    nan_note = f" {messages.NAN_VALUES.format(count=nans)}" if nans else ""
    raise CheckFailure(messages.WRONG_VALUES.format(
        what=what, bad=len(bad), count=actual.size, where=where, difference=max_diff, nans=nan_note
    ))


def expect_ops(graph: Graph, what: str, required: Mapping[str, Iterable[str]]) -> None:
    """Each entry of ``required`` maps a plain-words name to op types; one must be present."""
    ops = graph.ops.all_ops
    for label, op_types in required.items():
        if not ops & set(op_types):
            raise CheckFailure(messages.GRAPH_LACKS.format(what=what, label=label))


def expect_no_ops(graph: Graph, what: str, forbidden: Mapping[str, Iterable[str]]) -> None:
    ops = graph.ops.all_ops
    for label, op_types in forbidden.items():
        found = sorted(ops & set(op_types))
        if found:
            raise CheckFailure(messages.GRAPH_CONTAINS.format(what=what, label=label, ops=", ".join(found)))


# Serialization checks (configs, .keras archives, save/reload round trips), re-exported so that a
# check can import everything from here; see autograder/serialization.py.
from autograder.checks.keras_archive import ArchiveError, archive_layer_configs, keras_archive_config  # noqa: E402
from autograder.checks.keras_saving import (  # noqa: E402
    activation,
    expect_config_complete,
    expect_from_config_round_trip,
    expect_get_config_written,
    expect_registered,
    expect_same_outputs,
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

__all__ += ["config_differences", "BASE_CONFIG_KEYS", "Matches"]
from autograder.checks.keras_saving import BASE_CONFIG_KEYS, Matches, config_differences  # noqa: E402

# Model topology compared by structure (pure Python: TensorFlow runs in the runner, not here).
from autograder.checks.topology import (  # noqa: E402
    MERGE_VERBS,
    Layer,
    Node,
    Ref,
    Spec,
    Topology,
    TopologyError,
    copy_weights,
    describe,
    describe_student_model,
    expect_same_interface,
    expect_same_topology,
    load_student_model,
    parse,
    signature,
)

__all__ += [
    "MERGE_VERBS",
    "Layer",
    "Node",
    "Ref",
    "Spec",
    "Topology",
    "TopologyError",
    "copy_weights",
    "describe",
    "describe_student_model",
    "expect_same_interface",
    "expect_same_topology",
    "load_student_model",
    "parse",
    "signature",
]

# Property-based checks with Hypothesis (autograder/checks/properties.py). Hypothesis is imported on
# first use, not with this package: a check process whose checks use no property pays nothing for it.
__all__ += ["DEFAULT_EXAMPLES", "float32_arrays", "grading_settings", "property_check", "shapes"]
_LAZY = dict.fromkeys(__all__[-5:], "autograder.checks.properties")


def __getattr__(name: str) -> Any:
    """A lazily re-exported name (``from autograder.checks import property_check``), imported on first use."""
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value
