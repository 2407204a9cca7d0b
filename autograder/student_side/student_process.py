"""Runs INSIDE the student's process: execute the notebook's code cells, then answer requests.

Cells run one by one in IPython, as a Jupyter kernel runs them (:mod:`autograder.student_side.kernel`),
each under the cell timer; an error, a timeout or ``sys.exit`` ends only its cell, and whatever
processes the cell started end with it.

Nothing here is trusted by the grader. Student code shares this interpreter and may patch any of
it. The checks take only two things from here: values that student code computes on inputs it has
never seen, and artifacts (frozen graphs, ``.keras`` archives) that the grader's own runner
examines, runs and times. Whatever this process says about *how* code runs is never believed.
This module only has to be honest for honest students, and must never hand over anything but data.

Run as ``python -I -m autograder.student_side.student_process --fd N --cells cells.json --seed S``.
"""

from __future__ import annotations

import argparse
import builtins
import json
import os
import signal
import socket
import sys
import time
import traceback
import types
from collections.abc import Callable
from typing import Any

import numpy as np

from autograder import clock, i18n, messages
from autograder.student_side import kernel
from autograder.wire import GRADING_VARIABLE, model_description, protocol

MAX_DESCRIPTION = 300


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    # Compiled now, before any student code runs and could change what the catalog reads.
    i18n.set_language(args.lang)
    i18n.translations()
    sock = socket.socket(fileno=args.fd)
    if args.data and not os.path.lexists("data"):
        os.symlink(args.data, "data")
    with open(args.cells, encoding="utf-8") as handle:
        job = json.load(handle)
    _seed_everything(args.seed, tensorflow=bool(job.get("tensorflow")))
    os.environ[GRADING_VARIABLE] = "1"
    cells = job["cells"]
    notebook = kernel.Kernel(_fresh_main_module())
    kernel.adopt_orphans()
    signal.signal(signal.SIGPROF, _stop_cell)
    signal.signal(signal.SIGALRM, _backstop)
    for cell in cells:
        _run_cell(sock, notebook, int(cell["cell"]), str(cell["source"]), args.cell_seconds)
    protocol.send_message(sock, {"event": "ready"})
    _serve(sock, notebook.namespace)
    return 0


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="autograder.student_side.student_process")
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--cells", required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--cell-seconds", type=float, required=True)
    parser.add_argument("--data", help="the assignment's data folder, linked as data/ in the working folder")
    parser.add_argument("--lang", default=i18n.DEFAULT, choices=i18n.LANGUAGES,
                        help="the language of the cell errors and limits this process words (the submission's)")
    return parser.parse_args(argv)


def _seed_everything(seed: int, *, tensorflow: bool) -> None:
    import random

    random.seed(seed)
    np.random.seed(seed)
    if not tensorflow:
        return
    import tensorflow as tf

    # One thread each: timings stay comparable under load, and results bitwise stable.
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    import keras

    keras.utils.set_random_seed(seed)


def _fresh_main_module() -> types.ModuleType:
    # Cells run in a real ``__main__`` module so classes they define can be found by name
    # (Keras serialization looks them up), as in a Jupyter kernel (IPython makes it sys.modules["__main__"]).
    module = types.ModuleType("__main__")
    module.__dict__["__builtins__"] = builtins
    return module


class CellTimeout(BaseException):
    """Raised into a cell that runs too long. A BaseException, so `except Exception` won't hide it."""


def _stop_cell(_signum: int, _frame: object) -> None:
    _stop_timers()
    raise CellTimeout(messages.CELL_TIMEOUT.format(seconds=_Backstop.limit))


class _Backstop:
    """The cell's backstop: :data:`BACKSTOP` times its CPU limit in unhindered time (wall time less
    the time this process's threads waited for a CPU), for a cell that sleeps or blocks.

    ``ITIMER_REAL`` fires at the wall-clock mark; if load made the process wait meanwhile, the
    timer is set again for what is left, so only the cell's own time counts.
    """

    seconds = 0.0
    started = 0.0
    waited = 0.0
    limit = 0.0
    """The cell's limit in CPU seconds, which its timeout message names."""


