"""The student's process answers the checks' requests (:mod:`autograder.wire.requests`) with data only.

Runs INSIDE the student's process, after the notebook's cells: nothing here is trusted, and nothing
but data (JSON trees and plain arrays, :mod:`autograder.wire.protocol`) ever leaves it.
"""

from __future__ import annotations

import socket
import sys
import types
from collections.abc import Callable
from typing import Any

import numpy as np

from autograder.wire import envelope, model_description, protocol, requests

MAX_DESCRIPTION = 300


SCRATCH = "__tfgrade_scratch__"
"""Key, in the notebook's namespace, of the objects checks asked to keep (``store_as``)."""


def _lookup(namespace: dict[str, Any], name: str) -> Any:
    """Resolve ``name`` or a dotted path (``layer.get_config``), checks' stored objects first."""
    head, *attrs = name.split(".")
    scratch = namespace.get(SCRATCH, {})
    if head in scratch:
        value = scratch[head]
    elif head in namespace:
        value = namespace[head]
    else:
        raise NameError(f"{head} is not defined")
    for attr in attrs:
        value = getattr(value, attr)
    return value


def _store(namespace: dict[str, Any], store_as: str | None, value: Any) -> Any:
    """Keep ``value`` for later requests when asked to; answer with a description, not the value."""
    if not store_as:
        return value
    namespace.setdefault(SCRATCH, {})[str(store_as)] = value
    return {"stored": str(store_as), "type": model_description.type_name(value)}


def _describe(request: requests.Describe, _arrays: Any, ns: dict[str, Any]) -> Any:
    try:
        value = _lookup(ns, request.name)
    except (NameError, AttributeError):
        return {"defined": False}
    return {
        "defined": True,
        "type": model_description.type_name(value),
        "callable": callable(value),
        "is_python_function": isinstance(value, types.FunctionType),
    }


def _get(request: requests.Get, _arrays: Any, ns: dict[str, Any]) -> Any:
    return _lookup(ns, request.name)


def _call(request: requests.Call, arrays: list[np.ndarray], ns: dict[str, Any]) -> Any:
    fn = _lookup(ns, request.name)
    args = _to_call_args(protocol.decode_value(request.args, arrays))
    kwargs = _to_call_args(protocol.decode_value(request.kwargs, arrays))
    return _store(ns, request.store_as, fn(*args, **kwargs))


def _save_and_reload(request: requests.SaveAndReload, _arrays: Any, ns: dict[str, Any]) -> Any:
    """Save a model to .keras, load it back (kept as ``store_as``); answer with the file's bytes."""
    import tempfile

    import keras

    model = _lookup(ns, request.name)
    custom = {k: v for k, v in ns.items() if isinstance(v, type) and issubclass(v, keras.layers.Layer)}
    with tempfile.TemporaryDirectory() as folder:
        path = f"{folder}/model.keras"
        model.save(path)
        reloaded = keras.saving.load_model(path, custom_objects=custom if request.custom_objects else None)
        with open(path, "rb") as handle:
            data = np.frombuffer(handle.read(), dtype=np.uint8)
    _store(ns, request.store_as, reloaded)
    return data


MAX_FILE_BYTES = 32 * 1024 * 1024


def _read_file(request: requests.ReadFile, _arrays: Any, _ns: dict[str, Any]) -> Any:
    """Bytes of a file the notebook wrote in its working folder (e.g. a plot_model diagram)."""
    import os

    path = os.path.realpath(request.path)
    if not path.startswith(os.getcwd() + os.sep) or not os.path.isfile(path):
        raise FileNotFoundError(f"{request.path} was not written in the notebook's folder")
    with open(path, "rb") as handle:
        return np.frombuffer(handle.read(MAX_FILE_BYTES), dtype=np.uint8)


def _to_call_args(value: Any) -> Any:
    """Arrays become ``tf.constant`` tensors; lists, tuples and dicts are converted inside.

    Without TensorFlow loaded (a notebook that never imports it) arrays stay NumPy arrays:
    importing TensorFlow here would cost seconds and memory the student did not ask for.
    """
    tf = sys.modules.get("tensorflow")
    array = getattr(value, "array", value)  # protocol.ArrayValue or a plain ndarray
    if isinstance(array, np.ndarray):
        return tf.constant(array) if tf is not None else array
    if isinstance(value, list | tuple):
        return type(value)(_to_call_args(v) for v in value)
    if isinstance(value, dict):
        return {k: _to_call_args(v) for k, v in value.items()}
    return value


