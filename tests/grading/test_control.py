"""The grader's control channel (grading/execution.py): the jobs' clocks and the grading's costs, over a socket."""

from __future__ import annotations

import socket
import subprocess

import pytest

from autograder.check_side.budget import ClockError, JobClock
from autograder.clock import Usage
from autograder.core.costs import Costs
from autograder.grading import execution
from autograder.wire import protocol


class FakeJob:
    def __init__(self, usage: Usage) -> None:
        self._usage = usage
        self.read: list[bool] = []
        """Each reading: whether the waiting figure was asked for."""

    def usage(self, *, waiting: bool = True) -> Usage:
        self.read.append(waiting)
        return self._usage if waiting else Usage(self._usage.cpu_seconds, 0.0, self._usage.wall_seconds)

    def freeze(self) -> str:
        return "frozen by a fake"

    def thaw(self) -> None:
        pass


def test_the_check_process_reads_every_jobs_clock_and_reports_the_costs() -> None:
    ours, theirs = socket.socketpair()
    student, runner = FakeJob(Usage(1.5, 2.0, 9.0)), FakeJob(Usage(0.5, 0.0, 9.0))
    control = execution._FreezeControl(ours, student, {"runner": runner, "checks": FakeJob(Usage())})  # type: ignore[arg-type]
    with ours, theirs, control:
        clock = JobClock(theirs)
        assert clock.usage("student") == Usage(1.5, 2.0, 9.0)
        assert clock.usage("runner").seconds == pytest.approx(9.0)
        with pytest.raises(ClockError):
            clock.usage("nobody")
        clock.report({"notebook_cpu_seconds": 1, "slowest_request_seconds": 0.1, "checks_seconds": 2,
                      "slowest_runner_seconds": 1})
        with pytest.raises(ClockError):
            clock.report({"checks_seconds": "a lot"})

    assert control.costs == Costs(1, 0.1, 2, 1)
    assert runner.read == [True]  # only the job asked for is read


def test_a_reading_without_the_waiting_figure_leaves_it_unread() -> None:
    ours, theirs = socket.socketpair()
    student = FakeJob(Usage(1.5, 2.0, 9.0))
    with ours, theirs, execution._FreezeControl(ours, student, {}):  # type: ignore[arg-type]
        assert JobClock(theirs).usage("student", waiting=False) == Usage(1.5, 0.0, 9.0)

    assert student.read == [False]


def test_a_clock_that_does_not_answer_is_the_graders_problem() -> None:
    ours, theirs = socket.socketpair()
    ours.close()
    with theirs, pytest.raises(ClockError):
        JobClock(theirs).usage("student")
    assert issubclass(ClockError, protocol.ProtocolError) is False  # never taken for a student's broken channel


class EndsAfter:
    """A process that is still running for the first ``waits`` waits (a fake returns at once)."""

    def __init__(self, waits: int) -> None:
        self.waits = waits

    def wait(self, timeout: float | None = None) -> int:
        self.waits -= 1
        if self.waits >= 0:
            raise subprocess.TimeoutExpired("checks", timeout or 0.0)
        return 0


def test_the_graders_guard_reads_the_waiting_figures_only_when_the_wall_alone_would_end_the_checks() -> None:
    loaded = FakeJob(Usage(cpu_seconds=1.0, waiting_seconds=50.0, wall_seconds=60.0))  # 10 s of its own time

    spent = execution._wait(EndsAfter(2), 30.0, (loaded,))  # type: ignore[arg-type]

    assert spent == Usage(1.0, 50.0, 60.0)
    assert loaded.read == [False, True, False, True, True]  # each look: the cheap bound (60 s), then in full

    quiet = FakeJob(Usage(cpu_seconds=1.0, waiting_seconds=0.0, wall_seconds=20.0))
    execution._wait(EndsAfter(3), 30.0, (quiet,))  # type: ignore[arg-type]
    assert quiet.read == [False, False, False, True]  # below the guard even read high: never in full

    with pytest.raises(execution.GraderError):
        execution._wait(EndsAfter(1), 5.0, (loaded,))  # type: ignore[arg-type]