BACKSTOP = 3.0
"""As in ``channel/budget.py`` (this module runs in the student's process and imports no more than it must)."""


def _backstop(_signum: int, _frame: object) -> None:
    left = _Backstop.seconds - (time.monotonic() - _Backstop.started - (clock.own_waiting_seconds() - _Backstop.waited))
    if left > 0.05:
        signal.setitimer(signal.ITIMER_REAL, left)
        return
    _stop_cell(_signum, _frame)


def _start_timers(seconds: float) -> None:
    """The cell's CPU time (``ITIMER_PROF``: every thread of this process) and its backstop."""
    _Backstop.limit, _Backstop.seconds, _Backstop.started = seconds, BACKSTOP * seconds, time.monotonic()
    _Backstop.waited = clock.own_waiting_seconds()
    signal.setitimer(signal.ITIMER_PROF, seconds)
    signal.setitimer(signal.ITIMER_REAL, BACKSTOP * seconds)


def _stop_timers() -> None:
    signal.setitimer(signal.ITIMER_PROF, 0)
    signal.setitimer(signal.ITIMER_REAL, 0)


def _run_cell(sock: socket.socket, notebook: kernel.Kernel, number: int, source: str, seconds: float) -> None:
    protocol.send_message(sock, {"event": "cell_start", "cell": number})
    error = None
    with kernel.processes_end_with_the_cell():
        try:
            _start_timers(seconds)
            failure = notebook.run(number, source)
        except BaseException as exc:  # noqa: BLE001 - a timeout between IPython's steps is a cell error too
            failure = exc
        finally:
            _stop_timers()
    if failure is not None:
        error = _describe_error(failure, kernel.cell_filename(number))
    sys.stdout.flush()
    sys.stderr.flush()
    protocol.send_message(sock, {"event": "cell_end", "cell": number, "error": error})


def _describe_error(exc: BaseException, filename: str) -> str:
    if isinstance(exc, SyntaxError) and exc.filename == filename and exc.lineno:
        # Found before the cell ran, so no frame of the cell: the error knows its own line.
        text = f"{type(exc).__name__}: {exc.msg}" if exc.msg else type(exc).__name__
        return messages.ERROR_AT_LINE.format(error=text[:500], line=exc.lineno)
    line = next(
        (f.lineno for f in reversed(traceback.extract_tb(exc.__traceback__)) if f.filename == filename),
        None,
    )
    text = _error_text(exc)[:500]
    return messages.ERROR_AT_LINE.format(error=text, line=line) if line else text


def _error_text(exc: BaseException) -> str:
    """``Type: message``, or just ``Type`` when the message is empty (``raise NotImplementedError``)."""
    message = str(exc)
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


# --- serving requests ----------------------------------------------------------------------


def _serve(sock: socket.socket, namespace: dict[str, Any]) -> None:
    while True:
        try:
            request, arrays = protocol.recv_message(sock, max_bytes=1 << 30, deadline=None)
        except protocol.ChannelClosed:
            return
        reply, reply_arrays = _answer(request, arrays, namespace)
        # The reply echoes the request's id: the check side accepts no answer to another question.
        protocol.send_message(sock, {**reply, "id": request.get("id")}, reply_arrays)


def _answer(
    request: dict[str, Any], arrays: list[np.ndarray], namespace: dict[str, Any]
) -> tuple[dict[str, Any], list[np.ndarray]]:
    handler = HANDLERS.get(str(request.get("op")))
    if handler is None:
        return {"ok": False, "error": f"unknown request {request.get('op')!r}"}, []
    out: list[np.ndarray] = []
    try:
        result = encode_student_value(handler(request, arrays, namespace), out)
    except BaseException as exc:  # noqa: BLE001 - a student error is an answer, not a crash
        text = _error_text(exc)
        return {"ok": False, "error": text if len(text) <= 2000 else f"{text[:1000]} … {text[-1000:]}"}, []
    return {"ok": True, "result": result}, out


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


