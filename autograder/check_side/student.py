"""The checks' handle on a student's notebook: the trusted end of the data-only channel.

Checks receive a :class:`Student` (the ``student`` pytest fixture). Every answer is data (see
:mod:`autograder.wire.protocol`), every request has a deadline, and once the student's process dies,
hangs or misbehaves, every later request fails at once with the same clear message (all of them
in :mod:`autograder.messages`).
"""

from __future__ import annotations

import select
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograder import messages
from autograder.core.results import CellError, ExecutionSummary
from autograder.errors import TfgradeError
from autograder.text import safe_text
from autograder.wire import envelope, protocol, requests


class CheckFailure(TfgradeError, AssertionError):
    """A check failed; the message is for the student and says what to do next."""


class StudentUnavailable(CheckFailure):
    """The student's process cannot answer any more (ended, hung, or sent garbage)."""


def student_text(text: str, limit: int = 500) -> str:
    """Student-controlled text made safe to show: no control characters, bounded length."""
    return safe_text(str(text), limit, one_line=False)


@dataclass(frozen=True)
class NameInfo:
    """What the student's process says a name is: used for wording messages, never for a pass."""

    name: str
    defined: bool
    type_name: str = ""
    callable: bool = False
    is_python_function: bool = False


class Student:
    def __init__(
        self,
        sock: socket.socket,
        *,
        notebook_deadline: float,
        request_seconds: float,
        reply_bytes: int,
        cells: Sequence[int] | None = None,
        wall_factor: float = 1.0,
        notebook_seconds: float | None = None,
    ) -> None:
        """``cells``: the notebook's code cell numbers, in order; events must follow them.

        ``wall_factor``: a request's wall-clock deadline is this many times ``request_seconds``; more
        than 1 where the channel itself ends waits on the job's clock (``budget.BudgetedSocket``).
        """
        self._wall_seconds = request_seconds * wall_factor
        self._sock = sock
        self._cells = tuple(cells) if cells is not None else None
        self._notebook_deadline = notebook_deadline
        self._notebook_seconds = notebook_seconds
        """The notebook's limit, which a timeout's message names (None: not known here)."""
        self._request_seconds = request_seconds
        self._reply_bytes = reply_bytes
        self._summary: ExecutionSummary | None = None
        self._broken: str | None = None

    # --- the notebook run ----------------------------------------------------------------

    def wait_until_executed(self) -> ExecutionSummary:
        """Follow the notebook's run until every cell has executed (or it failed to)."""
        if self._summary is None:
            self._summary = _follow_execution(self._sock, self._notebook_deadline, self._cells,
                                              self._notebook_seconds)
            if self._summary.status != "completed":
                self._broken = self._summary.message
        return self._summary

    # --- requests ------------------------------------------------------------------------

    def describe(self, name: str) -> NameInfo:
        info = self._request(requests.Describe(name))
        if not isinstance(info, dict) or not info.get("defined"):
            return NameInfo(name=name, defined=False)
        return NameInfo(
            name=name,
            defined=True,
            type_name=student_text(str(info.get("type", "")), 200),
            callable=info.get("callable") is True,
            is_python_function=info.get("is_python_function") is True,
        )

    def get(self, name: str) -> Any:
        return self._request(requests.Get(name), name=name)

    def call(self, name: str, /, *args: Any, store_as: str | None = None, **kwargs: Any) -> Any:
        """Call the student's ``name(*args, **kwargs)``; NumPy arrays arrive as tf tensors.

        ``name`` may be dotted (``"layer.get_config"``, ``"MyDense.from_config"``). With
        ``store_as``, the result stays in the student's process under that name (for later
        requests) and the answer only describes it: use this for layers and models.
        """
        arrays: list[np.ndarray] = []
        request = requests.Call(name, protocol.encode_plain(list(args), arrays),
                                protocol.encode_plain(dict(kwargs), arrays), store_as)
        return self._request(request, arrays, name=name)

    def save_and_reload(self, name: str, store_as: str, *, custom_objects: bool = False) -> bytes:
        """Save model ``name`` as .keras and load it back as ``store_as``; return the file's bytes.

        The bytes are for inspecting (it is a zip of config.json and weights): never load them
        here, since loading runs the student's classes.
        """
        data = self._request(requests.SaveAndReload(name, store_as, custom_objects), name=name)
        if not isinstance(data, protocol.ArrayValue) or data.dtype != np.uint8:
            raise self._fail(messages.STUDENT_BAD_MODEL.format())
        return data.array.tobytes()

    def export_model(self, name: str) -> bytes:
        """The Keras model ``name`` (e.g. kept with ``store_as``) saved as a ``.keras`` archive."""
        data = self._request(requests.ExportModel(name), name=name, action=messages.ACTION_SAVING)
        if not isinstance(data, protocol.ArrayValue) or data.dtype != np.uint8:
            raise self._fail(messages.STUDENT_BAD_MODEL.format())
        return data.array.tobytes()

    def weights(self, name: str) -> list[np.ndarray]:
        values = self._request(requests.Weights(name), name=name)
        if not isinstance(values, list) or not all(isinstance(v, protocol.ArrayValue) for v in values):
            raise self._fail(messages.STUDENT_BAD_WEIGHTS.format())
        return [v.array for v in values]

    def config(self, name: str) -> dict[str, Any]:
        config = self._request(requests.Config(name), name=name)
        if not isinstance(config, dict):
            raise CheckFailure(messages.GET_CONFIG_NOT_DICT.format(name=name))
        return config

    def read_file(self, path: str) -> bytes:
        """A file the notebook wrote in its working folder (relative path), as bytes."""
        data = self._request(requests.ReadFile(path), name=path)
        if not isinstance(data, protocol.ArrayValue) or data.dtype != np.uint8:
            raise self._fail(messages.STUDENT_BAD_FILE.format())
        return data.array.tobytes()

    # --- plumbing -------------------------------------------------------------------------

    def _request(
        self, request: requests.Request, arrays: list[np.ndarray] | None = None, *, name: str = "",
        action: messages.Message | None = None,
    ) -> Any:
        self.wait_until_executed()
        if self._broken:
            raise StudentUnavailable(self._broken)
        what = f"`{name}`" if name else messages.A_REQUEST.format()
        try:
            if _has_unasked_data(self._sock):
                raise protocol.ProtocolError("an answer before its question")
            reply = envelope.call(self._sock, request, self._wall_seconds, max_bytes=self._reply_bytes,
                                  arrays=arrays or [])
            result = reply.value() if reply.ok else None
        except protocol.ChannelTimeout as exc:  # also a request the student never reads
            raise self._fail(messages.STUDENT_NO_ANSWER.format(seconds=self._request_seconds, what=what)) from exc
        except protocol.ChannelClosed as exc:
            raise self._fail(messages.STUDENT_STOPPED.format(what=what)) from exc
        except protocol.ProtocolError as exc:
            raise self._fail(messages.STUDENT_BAD_ANSWER.format(error=exc)) from exc
        if not reply.ok:
            action = action or _ACTIONS.get(request.op, messages.ACTION_USING)
            raise _student_error(action.format(), name, reply.error)
        return result

    def _fail(self, problem: str) -> StudentUnavailable:
        self._broken = messages.STUDENT_UNAVAILABLE.format(problem=problem)
        return StudentUnavailable(self._broken)


