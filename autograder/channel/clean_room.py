"""The grader's clean room: traces a graded function where none of the notebook's other code ran.

A sandboxed process of the grader's own, started next to the runner, that never sees the assignment
and holds nothing but its socket to the check process. It answers ``trace`` requests:

    {"op": "trace", "source": ..., "name": ..., "specs": [...] | None, "args": ... | None,
     "weights": {global name: [arrays]} | None}

``source`` is what :func:`autograder.core.source.definitions_for` read from the notebook: the
graded definition and the imports, helpers and constants it uses, already checked to reach no
further than TensorFlow, Keras, NumPy and math. Per request the clean room writes it to a file of
its own (AutoGraph converts only code it can read the source of), executes it in a fresh module,
traces the name for the given specs or arguments, restores the student's weights into the globals
named in ``weights`` (so ``lstm_cell`` holds what the notebook's holds), and exports the concrete
function (``export``, :mod:`autograder.channel.graph_export`). A failure says whose it is: ``raised`` (the
student's code raised while defining or tracing), ``not_tf_function``, ``weights``, or ``grader``
(the export itself failed, which is never the student's fault).

Each request is answered in a fresh child process (see :func:`_serve_in_child`), so what one
request's definitions do to TensorFlow never reaches the next.

Run as ``python -I -m autograder.channel.clean_room --fd N --seed S``.
"""

from __future__ import annotations

import argparse
import itertools
import os
import signal
import socket
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from autograder.channel import protocol
from autograder.channel.graph_export import export
from autograder.errors import TfgradeError

MAX_REQUEST_BYTES = 256 * 1024 * 1024
TRACE_SECONDS = 100
"""How long one request's child may run (defining, tracing, exporting): less than the check side waits."""
MAX_ERROR = 1500
_NUMBERS = itertools.count(1)


class _Refusal(TfgradeError):
    """A request that cannot be answered with a graph; ``kind`` says whose problem it is."""

    def __init__(self, kind: str, error: str) -> None:
        super().__init__(error)
        self.kind = kind


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="autograder.channel.clean_room")
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--trace-seconds", type=int, default=TRACE_SECONDS)
    args = parser.parse_args(argv)
    sock = socket.socket(fileno=args.fd)
    while True:
        try:
            request, arrays = protocol.recv_message(sock, max_bytes=MAX_REQUEST_BYTES, deadline=None)
        except protocol.ChannelClosed:
            return 0
        _serve_in_child(sock, request, arrays, args.seed, args.trace_seconds)


def _serve_in_child(
    sock: socket.socket, request: dict[str, Any], arrays: list[np.ndarray], seed: int, seconds: int
) -> None:
    """Answer one request in a fresh child of this process, which never runs student code itself.

    What one request's definitions do to TensorFlow (patch a module, switch a global setting) must
    not reach the next request's: each child starts from this process as it was, with TensorFlow
    imported and not yet running (as the fork server forks it), and ends after its one reply.
    """
    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            signal.alarm(seconds)  # default action: the child ends, and the parent answers for it
            _set_up(seed)
            reply, out = answer(request, arrays)
            protocol.send_message(sock, {**reply, "id": request.get("id")}, out)
            code = 0
        finally:
            sys.stdout.flush()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:  # no reply was sent: say why, as the student's trace
        error = f"tracing did not finish within {seconds} s, or it ended the process"
        protocol.send_message(sock, {"ok": False, "kind": "raised", "error": error, "id": request.get("id")})


def _set_up(seed: int) -> None:
    import keras
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    keras.utils.set_random_seed(seed)


