"""The checks' overall time budget (``checks_seconds``), kept inside the trusted check process.

Each request to the student's process has its own deadline (``request_seconds``), but a notebook
whose every answer took just under it kept the checks running for many minutes, until the grader
gave up on the whole submission. So the checks also share one budget, counted from the end of
the notebook's run: no request waits past it, and once it is spent every remaining check fails
at once with :func:`Budget.message` (see ``check_process.GradingPlugin``).
"""

from __future__ import annotations

import socket
import time
from typing import Any

from autograder import messages
from autograder.errors import TfgradeError


class Budget:
    """The checks' wall time (``checks_seconds``), counted from the end of the notebook's run."""

    def __init__(self, seconds: float, request_seconds: float) -> None:
        self.seconds, self.request_seconds = seconds, request_seconds
        self._deadline: float | None = None

    def start(self) -> None:
        if self._deadline is None:
            self._deadline = time.monotonic() + self.seconds

    def remaining(self) -> float | None:
        """Seconds left, or None before the checks have started."""
        return None if self._deadline is None else self._deadline - time.monotonic()

    @property
    def spent(self) -> bool:
        left = self.remaining()
        return left is not None and left <= 0

    def message(self, *, ran: bool) -> str:
        lead = messages.CHECK_STOPPED if ran else messages.CHECK_NOT_RUN
        return messages.CHECKS_OUT_OF_TIME.format(lead=lead.format(), budget=self.seconds, request=self.request_seconds)


class ChecksOutOfTime(TfgradeError):
    """Raised instead of running a check once the budget is spent."""


class BudgetedSocket(socket.socket):
    """The channel to the student's process, on which no wait outlasts the checks' budget.

    ``protocol`` sets a timeout before every receive (what is left of the request's deadline);
    this lowers it to what is left of the budget, so every request's deadline is within it.
    """

    budget: Budget | None = None

    def settimeout(self, value: float | None) -> None:
        left = self.budget.remaining() if self.budget is not None else None
        if left is not None:
            left = max(left, 0.001)  # 0 would make the socket non-blocking: an error, not a timeout
            value = left if value is None else min(value, left)
        super().settimeout(value)

    def sendall(self, data: Any, flags: int = 0) -> None:
        self.settimeout(None)  # a student that stops reading holds a large request up to the budget, no longer
        super().sendall(data, flags)
