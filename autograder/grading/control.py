"""The grader's side of the check process's control channel, served in a thread of the grader.

The check process asks (:mod:`autograder.wire.requests`, the control part): ``freeze``/``thaw`` the
student's sandbox while the runner times a graph; ``usage``, a job's clock read from the kernel (the
check process's limits count it, see ``check_side/budget.py``); ``costs``, what the grading cost
(kept for ``validate``); and ``memo_get``/``memo_put``, results the batch's check processes share
(``check_side/memo.py``). A student still frozen when the checks end is simply stopped: ``stop`` ends
a frozen job too.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import Any

import numpy as np

from autograder.check_side import memo
from autograder.core.costs import Costs
from autograder.sandbox import launcher as sandbox
from autograder.wire import envelope, protocol, requests


class FreezeControl:
    """Serves the check process's control requests until the channel closes (see the module)."""

    def __init__(
        self, sock: socket.socket, student: sandbox.Running, others: dict[str, sandbox.Running],
        shared: memo.Store | None = None,
    ) -> None:
        self._sock, self._student = sock, student
        self._memo = shared if shared is not None else memo.Store()
        self._jobs = {"student": student, **others}
        self.costs: Costs | None = None
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> FreezeControl:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._thread.join(10.0)

    def _serve(self) -> None:
        handlers: dict[type[requests.Request], envelope.Handler] = {
            requests.Freeze: lambda _request, _arrays: self._student.freeze(),
            requests.Thaw: lambda _request, _arrays: self._student.thaw(),
            requests.JobUsage: self._usage,
            requests.ReportCosts: self._costs,
            **self._memo.handlers(),
        }
        server = envelope.Server(handlers, catch=(OSError, ValueError, sandbox.SandboxError))
        envelope.serve(self._sock, server, max_bytes=memo.MAX_REQUEST_BYTES, ends=(protocol.ProtocolError, OSError))

    def _usage(self, request: requests.JobUsage, _arrays: list[np.ndarray]) -> dict[str, Any]:
        """One job's clock, and its waiting figure only if asked: reading it costs a file per thread."""
        job = self._jobs.get(request.job)
        if job is None:
            raise envelope.Refused(f"no job {request.job[:40]!r}")
        return job.usage(waiting=request.waiting).as_json()

    def _costs(self, request: requests.ReportCosts, _arrays: list[np.ndarray]) -> None:
        self.costs = Costs.from_mapping(request.costs)