def answer(request: dict[str, Any], arrays: list[np.ndarray]) -> tuple[dict[str, Any], list[np.ndarray]]:
    """One request's reply: the exported graph, or why there is none (``kind`` and ``error``)."""
    if request.get("op") != "trace" or not isinstance(request.get("source"), str) \
            or not isinstance(request.get("name"), str):
        return {"ok": False, "kind": "grader", "error": f"not a trace request ({str(request.get('op'))[:40]})"}, []
    out: list[np.ndarray] = []
    try:
        concrete = _traced(request, arrays)
    except _Refusal as refusal:
        return {"ok": False, "kind": refusal.kind, "error": _capped(str(refusal))}, []
    except (KeyError, TypeError, ValueError, protocol.ProtocolError) as exc:  # a malformed request: the grader's
        return {"ok": False, "kind": "grader", "error": _capped(f"a malformed request: {_error_text(exc)}")}, []
    try:
        return {"ok": True, "result": export(concrete).encode(out)}, out
    except Exception as exc:  # noqa: BLE001 - the grader's own export failed: say so, never blame the student
        return {"ok": False, "kind": "grader", "error": _capped(_error_text(exc))}, []


def _traced(request: dict[str, Any], arrays: list[np.ndarray]) -> Any:
    import tensorflow as tf

    name = str(request["name"])
    tf.config.run_functions_eagerly(False)  # whatever an earlier request did, this one traces
    namespace = _executed(str(request["source"]))
    fn = namespace.get(name)
    if not isinstance(fn, tf.types.experimental.PolymorphicFunction):
        raise _Refusal("not_tf_function", _kind(fn))
    inputs = _inputs(request, arrays)
    concrete = _student_step(lambda: fn.get_concrete_function(*inputs))
    for holder, weights in _weights(request, arrays).items():
        try:
            namespace[holder].set_weights(weights)
        except Exception as exc:
            raise _Refusal("weights", f"{holder}: {_error_text(exc)}") from exc
    return concrete


def _executed(source: str) -> dict[str, Any]:
    """A fresh module holding the definitions, compiled from a real file (AutoGraph reads the source)."""
    number = next(_NUMBERS)
    module = types.ModuleType(f"tfgrade_definitions_{number}")
    path = Path(os.getcwd()) / f"definitions_{number}.py"
    path.write_text(source, encoding="utf-8")
    module.__file__ = str(path)
    sys.modules[module.__name__] = module  # AutoGraph looks a converted function's module up by name
    _student_step(lambda: exec(compile(source, str(path), "exec"), module.__dict__))
    return module.__dict__


def _student_step(step: Callable[[], Any]) -> Any:
    """Run the student's code; what it raises is the student's, reported as such."""
    try:
        return step()
    except BaseException as exc:
        raise _Refusal("raised", _error_text(exc)) from exc


def _inputs(request: dict[str, Any], arrays: list[np.ndarray]) -> list[Any]:
    if request.get("specs") is not None:
        return [_spec(s) for s in request["specs"]]
    return [_call_arg(v) for v in protocol.decode_value(request["args"], arrays)]


def _spec(spec: Any) -> Any:
    import tensorflow as tf

    if isinstance(spec, list):
        return [_spec(s) for s in spec]
    return tf.TensorSpec(spec["shape"], spec["dtype"])


def _call_arg(value: Any) -> Any:
    import tensorflow as tf

    if isinstance(value, protocol.ArrayValue):
        return tf.constant(value.array)
    if isinstance(value, list | tuple):
        return type(value)(_call_arg(v) for v in value)
    return value


def _weights(request: dict[str, Any], arrays: list[np.ndarray]) -> dict[str, list[np.ndarray]]:
    given = protocol.decode_value(request.get("weights"), arrays) or {}
    return {str(k): [w.array for w in v] for k, v in given.items()}


def _kind(value: Any) -> str:
    return "name that is not defined" if value is None else type(value).__name__


def _error_text(exc: BaseException) -> str:
    message = str(exc)
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _capped(text: str) -> str:
    return text if len(text) <= MAX_ERROR else f"{text[:MAX_ERROR // 2]} … {text[-MAX_ERROR // 2:]}"


if __name__ == "__main__":
    raise SystemExit(main())
