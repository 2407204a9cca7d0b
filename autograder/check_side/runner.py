"""The checks' handle on the grader's runner, and on the grader itself (to freeze the student).

Checks get a :class:`Runner` through the ``runner`` pytest fixture. It sends artifacts (graphs in
the format of :mod:`autograder.wire.graph_export`, ``.keras`` archives) to the runner process
(:mod:`autograder.runner_side.runner_process`), which examines, runs and times them. Every verdict about how
student code runs (a ``tf.function``, a loop op in its graph, one trace for every input, faster
than eager code, a model's topology) comes from there, never from the student's process.

While the runner times a graph, the grader freezes the student's whole sandbox (``freeze`` and
``thaw`` on the control channel), so nothing the student started competes for the CPU.
"""

from __future__ import annotations

import contextlib
import math
import socket
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograder import messages
from autograder.check_side import budget
from autograder.check_side.student import CheckFailure, student_text
from autograder.errors import TfgradeError
from autograder.wire import envelope, protocol, requests
from autograder.wire.artifacts import GraphOps
from autograder.wire.graph_export import GraphArtifact

RUNNER_SECONDS = 300.0
"""How long one runner request may take (a timing run of up to three attempts fits well within)."""
CONTROL_SECONDS = 30.0
MAX_REPLY_BYTES = 256 * 1024 * 1024


class RunnerUnavailable(CheckFailure):
    """The runner cannot answer any more (it ended while examining an artifact, or hung)."""


class RunnerFault(TfgradeError, RuntimeError):
    """The grader's own artifact did not load in its runner: the check broke, the student is not blamed.

    Not a :class:`CheckFailure`, so the check process reports an error (the grader's) rather than
    a failure, and the student reads that the problem is not in their work.
    """


class _ErrorAnswer(CheckFailure):
    """The runner answered a request with an error (``detail``: its words, made safe to show)."""

    def __init__(self, message: str, detail: str) -> None:
        super().__init__(message)
        self.detail = detail


@dataclass(frozen=True)
class TensorInfo:
    shape: tuple[int | None, ...] | None
    """None: any rank; a None entry: any size along that axis."""
    dtype: str


@dataclass(frozen=True)
class Graph:
    """A student's graph as the runner found it; ``handle`` is None when an op was refused."""

    what: str
    ops: GraphOps
    inputs: tuple[TensorInfo, ...]
    outputs: int
    handle: int | None


@dataclass(frozen=True)
class Model:
    """A student's model loaded by the runner from its ``.keras`` archive."""

    what: str
    handle: int
    description: dict[str, Any]


@dataclass(frozen=True)
class Speed:
    median: float
    ratios: tuple[float, ...]
    mismatch: str | None
    """Why the graph's values differed from the reference's during timing, or None."""
    frozen: str
    """How the student's sandbox was kept still while timing ran."""


@dataclass(frozen=True)
class Reference:
    """A trusted built-in Keras layer (its config and weights) for the runner to run eagerly."""

    layer: dict[str, Any]
    weights: tuple[np.ndarray, ...]
    build_inputs: tuple[tuple[int, ...], ...]
    structure: list[Any]
    """How flat inputs become the layer's arguments, e.g. ``[0, [1, 2]]`` for ``(x, [h, c])``."""

    @classmethod
    def of(cls, layer: Any, build_inputs: Sequence[tuple[int, ...]], structure: list[Any]) -> Reference:
        import keras

        return cls(keras.layers.serialize(layer), tuple(layer.get_weights()), tuple(build_inputs), structure)