def _export_model(request: requests.ExportModel, _arrays: Any, ns: dict[str, Any]) -> Any:
    """A Keras model saved as a .keras archive (config and weights), as bytes for the grader."""
    import tempfile

    import keras

    model = _lookup(ns, request.name)
    if not isinstance(model, keras.Model):
        raise TypeError(f"{request.name} is a {model_description.type_name(model)}, not a Keras model")
    with tempfile.TemporaryDirectory() as folder:
        path = f"{folder}/model.keras"
        model.save(path)
        with open(path, "rb") as handle:
            return np.frombuffer(handle.read(), dtype=np.uint8)


def _weights(request: requests.Weights, _arrays: Any, ns: dict[str, Any]) -> Any:
    obj = _lookup(ns, request.name)
    return [np.asarray(w) for w in obj.get_weights()]


def _config(request: requests.Config, _arrays: Any, ns: dict[str, Any]) -> Any:
    return model_description.json_safe(_lookup(ns, request.name).get_config())


HANDLERS: dict[type[requests.Request], Callable[..., Any]] = {
    requests.Describe: _describe,
    requests.Get: _get,
    requests.Call: _call,
    requests.ExportModel: _export_model,
    requests.Weights: _weights,
    requests.Config: _config,
    requests.SaveAndReload: _save_and_reload,
    requests.ReadFile: _read_file,
}
"""Each request type's handler ``(request, arrays, namespace)``; looked up per request, so a wrapper
(:mod:`autograder.profiling`) put in this table is the one that runs."""


def serve(sock: socket.socket, namespace: dict[str, Any]) -> None:
    """Answer the checks' requests about the notebook's ``namespace`` until the channel closes."""
    bound = {kind: _bound(kind, namespace) for kind in HANDLERS}
    server = envelope.Server(bound, encode=encode_student_value, catch=(BaseException,), describe=_capped_error)
    envelope.serve(sock, server, max_bytes=MAX_REQUEST_BYTES)


def _bound(kind: type[requests.Request], namespace: dict[str, Any]) -> envelope.Handler:
    return lambda request, arrays: HANDLERS[kind](request, arrays, namespace)


def _capped_error(exc: BaseException) -> str:
    """A student error is an answer, not a crash; Keras puts the cause at the end, so keep both ends."""
    text = envelope.error_text(exc)
    return text if len(text) <= 2000 else f"{text[:1000]} … {text[-1000:]}"


MAX_REQUEST_BYTES = 1 << 30


# --- turning student values into data ------------------------------------------------------


def encode_student_value(value: Any, out: list[np.ndarray], depth: int = 0) -> Any:
    """Encode whatever the student produced as a JSON tree plus arrays (see protocol)."""
    if depth > 32:
        raise ValueError("value nested too deeply to send")
    if value is None or type(value) in (bool, int, str, float):
        return protocol.encode_plain(value, out)
    if type(value) in (list, tuple):
        tag = "__list__" if type(value) is list else "__tuple__"
        return {tag: [encode_student_value(v, out, depth + 1) for v in value]}
    if type(value) is dict and all(type(k) is str for k in value):
        return {"__dict__": {k: encode_student_value(v, out, depth + 1) for k, v in value.items()}}
    array = _as_array(value)
    if array is not None:
        out.append(array[1])
        return {"__array__": len(out) - 1, "kind": array[0]}
    return {"__opaque__": model_description.type_name(value), "description": _safe_repr(value)}


def _as_array(value: Any) -> tuple[str, np.ndarray] | None:
    tf = sys.modules.get("tensorflow")  # never import it for a notebook that does not use it
    if tf is None:
        return _as_numpy(value)
    if isinstance(value, tf.Variable):
        return "variable", np.asarray(value.numpy())
    if isinstance(value, tf.Tensor) and type(value).__name__ == "EagerTensor":
        return "tensor", np.asarray(value.numpy())
    return _as_numpy(value)


def _as_numpy(value: Any) -> tuple[str, np.ndarray] | None:
    if type(value) is np.ndarray and not value.dtype.hasobject:
        return "ndarray", value
    if isinstance(value, np.generic) and type(value).__module__ == "numpy":
        return "numpy_scalar", np.asarray(value)
    return None


def _safe_repr(value: Any) -> str:
    try:
        return repr(value)[:MAX_DESCRIPTION]
    except Exception:  # noqa: BLE001 - a broken __repr__ is the student's business
        return "<unprintable>"


