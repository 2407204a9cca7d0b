"""The check process's waits count the jobs' clocks (check_side/budget.py), not the wall: pure tests, fake clocks."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from autograder.check_side import runner as runner_handle
from autograder.check_side.budget import BACKSTOP, Budget, BudgetedSocket, Waits, measuring
from autograder.clock import Usage
from autograder.wire import protocol


class FakeClock:
    """A job whose clock runs at ``cpu_rate`` CPU seconds and ``waiting_rate`` waiting seconds per wall second."""

    def __init__(self, cpu_rate: float = 0.0, waiting_rate: float = 0.0) -> None:
        self.cpu_rate, self.waiting_rate = cpu_rate, waiting_rate
        self.start = time.monotonic()
        self.asked = 0
        self.full = 0
        """Readings with the waiting figure (the others leave it out, as the grader does: 0)."""

    def usage(self, job: str, *, waiting: bool = True) -> Usage:
        self.asked += 1
        self.full += waiting
        wall = time.monotonic() - self.start
        return Usage(wall * self.cpu_rate, wall * self.waiting_rate if waiting else 0.0, wall)


@contextmanager
def channel(
    waits: Waits, fake: FakeClock, budget: Budget | None = None
) -> Iterator[tuple[BudgetedSocket, socket.socket]]:
    ours, theirs = socket.socketpair()
    with theirs, BudgetedSocket(fileno=ours.detach()) as sock:
        sock.clock, sock.waits, sock.budget = fake, waits, budget  # type: ignore[assignment]
        yield sock, theirs


def answer_after(sock: socket.socket, seconds: float) -> threading.Thread:
    thread = threading.Thread(target=lambda: (time.sleep(seconds), protocol.send_message(sock, {"ok": True})))
    thread.start()
    return thread


def wait_for_event(sock: socket.socket) -> float:
    started = time.monotonic()
    protocol.recv_message(sock, max_bytes=1 << 20, deadline=time.monotonic() + 60)
    return time.monotonic() - started


def test_a_notebook_run_ends_when_its_cpu_time_is_up_whatever_the_wall_deadline() -> None:
    with channel(Waits("student", 30, notebook_seconds=0.5), FakeClock(cpu_rate=1.0)) as (sock, _):
        with pytest.raises(protocol.ChannelTimeout):
            wait_for_event(sock)


@pytest.mark.slow  # over 0.7 s: make test-fast stays under a minute
def test_load_does_not_count_against_the_notebook_run() -> None:
    """Wall time four times the limit passes, all of it spent waiting for a CPU: the answer still counts."""
    with channel(Waits("student", 30, notebook_seconds=0.25), FakeClock(cpu_rate=0.05, waiting_rate=0.95)) as (
            sock, theirs):
        sender = answer_after(theirs, 1.0)
        assert wait_for_event(sock) >= 0.9  # the limit, 0.25 s, passed long ago in wall time
        sender.join()


@pytest.mark.slow  # over 0.7 s: make test-fast stays under a minute
def test_a_notebook_that_sleeps_meets_the_backstop() -> None:
    """No CPU at all: the run ends at BACKSTOP times the limit of unhindered time."""
    with channel(Waits("student", 30, notebook_seconds=0.2), FakeClock()) as (sock, _):
        started = time.monotonic()
        with pytest.raises(protocol.ChannelTimeout):
            wait_for_event(sock)
        assert time.monotonic() - started >= BACKSTOP * 0.2


def test_a_request_counts_the_jobs_time_and_charges_the_budget() -> None:
    budget = Budget(100, request_seconds=0.3)
    budget.start()
    with channel(Waits("student", 0.3), FakeClock(), budget) as (sock, theirs):
        protocol.send_message(sock, {"op": "get"})
        sender = answer_after(theirs, 0.1)
        wait_for_event(sock)
        sender.join()
        protocol.send_message(sock, {"op": "get"})  # never answered: the job sleeps past its limit
        with pytest.raises(protocol.ChannelTimeout):
            wait_for_event(sock)

    assert 0.4 <= budget.used < 1.0
    assert 0.3 <= budget.slowest["student"] < 0.8
    assert not budget.spent


@pytest.mark.slow  # over 0.7 s: make test-fast stays under a minute
def test_a_loaded_job_gets_its_answer_in_even_after_its_limit_in_wall_time() -> None:
    budget = Budget(100, request_seconds=0.2)
    budget.start()
    fake = FakeClock(cpu_rate=0.1, waiting_rate=0.9)
    with channel(Waits("runner", 0.2), fake, budget) as (sock, theirs):
        protocol.send_message(sock, {"op": "speedup"})
        sender = answer_after(theirs, 0.8)
        wait_for_event(sock)
        sender.join()

    assert budget.slowest["runner"] < 0.2
    # Past 0.2 s of wall, a reading without the waiting figure says the limit may have passed: each
    # such look then read the full clock, which said it had not.
    assert fake.full > 2


@pytest.mark.slow  # over 0.7 s: make test-fast stays under a minute
def test_a_request_that_computes_under_load_still_meets_its_limit() -> None:
    """Most of the wall spent waiting for a CPU, the rest computing: the CPU time ends it, and the full
    clock (not the reading without waiting, which alone never ends a wait) says so."""
    budget = Budget(100, request_seconds=0.2)
    budget.start()
    fake = FakeClock(cpu_rate=0.3, waiting_rate=0.7)
    with channel(Waits("student", 0.2), fake, budget) as (sock, _):
        protocol.send_message(sock, {"op": "call"})
        with pytest.raises(protocol.ChannelTimeout):
            wait_for_event(sock)

    assert budget.used >= 0.2
    assert fake.full >= 2  # when sent, and the look that found the limit passed


@pytest.mark.slow  # over 0.7 s: make test-fast stays under a minute
def test_a_quick_answer_reads_the_clock_twice_and_each_look_in_a_long_wait_reads_no_waiting_below_the_limit() -> None:
    budget = Budget(100, request_seconds=5)
    budget.start()
    fake = FakeClock(cpu_rate=0.5)
    with channel(Waits("student", 5), fake, budget) as (sock, theirs):
        for _ in range(3):
            protocol.send_message(sock, {"op": "call"})
            protocol.send_message(theirs, {"ok": True})
            wait_for_event(sock)
        assert fake.full == 6  # when sent, and when the answer began (which judges and charges it)

        protocol.send_message(sock, {"op": "call"})
        sender = answer_after(theirs, 1.2)  # about four looks, all far below 5 s even without the waiting figure
        wait_for_event(sock)
        sender.join()

    assert fake.full == 8
    assert fake.asked > fake.full
    assert budget.used >= 1.19  # charged in full: its unhindered time since it was sent


def test_a_request_in_flight_ends_with_the_budget_and_spends_it() -> None:
    budget = Budget(0.4, request_seconds=30)
    budget.start()
    with channel(Waits("student", 30), FakeClock(), budget) as (sock, _):
        protocol.send_message(sock, {"op": "call"})
        with pytest.raises(protocol.ChannelTimeout):
            wait_for_event(sock)

    assert budget.spent
    assert budget.costs()["checks_seconds"] >= 0.4


def test_requests_before_the_checks_start_are_not_charged() -> None:
    budget = Budget(100, request_seconds=1)
    with channel(Waits("student", 1), FakeClock(), budget) as (sock, theirs):
        protocol.send_message(sock, {"op": "describe"})
        sender = answer_after(theirs, 0.1)
        wait_for_event(sock)
        sender.join()

    assert budget.used == 0.0 and budget.remaining() is None


@pytest.mark.slow  # over 0.7 s: make test-fast stays under a minute
def test_a_trickle_of_bytes_never_quite_silent_still_meets_the_limit() -> None:
    """A byte every 0.1 s: no wait ever lasts a slice, yet the request ends at its limit."""
    budget = Budget(100, request_seconds=0.5)
    budget.start()
    with channel(Waits("student", 0.5), FakeClock(), budget) as (sock, theirs):
        protocol.send_message(sock, {"op": "call"})
        stop = threading.Event()

        def trickle() -> None:
            while not stop.wait(0.1):
                try:
                    theirs.send(b"\0")
                except OSError:
                    return

        sender = threading.Thread(target=trickle)
        sender.start()
        try:
            with pytest.raises(protocol.ChannelTimeout):
                protocol.recv_message(sock, max_bytes=1 << 30, deadline=time.monotonic() + 60)
        finally:
            stop.set()
            sender.join()
    assert budget.slowest["student"] >= 0.5


def test_a_notebook_of_many_quick_cells_still_meets_its_limit() -> None:
    with channel(Waits("student", 30, notebook_seconds=0.5), FakeClock(cpu_rate=1.0)) as (sock, theirs):
        stop = threading.Event()

        def events() -> None:
            while not stop.wait(0.05):
                try:
                    protocol.send_message(theirs, {"event": "cell_start"})
                except OSError:
                    return

        sender = threading.Thread(target=events)
        sender.start()
        try:
            with pytest.raises(protocol.ChannelTimeout):
                for _ in range(1000):
                    protocol.recv_message(sock, max_bytes=1 << 20, deadline=time.monotonic() + 60)
        finally:
            stop.set()
            sender.join()


def test_a_grader_measurement_outlasts_the_budget_and_charges_only_the_students_share() -> None:
    # A speed-up's timed rounds under load: the reference and the extra rounds are the grader's.
    fake = FakeClock()
    budget = Budget(0.2, request_seconds=30, clock=fake)  # type: ignore[arg-type]
    budget.start()
    with channel(Waits("runner", 5), fake, budget) as (sock, theirs):
        with measuring(sock) as measurement:
            protocol.send_message(sock, {"op": "speedup"})
            sender = answer_after(theirs, 0.5)
            wait_for_event(sock)
            sender.join()
        assert measurement is not None
        measurement.charge(0.05)

    assert budget.used == pytest.approx(0.05)
    assert not budget.spent
    assert budget.slowest["runner"] >= 0.5  # the runner's limits still learn what the request took


def test_a_measurement_is_charged_at_most_what_it_took_and_still_meets_its_own_limit() -> None:
    budget = Budget(100, request_seconds=30)
    budget.start()
    with channel(Waits("runner", 0.3), FakeClock(), budget) as (sock, theirs):
        with measuring(sock) as measurement:
            protocol.send_message(sock, {"op": "speedup"})
            sender = answer_after(theirs, 0.1)
            wait_for_event(sock)
            sender.join()
        assert measurement is not None
        measurement.charge(1000.0)  # a runner's figure never charges more than the request's own time
        assert 0.1 <= budget.used < 0.6
        with measuring(sock), pytest.raises(protocol.ChannelTimeout):
            protocol.send_message(sock, {"op": "speedup"})  # never answered: its own limit ends it
            wait_for_event(sock)


def test_a_measurement_without_a_budgeted_channel_charges_nothing() -> None:
    ours, theirs = socket.socketpair()
    with ours, theirs, measuring(ours) as measurement:
        assert measurement is not None
        measurement.charge(3.0)
    with measuring(None) as nothing:
        assert nothing is None


@pytest.mark.parametrize(("figure", "charged"), [(0.25, 0.25), (0, 0.0), (-1, float("inf")),
                                                 (float("nan"), float("inf")), ("0.1", float("inf")),
                                                 (None, float("inf"))])
def test_the_runners_figure_is_used_only_when_it_is_a_plain_non_negative_number(figure: object, charged: float) -> None:
    assert runner_handle._seconds(figure) == charged
