"""The checks' handle on the grader's clean room, and on the notebook's source it reads.

A check never asks the student's process how a function is written or for its graph: the process
could hand over any graph it likes. :class:`CleanRoom` reads the notebook's cells (the grader holds
them as bytes; the check process gets them as a read-only file), finds what a graded name needs
(:func:`autograder.core.source.definitions_for`) and has the clean room
(:mod:`autograder.runner_side.clean_room`) trace it where no other statement of the notebook ran.
"""

from __future__ import annotations

import functools
import json
import socket
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from autograder import messages
from autograder.check_side.student import CheckFailure, student_text
from autograder.core import source
from autograder.errors import TfgradeError
from autograder.wire import envelope, protocol, requests
from autograder.wire.graph_export import GraphArtifact

CLEAN_ROOM_SECONDS = 120.0
"""How long one trace may take (a first TensorFlow trace of an LSTM step takes a few seconds)."""
MAX_REPLY_BYTES = 256 * 1024 * 1024


class CleanRoomUnavailable(CheckFailure):
    """The clean room cannot answer any more (it ended, hung, or sent what the protocol refuses)."""


class CleanRoomFailed(TfgradeError):
    """The grader's own export failed in the clean room: a grader error, never the student's."""


class CleanRoom:
    def __init__(self, sock: socket.socket | None, cells_file: Path | None) -> None:
        self._sock = sock
        self._cells_file = cells_file
        self._broken: str | None = None if sock is not None else _unavailable("not started")

    @functools.cached_property
    def cells(self) -> tuple[source.ParsedCell, ...]:
        """The notebook's code cells as the grader holds them, parsed once."""
        if self._cells_file is None:
            return ()
        document = json.loads(self._cells_file.read_text(encoding="utf-8"))
        return source.parse_cells((int(c["cell"]), str(c["source"])) for c in document["cells"])

    def facts(self, name: str) -> source.FunctionFacts:
        """How ``name`` is written; :class:`CheckFailure` when the source cannot tell."""
        try:
            return source.function_facts(self.cells, name)
        except source.SourceRefused as refused:
            raise CheckFailure(str(refused)) from None

    def definitions(self, name: str) -> source.Definitions:
        try:
            return source.definitions_for(self.cells, name)
        except source.SourceRefused as refused:
            raise CheckFailure(str(refused)) from None

    def eager_switch(self) -> source.Location | None:
        return source.eager_switch(self.cells)

    def trace(self, definitions: source.Definitions, *, specs: list[Any] | None = None,
              args: list[Any] | None = None, weights: Mapping[str, Sequence[np.ndarray]] | None = None
              ) -> GraphArtifact:
        """The graph of ``definitions.name`` traced in the clean room for ``specs`` (or these arguments).

        A spec is ``(shape, dtype)``; a list of specs stands for a list argument. ``weights`` maps a
        global of the definitions (``lstm_cell``) to the weights the student's object holds.
        """
        arrays: list[np.ndarray] = []
        request = requests.Trace(
            source=definitions.source, name=definitions.name,
            specs=None if specs is None else [_spec_json(s) for s in specs],
            args=None if specs is not None else protocol.encode_plain(list(args or []), arrays),
            weights=protocol.encode_plain({k: list(v) for k, v in (weights or {}).items()}, arrays),
        )
        reply = self._ask(request, arrays, definitions.name)
        if not reply.ok:
            raise _refusal(definitions.name, reply.kind, reply.error)
        try:
            return GraphArtifact.decode(reply.result, list(reply.arrays))
        except (ValueError, protocol.ProtocolError) as exc:
            raise self._fail(f"an unreadable graph ({exc})") from exc

    def _ask(self, request: requests.Trace, arrays: list[np.ndarray], name: str) -> envelope.Reply:
        if self._broken or self._sock is None:
            raise CleanRoomUnavailable(self._broken or _unavailable("not started"))
        try:
            return envelope.call(self._sock, request, CLEAN_ROOM_SECONDS, max_bytes=MAX_REPLY_BYTES, arrays=arrays)
        except (OSError, protocol.ProtocolError) as exc:
            raise self._fail(f"{type(exc).__name__} while tracing {name}: {exc}") from exc

    def _fail(self, problem: str) -> CleanRoomUnavailable:
        self._broken = _unavailable(problem)
        return CleanRoomUnavailable(self._broken)


def _unavailable(problem: str) -> str:
    return messages.CLEAN_ROOM_UNAVAILABLE.format(problem=student_text(problem, 300))


def _refusal(name: str, kind: str, error: str) -> Exception:
    shown = student_text(error, 400)
    if kind == "raised":
        return CheckFailure(messages.CLEAN_ROOM_RAISED.format(name=name, error=shown))
    if kind == "not_tf_function":
        return CheckFailure(messages.CLEAN_ROOM_NOT_TF_FUNCTION.format(name=name, kind=shown))
    if kind == "weights":
        holder, _, detail = error.partition(": ")
        return CheckFailure(messages.CLEAN_ROOM_WEIGHTS.format(holder=student_text(holder, 60),
                                                               error=student_text(detail, 300)))
    return CleanRoomFailed(messages.CLEAN_ROOM_GRADER_FAILED.format(name=name, error=shown))


def _spec_json(spec: Any) -> Any:
    if isinstance(spec, list):
        return [_spec_json(s) for s in spec]
    shape, dtype = spec
    return {"shape": None if shape is None else list(shape), "dtype": str(dtype)}


_CURRENT: list[CleanRoom] = []
"""The check process's clean room, set once at its start (:func:`use`), where ``expect_tf_function`` traces."""


def use(clean_room: CleanRoom) -> None:
    """The check process sets it before any check runs."""
    _CURRENT[:] = [clean_room]


def current() -> CleanRoom:
    if not _CURRENT:
        raise CleanRoomUnavailable(_unavailable("not started"))
    return _CURRENT[0]
