"""The trusted side of a comparison: describing a reference, loading the student's model, copying its weights."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from autograder import messages
from autograder.check_side.runner import Model, Runner
from autograder.check_side.student import CheckFailure, Student, StudentUnavailable, student_text
from autograder.wire import model_description

# --- the trusted side: describing a reference, copying the student's weights into it -------------


def describe(model: Any) -> dict[str, Any]:
    """The description the runner gives of a student's model, made here for a trusted model."""
    return model_description.describe(model)


def describe_student_model(student: Student, runner: Runner, builder: str, *, store_as: str) -> dict[str, Any]:
    """Call the student's ``builder()`` and describe the model it returns, from its ``.keras`` archive."""
    return load_student_model(student, runner, builder, store_as=store_as).description


def load_student_model(student: Student, runner: Runner, builder: str, *, store_as: str) -> Model:
    """Call the student's ``builder()``, keep the model as ``store_as``, and have the runner load it.

    The description comes from the model's saved archive as the grader's runner loads it (built-in
    Keras layers only, ``safe_mode=True``), never from what the student's process says the model is.
    """
    answer = student.call(builder, store_as=store_as)
    kind = str(answer.get("type", "")) if isinstance(answer, dict) else ""
    try:
        archive = student.export_model(store_as)
    except StudentUnavailable:
        raise
    except CheckFailure:
        shown = student_text(kind, 100) or messages.UNREADABLE_VALUE.format()
        raise CheckFailure(messages.NOT_A_MODEL.format(builder=builder, kind=shown)) from None
    return runner.load_model(archive, messages.MODEL_FROM.format(builder=builder))


def copy_weights(runner: Runner, model: Model, reference: Any, pairs: Mapping[str, str]) -> None:
    """Give the trusted ``reference`` the weights of the student's ``model`` (as the runner loaded
    it), layer by layer as paired by :func:`expect_same_topology`.

    Layers are fetched by name, so the student's layer order does not matter.
    """
    for layer in reference.layers:
        if not layer.weights:
            continue
        values = runner.layer_weights(model, pairs[layer.name])
        shapes = [tuple(w.shape) for w in layer.weights]
        if [tuple(v.shape) for v in values] != shapes:
            raise CheckFailure(messages.WEIGHT_SHAPES.format(
                layer=student_text(pairs[layer.name], 100), actual=[tuple(v.shape) for v in values], expected=shapes
            ))
        layer.set_weights(values)
