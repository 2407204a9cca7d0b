"""The check process's limits on the jobs it waits for, counted on their job clocks, not the wall.

A notebook whose every answer took just under the request deadline kept the checks running for
many minutes, and on a loaded machine an honest notebook lost points to wall-clock limits. So
every wait of the check process on the student's process or the runner counts that job's own
time (:class:`autograder.clock.Usage`: its CPU time, or its wall time less the time it
waited for a CPU, whichever is larger), which the grader reads from the kernel and serves on the
control channel (:class:`JobClock`):

- the notebook's run: the student's CPU time up to ``notebook_seconds``, with a backstop of
  :data:`BACKSTOP` times that in unhindered time (a notebook that sleeps);
- each request: the answering job's time up to ``request_seconds`` (the runner's: ``runner_seconds``);
- all the checks together (:class:`Budget`, ``checks_seconds``): the time the student's process and
  the runner spent answering, summed over requests. The check process's own work is the grader's
  and is not charged. Once the budget is spent every remaining check fails at once with
  :func:`Budget.message` (see ``check_process.GradingPlugin``).

Without a control channel (tests, tools) the same limits count wall time.
"""

from __future__ import annotations

import contextlib
import dataclasses
import select
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from autograder import messages
from autograder.clock import Usage
from autograder.errors import TfgradeError
from autograder.wire import envelope, protocol, requests

BACKSTOP = 3.0
"""A CPU-time limit's backstop in unhindered time, as a multiple of it: catches a job that sleeps."""
WALL_LAST_RESORT = 10.0
"""Where the job clock runs, wall-clock deadlines are this many times the limits: a last resort only
(they hold if the grader's clock stops answering), never reached by a job the load merely slows."""
CLOCK_SLICE = 0.25
"""How often a wait asks the job clock whether its limit has passed."""
CONTROL_SECONDS = 30.0


class JobClock:
    """The grader's clocks of this grading's jobs (``student``, ``runner``, ``checks``), asked over the
    control channel. Requests on it are answered at once, in order, by the grader's control thread."""

    def __init__(self, control: socket.socket) -> None:
        self._control = control

    def usage(self, job: str, *, waiting: bool = True) -> Usage:
        """``job``'s clock (only that job's is read). Without ``waiting`` the grader does not read that
        figure (it is 0): a cheaper reading, for a limit that its upper bound can settle."""
        reply = self._ask(requests.JobUsage(job, waiting))
        try:
            return Usage.from_json(reply)
        except (KeyError, TypeError, ValueError) as exc:
            raise ClockError(f"the grader's clock answered {str(reply)[:200]}") from exc

    def report(self, costs: dict[str, float]) -> None:
        """Tell the grader what this grading cost (``tfgrade validate`` records it for the solution)."""
        self._ask(requests.ReportCosts(costs))

    def _ask(self, request: requests.Request) -> Any:
        """The grader's decoded answer."""
        try:
            reply = envelope.call(self._control, request, CONTROL_SECONDS, max_bytes=65536)
            value = reply.value() if reply.ok else None
        except (OSError, protocol.ProtocolError) as exc:
            raise ClockError(f"the grader's clock did not answer: {exc}") from exc
        if not reply.ok:
            raise ClockError(f"the grader's clock answered {reply.error[:200]}")
        return value


class ClockError(TfgradeError):
    """The grader did not answer for the jobs' clocks: the grader's problem, never the student's."""


