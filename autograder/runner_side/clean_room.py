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
function (``export``, :mod:`autograder.wire.graph_export`). A failure says whose it is: ``raised`` (the
student's code raised while defining or tracing), ``not_tf_function``, ``weights``, or ``grader``
(the export itself failed, which is never the student's fault).

The requests are answered by one child process of the clean room (a worker, see :class:`_Worker`),
forked on the first request and kept while its traces succeed; after a failed trace (or one that
hung or ended the worker) the next request gets a fresh worker. One worker per submission, not one
per request, because a fresh process pays again for TensorFlow's first trace and for copying the
pages it touches (about 0.1 s of CPU per request). Sharing gives a submission nothing it could not
do alone: the worker only ever runs definitions of this one submission, each already checked to
reach no further than TensorFlow, Keras, NumPy and math, and whatever an earlier graded name's code
does to the process (patch a TensorFlow function, change a setting), the later name's own body
could do too, by calling that same code first; its verdicts come from its graph, its values and
its own source (decorator, ``while``), none of which the earlier code can reach. Every request
starts from the same seeds and with functions traced, not run eagerly.

Run as ``python -I -m autograder.runner_side.clean_room --fd N --seed S``.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import signal
import socket
import sys
import time
import types
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from autograder.errors import TfgradeError
from autograder.wire import envelope, protocol, requests
from autograder.wire.graph_export import export

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


WORKER_PROGRAM = "autograder.runner_side.clean_room.worker"
"""The worker's name in ``sys.argv[0]``: what :mod:`autograder.profiling` stamps its stages with."""
WORKER_SLACK_SECONDS = 10
"""How much longer than a trace may take the clean room waits for its worker's reply (the worker's own
alarm ends a trace that runs too long first)."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="autograder.runner_side.clean_room")
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--trace-seconds", type=int, default=TRACE_SECONDS)
    args = parser.parse_args(argv)
    sock = socket.socket(fileno=args.fd)
    worker: _Worker | None = None
    try:
        while True:
            try:
                request, arrays = protocol.recv_message(sock, max_bytes=MAX_REQUEST_BYTES, deadline=None)
            except protocol.ChannelClosed:
                return 0
            worker = worker or _Worker.start(sock, args.seed, args.trace_seconds)
            reply, out = worker.ask(request, arrays)
            if reply.get("ok") is not True:
                worker.stop()  # what a failed trace left half done never reaches the next request
                worker = None
            envelope.send_reply(sock, request, reply, out)
    finally:
        if worker is not None:
            worker.stop()


@dataclass(frozen=True)
class _Worker:
    """A child of the clean room that answers trace requests over a socket of its own.

    The clean room itself never runs student code: it forwards each request to the worker and
    answers for it when the worker ends or stalls without a reply.
    """

    pid: int
    sock: socket.socket
    seconds: int

    @classmethod
    def start(cls, outer: socket.socket, seed: int, seconds: int) -> _Worker:
        ours, theirs = socket.socketpair()
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                outer.close()  # the worker talks to the clean room only, never to the checks
                ours.close()
                sys.argv[0] = WORKER_PROGRAM
                code = _serve(theirs, seed, seconds)
            finally:
                sys.stdout.flush()
                os._exit(code)
        theirs.close()
        return cls(pid, ours, seconds)

    def ask(self, request: dict[str, Any], arrays: list[np.ndarray]) -> tuple[dict[str, Any], list[np.ndarray]]:
        deadline = time.monotonic() + self.seconds + WORKER_SLACK_SECONDS
        try:
            protocol.send_message(self.sock, request, arrays)
            return protocol.recv_message(self.sock, max_bytes=MAX_REQUEST_BYTES, deadline=deadline)
        except (OSError, protocol.ProtocolError):  # no reply: say why, as the student's trace
            error = f"tracing did not finish within {self.seconds} s, or it ended the process"
            return {"ok": False, "kind": "raised", "error": error}, []

    def stop(self) -> None:
        self.sock.close()
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)  # it holds nothing to save, and may be stuck
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)


def _serve(sock: socket.socket, seed: int, seconds: int) -> int:
    """The worker: answer requests until the clean room closes the socket."""
    _set_up()
    while True:
        try:
            request, arrays = protocol.recv_message(sock, max_bytes=MAX_REQUEST_BYTES, deadline=None)
        except protocol.ChannelClosed:
            return 0
        signal.alarm(seconds)  # default action: the worker ends, and the clean room answers for it
        _seeded(seed)
        reply, out = answer(request, arrays)
        signal.alarm(0)
        protocol.send_message(sock, reply, out)


def _set_up() -> None:
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)


def _seeded(seed: int) -> None:
    """Every request draws the same random numbers, whatever the worker answered before."""
    import keras

    keras.utils.set_random_seed(seed)


def answer(request: dict[str, Any], arrays: list[np.ndarray]) -> tuple[dict[str, Any], list[np.ndarray]]:
    """One request's reply: the exported graph, or why there is none (``kind`` and ``error``)."""
    try:
        trace = requests.decode(request, [requests.Trace])
    except protocol.ProtocolError as exc:
        return envelope.failure(f"not a trace request ({exc})", "grader"), []
    out: list[np.ndarray] = []
    try:
        concrete = _traced(trace, arrays)
    except _Refusal as refusal:
        return envelope.failure(_capped(str(refusal)), refusal.kind), []
    except (KeyError, TypeError, ValueError, protocol.ProtocolError) as exc:  # a malformed request: the grader's
        return envelope.failure(_capped(f"a malformed request: {_error_text(exc)}"), "grader"), []
    try:
        return {"ok": True, "result": export(concrete).encode(out)}, out
    except Exception as exc:  # noqa: BLE001 - the grader's own export failed: say so, never blame the student
        return envelope.failure(_capped(_error_text(exc)), "grader"), []


def _traced(request: requests.Trace, arrays: list[np.ndarray]) -> Any:
    import tensorflow as tf

    name = request.name
    tf.config.run_functions_eagerly(False)  # whatever an earlier request did, this one traces
    namespace = _executed(request.source)
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


def _inputs(request: requests.Trace, arrays: list[np.ndarray]) -> list[Any]:
    if request.specs is not None:
        return [_spec(s) for s in request.specs]
    return [_call_arg(v) for v in protocol.decode_value(request.args, arrays)]


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


def _weights(request: requests.Trace, arrays: list[np.ndarray]) -> dict[str, list[np.ndarray]]:
    given = protocol.decode_value(request.weights, arrays) or {}
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