_ACTIONS = {requests.Call.op: messages.ACTION_CALLING}


def _has_unasked_data(sock: socket.socket) -> bool:
    """Whether the student's side has sent something nobody asked for yet (a pre-sent answer)."""
    readable, _, _ = select.select([sock], [], [], 0)
    return bool(readable)


def _student_error(action: str, name: str, error: str) -> CheckFailure:
    # Keras puts the cause at the end of long messages: keep the start and the end.
    error = student_text(error if len(error) <= 600 else f"{error[:300]} … {error[-300:]}", 620)
    if error.startswith("NameError") and f"{name} is not defined" in error:
        return CheckFailure(messages.NOT_DEFINED.format(name=name))
    return CheckFailure(messages.STUDENT_RAISED.format(action=action, name=name, error=error))


class _CellOrder:
    """The events of a notebook run must follow its cells: each starts once, in order, then ends.

    Anything else (forged, repeated or endless events) is a protocol violation, so a student's
    process cannot flood the report with fake cell errors.
    """

    def __init__(self, cells: tuple[int, ...] | None) -> None:
        self.cells, self.next = cells, 0
        self.running: int | None = None
        self.errors: list[CellError] = []

    def start(self, cell: object) -> None:
        expected = self.cells[self.next] if self.cells and self.next < len(self.cells) else None
        if type(cell) is not int or self.running is not None or (self.cells is not None and cell != expected):
            raise protocol.ProtocolError("cell started out of order")
        self.running, self.next = cell, self.next + 1

    def end(self, cell: object, error: object) -> None:
        running = self.running
        if running is None or cell != running or len(self.errors) >= MAX_CELL_ERRORS:
            raise protocol.ProtocolError("cell ended out of order")
        self.running = None
        if error:
            self.errors.append(CellError(running, student_text(str(error), 500)))

    def finished(self) -> bool:
        return self.running is None and (self.cells is None or self.next == len(self.cells))


MAX_CELL_ERRORS = 1000


def _follow_execution(
    sock: socket.socket, deadline: float, cells: tuple[int, ...] | None, limit: float | None = None
) -> ExecutionSummary:
    order = _CellOrder(cells)
    errors, running = order.errors, None
    try:
        while True:
            event, _ = protocol.recv_message(sock, max_bytes=1 << 20, deadline=deadline)
            kind = event.get("event")
            if kind == "ready" and order.finished():
                return ExecutionSummary("completed", _completed_message(errors), tuple(errors))
            if kind == "cell_start":
                order.start(event.get("cell"))
            elif kind == "cell_end":
                order.end(event.get("cell"), event.get("error"))
            else:
                raise protocol.ProtocolError("unexpected event")
            running = order.running
    except protocol.ChannelTimeout:
        where = messages.TIMEOUT_IN_CELL.format(cell=running) if running else ""
        said = messages.NOTEBOOK_LIMIT.format(seconds=limit) if limit else ""
        return ExecutionSummary("timeout", messages.NOTEBOOK_TIMEOUT.format(where=where, limit=said), tuple(errors))
    except protocol.ChannelClosed:
        where = messages.ENDED_IN_CELL.format(cell=running) if running else ""
        return ExecutionSummary("died", messages.NOTEBOOK_ENDED.format(where=where), tuple(errors))
    except protocol.ProtocolError:
        return ExecutionSummary("died", messages.NOTEBOOK_PROTOCOL.format(), tuple(errors))


def _completed_message(errors: list[CellError]) -> str:
    if not errors:
        return messages.RAN_CLEANLY.format()
    cells = ", ".join(str(e.cell) for e in errors)
    return messages.RAN_WITH_ERRORS.format(count=len(errors), cells=cells)
