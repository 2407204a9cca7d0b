"""What a Keras model or layer looks like, as plain data: its description.

Made by the same code for both models, so they compare like for like: in the grader's runner for
the student's model, loaded from the ``.keras`` archive the student's process saved
(:func:`autograder.checks.topology.load_student_model`), and in the check process for a trusted
reference model (:func:`autograder.checks.topology.describe`).
"""

from __future__ import annotations

import json
from typing import Any

MAX_TEXT = 300


def describe(model: Any) -> dict[str, Any]:
    return {
        "class": type_name(model),
        "built": bool(model.built),
        "config": _config_or_none(model),
        "count_params": int(model.count_params()) if model.built else 0,
        "weights": [{"name": w.path, "shape": list(w.shape), "trainable": bool(w.trainable)} for w in model.weights],
        "inputs": [_tensor_info(t) for t in getattr(model, "inputs", None) or []],
        "outputs": [_tensor_info(t) for t in getattr(model, "outputs", None) or []],
        "output_names": [str(n) for n in getattr(model, "output_names", None) or []],
        "layers": [_layer_info(layer) for layer in getattr(model, "layers", [])],
    }


def type_name(value: Any) -> str:
    cls = type(value)
    return f"{cls.__module__}.{cls.__qualname__}"[:MAX_TEXT]


def json_safe(value: Any) -> Any:
    """Round-trip through JSON so only plain data leaves; unknown objects become their repr."""
    return json.loads(json.dumps(value, default=lambda o: repr(o)[:MAX_TEXT]))


def _config_or_none(layer: Any) -> Any:
    # A subclassed Model without get_config raises NotImplementedError: describe it anyway.
    try:
        return json_safe(layer.get_config())
    except NotImplementedError:
        return None


def _tensor_info(tensor: Any) -> dict[str, Any]:
    return {"name": str(tensor.name), "shape": list(tensor.shape), "dtype": str(tensor.dtype)}


def _layer_info(layer: Any) -> dict[str, Any]:
    return {
        "name": str(layer.name),
        "class": type_name(layer),
        "count_params": int(layer.count_params()) if layer.built else 0,
        "config": _config_or_none(layer),
    }