class Budget:
    """The checks' budget (``checks_seconds``): the student's and the runner's time answering requests.

    Without a clock it is wall time from the end of the notebook's run, as before.
    """

    def __init__(self, seconds: float, request_seconds: float, clock: JobClock | None = None) -> None:
        self.seconds, self.request_seconds, self.clock = seconds, request_seconds, clock
        self.used = 0.0
        """Job-clock seconds charged so far by the requests of the checks."""
        self.notebook: Usage | None = None
        """The student's clock when the notebook had run (for :meth:`costs`)."""
        self.slowest: dict[str, float] = {}
        """The longest request so far, per job, in job-clock seconds."""
        self._deadline: float | None = None

    def start(self) -> None:
        if self._deadline is not None:
            return
        self._deadline = time.monotonic() + self.seconds
        if self.clock is not None:
            self.notebook = self.clock.usage("student")

    @property
    def started(self) -> bool:
        return self._deadline is not None

    def charge(self, job: str, seconds: float) -> None:
        """A request to ``job`` took ``seconds`` of its time."""
        self.slowest[job] = max(self.slowest.get(job, 0.0), seconds)
        if self.started:
            self.used += seconds

    def remaining(self) -> float | None:
        """Seconds left, or None before the checks have started."""
        if self._deadline is None:
            return None
        if self.clock is not None:
            return self.seconds - self.used
        return self._deadline - time.monotonic()

    @property
    def spent(self) -> bool:
        left = self.remaining()
        return left is not None and left <= 0

    def costs(self) -> dict[str, float]:
        """What this grading cost, in job-clock seconds (see :mod:`autograder.core.costs`)."""
        return {"notebook_cpu_seconds": self.notebook.cpu_seconds if self.notebook else 0.0,
                "slowest_request_seconds": self.slowest.get("student", 0.0),
                "checks_seconds": self.used,
                "slowest_runner_seconds": self.slowest.get("runner", 0.0)}

    def message(self, *, ran: bool) -> str:
        lead = messages.CHECK_STOPPED if ran else messages.CHECK_NOT_RUN
        return messages.CHECKS_OUT_OF_TIME.format(lead=lead.format(), budget=self.seconds, request=self.request_seconds)


class ChecksOutOfTime(TfgradeError):
    """Raised instead of running a check once the budget is spent."""


@dataclass(frozen=True)
class Waits:
    """What one channel's waits count: whose clock, and the limits on it."""

    job: str
    request_seconds: float
    """Each request's limit, in the job's time."""
    notebook_seconds: float | None = None
    """The notebook run's limit in the job's CPU time (before the first request); None: none here."""

    def expired(self, usage: Usage, since_request: Usage | None) -> bool:
        if since_request is not None:
            return since_request.seconds >= self.request_seconds
        if self.notebook_seconds is None:
            return False
        limit = self.notebook_seconds
        return usage.cpu_seconds >= limit or usage.unhindered_seconds >= BACKSTOP * limit