def _store(namespace: dict[str, Any], request: dict[str, Any], value: Any) -> Any:
    """Keep ``value`` for later requests when asked to; answer with a description, not the value."""
    store_as = request.get("store_as")
    if not store_as:
        return value
    namespace.setdefault(SCRATCH, {})[str(store_as)] = value
    return {"stored": str(store_as), "type": model_description.type_name(value)}


def _describe(request: dict[str, Any], _arrays: Any, ns: dict[str, Any]) -> Any:
    try:
        value = _lookup(ns, str(request["name"]))
    except (NameError, AttributeError):
        return {"defined": False}
    return {
        "defined": True,
        "type": model_description.type_name(value),
        "callable": callable(value),
        "is_python_function": isinstance(value, types.FunctionType),
    }


def _get(request: dict[str, Any], _arrays: Any, ns: dict[str, Any]) -> Any:
    return _lookup(ns, str(request["name"]))


def _call(request: dict[str, Any], arrays: list[np.ndarray], ns: dict[str, Any]) -> Any:
    fn = _lookup(ns, str(request["name"]))
    args = _to_call_args(protocol.decode_value(request["args"], arrays))
    kwargs = _to_call_args(protocol.decode_value(request["kwargs"], arrays))
    return _store(ns, request, fn(*args, **kwargs))


def _save_and_reload(request: dict[str, Any], _arrays: Any, ns: dict[str, Any]) -> Any:
    """Save a model to .keras, load it back (kept as ``store_as``); answer with the file's bytes."""
    import tempfile

    import keras

    model = _lookup(ns, str(request["name"]))
    custom = {k: v for k, v in ns.items() if isinstance(v, type) and issubclass(v, keras.layers.Layer)}
    with tempfile.TemporaryDirectory() as folder:
        path = f"{folder}/model.keras"
        model.save(path)
        reloaded = keras.saving.load_model(path, custom_objects=custom if request.get("custom_objects") else None)
        with open(path, "rb") as handle:
            data = np.frombuffer(handle.read(), dtype=np.uint8)
    _store(ns, request, reloaded)
    return data


MAX_FILE_BYTES = 32 * 1024 * 1024


def _read_file(request: dict[str, Any], _arrays: Any, _ns: dict[str, Any]) -> Any:
    """Bytes of a file the notebook wrote in its working folder (e.g. a plot_model diagram)."""
    import os

    path = os.path.realpath(str(request["path"]))
    if not path.startswith(os.getcwd() + os.sep) or not os.path.isfile(path):
        raise FileNotFoundError(f"{request['path']} was not written in the notebook's folder")
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


def _export_model(request: dict[str, Any], _arrays: Any, ns: dict[str, Any]) -> Any:
    """A Keras model saved as a .keras archive (config and weights), as bytes for the grader."""
    import tempfile

    import keras

    model = _lookup(ns, str(request["name"]))
    if not isinstance(model, keras.Model):
        raise TypeError(f"{request['name']} is a {model_description.type_name(model)}, not a Keras model")
    with tempfile.TemporaryDirectory() as folder:
        path = f"{folder}/model.keras"
        model.save(path)
        with open(path, "rb") as handle:
            return np.frombuffer(handle.read(), dtype=np.uint8)


def _weights(request: dict[str, Any], _arrays: Any, ns: dict[str, Any]) -> Any:
    obj = _lookup(ns, str(request["name"]))
    return [np.asarray(w) for w in obj.get_weights()]


def _config(request: dict[str, Any], _arrays: Any, ns: dict[str, Any]) -> Any:
    return model_description.json_safe(_lookup(ns, str(request["name"])).get_config())


HANDLERS: dict[str, Callable[..., Any]] = {
    "describe": _describe,
    "get": _get,
    "call": _call,
    "export_model": _export_model,
    "weights": _weights,
    "config": _config,
    "save_and_reload": _save_and_reload,
    "read_file": _read_file,
}


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


if __name__ == "__main__":
    raise SystemExit(main())