class Runner:
    def __init__(self, sock: socket.socket | None, control: socket.socket | None) -> None:
        self._sock = sock
        self._control = control
        self._broken: str | None = None if sock is not None else _unavailable(messages.RUNNER_NOT_STARTED.format())

    # --- graphs --------------------------------------------------------------------------------

    def load_graph(self, artifact: GraphArtifact, what: str) -> Graph:
        """Have the runner examine a graph artifact; run it later only if no op was refused.

        The grader made the artifact, so a runner that cannot load it is the grader's failure
        (:class:`RunnerFault`, a check that broke), never the student's code raising.
        """
        arrays: list[np.ndarray] = []
        request = requests.LoadGraph(artifact.encode(arrays))
        try:
            info = self._request(request, arrays, what)
        except _ErrorAnswer as failure:
            raise RunnerFault(messages.RUNNER_LOAD_FAILED.format(what=what, error=failure.detail)) from None
        try:
            return Graph(
                what=what,
                ops=GraphOps(frozenset(info["ops"]), frozenset(info["nested_ops"]), tuple(info["refused"])),
                inputs=tuple(TensorInfo(_shape(i["shape"]), str(i["dtype"])) for i in info["inputs"]),
                outputs=int(info["outputs"]),
                handle=info["handle"],
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise self._fail(messages.RUNNER_UNCLEAR.format(what=what, error=exc)) from exc

    def run_graph(self, graph: Graph, *inputs: np.ndarray) -> list[np.ndarray]:
        arrays: list[np.ndarray] = []
        request = requests.RunGraph(_runnable(graph), [protocol.encode_plain(np.asarray(x), arrays) for x in inputs])
        return _arrays(self._request(request, arrays, graph.what))

    def speedup(self, graph: Graph, reference: Reference, inputs: Sequence[tuple[tuple[int, ...], str]], *,
                seed: int, calls: int, threshold: float, rtol: float, atol: float) -> Speed:
        """How many times faster ``graph`` runs than ``reference`` run eagerly, the student frozen."""
        arrays: list[np.ndarray] = []
        request = requests.Speedup(
            handle=_runnable(graph),
            reference={"layer": reference.layer, "build_inputs": [list(s) for s in reference.build_inputs],
                       "build_structure": reference.structure,
                       "weights": [protocol.encode_plain(w, arrays) for w in reference.weights]},
            structure=reference.structure, inputs=[{"shape": list(s), "dtype": d} for s, d in inputs],
            seed=seed, calls=calls, threshold=threshold, rtol=rtol, atol=atol,
        )
        with self._student_frozen() as how, budget.measuring(self._sock) as measurement:
            answer = self._request(request, arrays, graph.what)
        if measurement is not None:
            measurement.charge(_seconds(answer.get("graph_seconds")))
        try:
            return Speed(float(answer["median"]), tuple(float(r) for r in answer["ratios"]),
                         None if answer["mismatch"] is None else str(answer["mismatch"]), how)
        except (KeyError, TypeError, ValueError) as exc:
            raise self._fail(messages.RUNNER_BAD_TIMING.format(error=exc)) from exc

    # --- models --------------------------------------------------------------------------------

    def load_model(self, archive: bytes, what: str) -> Model:
        arrays: list[np.ndarray] = []
        request = requests.LoadModel(protocol.encode_plain(np.frombuffer(archive, np.uint8), arrays))
        info = self._request(request, arrays, what)
        if info.get("refused"):
            names = ", ".join(student_text(str(n), 100) for n in info["refused"][:5])
            raise CheckFailure(messages.RUNNER_NOT_BUILTIN.format(what=what, names=names))
        if not isinstance(info.get("handle"), int) or not isinstance(info.get("description"), dict):
            raise self._fail(messages.RUNNER_UNCLEAR.format(what=what, error="no model handle or description"))
        return Model(what, info["handle"], info["description"])

    def run_model(self, model: Model, inputs: np.ndarray | Sequence[np.ndarray]) -> list[np.ndarray]:
        arrays: list[np.ndarray] = []
        flat = list(inputs) if isinstance(inputs, list | tuple) else [inputs]
        request = requests.RunModel(model.handle, [protocol.encode_plain(np.asarray(x), arrays) for x in flat])
        return _arrays(self._request(request, arrays, model.what))

    def layer_weights(self, model: Model, layer: str) -> list[np.ndarray]:
        return _arrays(self._request(requests.LayerWeights(model.handle, layer), [], model.what))

    # --- plumbing ------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _student_frozen(self) -> Iterator[str]:
        if self._control is None:
            yield "not frozen (no grader control channel)"
            return
        frozen = _ask(self._control, requests.Freeze(), CONTROL_SECONDS)
        if not frozen.ok:
            # Timing next to a student's running processes would not be trustworthy: a grader problem.
            raise RuntimeError(f"the grader could not freeze the student's sandbox: {frozen.error}")
        try:
            yield str(frozen.value())
        finally:
            _ask(self._control, requests.Thaw(), CONTROL_SECONDS)

    def _request(self, request: requests.Request, arrays: list[np.ndarray], what: str) -> Any:
        if self._broken:
            raise RunnerUnavailable(self._broken)
        try:
            reply = _ask(self._sock, request, RUNNER_SECONDS, arrays)
            value = reply.value() if reply.ok else None
        except protocol.ProtocolError as exc:
            raise self._fail(messages.RUNNER_STOPPED.format(what=what, error=exc)) from exc
        if not reply.ok:
            error = student_text(reply.error, 400)
            raise _ErrorAnswer(messages.RUNNER_COULD_NOT_USE.format(what=what, error=error), error)
        return value

    def _fail(self, problem: str) -> RunnerUnavailable:
        self._broken = _unavailable(problem)
        return RunnerUnavailable(self._broken)


def _seconds(value: object) -> float:
    """The runner's figure of the student's own share of a measurement; no usable figure charges it all."""
    return float(value) if isinstance(value, int | float) and math.isfinite(value) and value >= 0 else math.inf


def _unavailable(problem: str) -> str:
    return messages.RUNNER_UNAVAILABLE.format(problem=problem)


def _ask(sock: socket.socket | None, request: requests.Request, seconds: float,
         arrays: list[np.ndarray] | None = None) -> envelope.Reply:
    """One request and its reply (which must echo the request's fresh id)."""
    if sock is None:
        raise protocol.ChannelClosed("no channel")
    return envelope.call(sock, request, seconds, max_bytes=MAX_REPLY_BYTES, arrays=arrays or [])


def _runnable(graph: Graph) -> int:
    if graph.handle is None:
        raise CheckFailure(messages.RUNNER_REFUSED_GRAPH.format(what=graph.what, ops=", ".join(graph.ops.refused)))
    return graph.handle


def _arrays(value: Any) -> list[np.ndarray]:
    if not isinstance(value, list) or not all(isinstance(v, protocol.ArrayValue) for v in value):
        raise CheckFailure(messages.RUNNER_NOT_TENSORS.format())
    return [v.array for v in value]


def _shape(value: Any) -> tuple[int | None, ...] | None:
    return None if value is None else tuple(None if d is None else int(d) for d in value)