class BudgetedSocket(socket.socket):
    """The channel to the student's process (or the runner), whose waits count the job's clock.

    ``protocol`` sets a wall timeout before every receive (what is left of the request's
    deadline); where there is a clock (``waits``), :meth:`recv` waits in slices and ends the wait
    once the job's own time passes its limit or the budget's, whatever the wall says. Without one,
    the timeout is lowered to what is left of the budget, so every wait is within it.

    The clock is read when a request is sent and when its answer begins to arrive (one reading
    both judges and charges it), and once a slice while the wait goes on. A slice's look first
    reads the clock without its waiting figure, as if the job had not waited since the mark: that
    can only overstate the job's time, so when even it is within every limit, the job is; only
    otherwise is the full clock read to decide (and charge). Reading what a job waited means a
    file per thread where no cgroup counts it (dozens, for TensorFlow).
    """

    budget: Budget | None = None
    clock: JobClock | None = None
    waits: Waits | None = None
    _sent: Usage | None = None
    """The job's clock when the last request was sent (None: no request yet, the notebook's run)."""
    _charged = 0.0
    _measuring = False
    """A grader's measurement is in flight (:meth:`measuring`): the budget neither ends it nor is charged by it."""
    """What the last request has been charged so far."""
    _answering = False
    """A request was sent and no byte of its answer has been read yet."""
    _wall: float | None = None
    _looked = 0.0
    """When the clock was last asked: also while data flows, so a trickle of bytes cannot outlast a limit."""

    def settimeout(self, value: float | None) -> None:
        self._wall = value
        left = self.budget.remaining() if self.budget is not None and self.clock is None else None
        if left is not None:
            left = max(left, 0.001)  # 0 would make the socket non-blocking: an error, not a timeout
            value = left if value is None else min(value, left)
        super().settimeout(value)

    def sendall(self, data: Any, flags: int = 0) -> None:
        if self.clock is not None and self.waits is not None:
            self._sent, self._charged, self._answering = self.clock.usage(self.waits.job), 0.0, True
        self.settimeout(None)  # a student that stops reading holds a large request up to the budget, no longer
        super().sendall(data, flags)

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        if self.clock is None or self.waits is None:
            return super().recv(bufsize, flags)
        end = None if self._wall is None else time.monotonic() + self._wall
        while not select.select([self], [], [], _slice(end))[0]:
            if self._expired():
                raise TimeoutError("the job's time is up")
            if end is not None and time.monotonic() >= end:
                raise TimeoutError("the wall-clock deadline has passed")
        if self._answering:  # the answer has begun to arrive: one reading judges (if due) and charges it
            self._answering = False
            reading = self.clock.usage(self.waits.job)
            if self._due() and self._expired(reading):
                raise TimeoutError("the job's time is up")
            self._charge(reading)
        elif self._due() and self._expired():
            raise TimeoutError("the job's time is up")  # it kept sending, a little at a time
        return super().recv(bufsize, flags)

    def _due(self) -> bool:
        return time.monotonic() - self._looked >= CLOCK_SLICE

    def _expired(self, reading: Usage | None = None) -> bool:
        """Whether the job's time (or the budget) is up, by ``reading`` or a fresh one; charges the
        request what it took if so."""
        assert self.clock is not None and self.waits is not None
        self._looked = time.monotonic()
        if reading is None:
            if not self._over(self._upper_bound(self.clock.usage(self.waits.job, waiting=False))):
                return False
            reading = self.clock.usage(self.waits.job)
        if self._over(reading):
            self._charge(reading)
            return True
        return False

    def _upper_bound(self, reading: Usage) -> Usage:
        """A reading without its waiting figure, as if the job had not waited since the request was
        sent (or, in the notebook's run, at all): its seconds are never below the full reading's."""
        floor = self._sent.waiting_seconds if self._sent is not None else 0.0
        return dataclasses.replace(reading, waiting_seconds=floor)

    def _over(self, usage: Usage) -> bool:
        """Whether ``usage`` passes the wait's limit or the budget (both only grow with its seconds)."""
        assert self.waits is not None
        since = usage.since(self._sent) if self._sent is not None else None
        budget = self.budget
        over_budget = (not self._measuring and since is not None and budget is not None and budget.started
                       and budget.used - self._charged + since.seconds >= budget.seconds)
        return self.waits.expired(usage, since) or over_budget

    def _charge(self, usage: Usage) -> None:
        """Charge the request in flight what it has taken so far (less what it was charged already)."""
        if self._sent is None or self.waits is None:
            return
        taken = usage.since(self._sent).seconds
        if self.budget is not None:
            self.budget.charge(self.waits.job, 0.0 if self._measuring else taken - self._charged)
            self.budget.slowest[self.waits.job] = max(self.budget.slowest[self.waits.job], taken)
        self._charged = taken

    @contextlib.contextmanager
    def measuring(self) -> Iterator[Measurement]:
        """A request whose time is mostly the grader's own measuring (a speed-up's timed rounds: the trusted
        eager reference, and as many rounds as a busy machine makes the verdict need). Only its own limit
        (``waits``) ends it, and the budget is charged afterwards only what the answer says the student's code
        ran (:meth:`Measurement.charge`), never more than the request took. Charged in full, a loaded
        machine's extra rounds spent an honest notebook's budget and failed the checks after it."""
        self._measuring = True
        measurement = Measurement(self)
        try:
            yield measurement
        finally:
            self._measuring = False

    def charge_measured(self, seconds: float) -> None:
        """Charge the budget ``seconds`` of the last request, at most what that request took."""
        if self.budget is not None and self.waits is not None:
            self.budget.charge(self.waits.job, min(max(seconds, 0.0), self._charged))


class Measurement:
    """What a request under :meth:`BudgetedSocket.measuring` charges, once its answer says (any socket)."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def charge(self, student_seconds: float) -> None:
        if isinstance(self._sock, BudgetedSocket):
            self._sock.charge_measured(student_seconds)


@contextlib.contextmanager
def measuring(sock: socket.socket | None) -> Iterator[Measurement | None]:
    """:meth:`BudgetedSocket.measuring` where ``sock`` is one; otherwise a measurement that charges nothing."""
    if isinstance(sock, BudgetedSocket):
        with sock.measuring() as measurement:
            yield measurement
    else:
        yield None if sock is None else Measurement(sock)


def _slice(end: float | None) -> float:
    return CLOCK_SLICE if end is None else max(0.0, min(CLOCK_SLICE, end - time.monotonic()))
