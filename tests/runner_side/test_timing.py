"""Interleaved speed comparison, on a fake clock: no real time is measured."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from autograder.runner_side import timing
from autograder.runner_side.timing import Speedup, interleaved_ratios, robust_speedup


class FakeClock:
    """``process_time`` (the CPU clock) for the timing module; fake workloads advance it by fixed amounts."""

    def __init__(self) -> None:
        self.now = 0.0
        self.calls: list[str] = []
        self.rounds: list[int] = []

    def process_time(self) -> float:
        return self.now

    def task(self, name: str, *seconds: float) -> Callable[[int], None]:
        """A callable whose n-th call takes ``seconds[n]``; the last duration repeats forever."""
        durations = itertools.chain(seconds[:-1], itertools.repeat(seconds[-1]))

        def run(round_number: int) -> None:
            self.calls.append(name)
            self.rounds.append(round_number)
            self.now += next(durations)

        return run


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(timing.time, "process_time", fake.process_time)
    return fake


# -- interleaved_ratios -----------------------------------------------------------------------


def test_ratio_is_baseline_time_over_candidate_time(clock: FakeClock) -> None:
    ratios = interleaved_ratios(clock.task("base", 2.0), clock.task("cand", 0.5), rounds=3)

    assert ratios == [4.0, 4.0, 4.0]


def test_order_flips_every_round(clock: FakeClock) -> None:
    interleaved_ratios(clock.task("base", 1.0), clock.task("cand", 1.0), rounds=4)

    assert clock.calls == ["base", "cand", "cand", "base", "base", "cand", "cand", "base"]


def test_each_ratio_pairs_the_right_times_whichever_ran_first(clock: FakeClock) -> None:
    # Whatever runs first in a round pays 1 s of warm-up; the baseline takes 2 s, the candidate 1 s.
    def warm_up_aware(name: str, seconds: float) -> Callable[[int], None]:
        def run(_round: int) -> None:
            first = len(clock.calls) % 2 == 0
            clock.calls.append(name)
            clock.now += seconds + (1.0 if first else 0.0)

        return run

    ratios = interleaved_ratios(warm_up_aware("base", 2.0), warm_up_aware("cand", 1.0), rounds=4)

    assert ratios == [3.0, 1.0, 3.0, 1.0]


def test_instant_candidate_does_not_divide_by_zero(clock: FakeClock) -> None:
    ratios = interleaved_ratios(clock.task("base", 0.5), clock.task("cand", 0.0), rounds=1)

    assert ratios == [pytest.approx(0.5 / 1e-9)]


def test_zero_rounds_measure_nothing(clock: FakeClock) -> None:
    assert interleaved_ratios(clock.task("base", 1.0), clock.task("cand", 1.0), rounds=0) == []
    assert clock.calls == []


# -- robust_speedup ---------------------------------------------------------------------------


@pytest.mark.parametrize("candidate_seconds", [0.5, 4.0, 1.25])
def test_clear_verdict_needs_only_the_first_rounds(clock: FakeClock, candidate_seconds: float) -> None:
    # ratios 4.0 (clearly faster), 1.0 (clearly not), 3.2 (just above the 2.4 margin)
    result = robust_speedup(clock.task("base", 4.0), clock.task("cand", candidate_seconds), threshold=2.0, attempts=1)

    ratio = 4.0 / candidate_seconds
    assert result == Speedup(median=ratio, ratios=(ratio,) * 7)
    assert len(clock.calls) == 14


def test_a_slow_verdict_is_measured_again_and_the_best_attempt_counts(clock: FakeClock) -> None:
    # Attempt 1 under load: ratio 1.0 (below 2.0). Attempt 2 quiet: ratio 4.0 -> no third attempt.
    candidate = clock.task("cand", *[4.0] * 7, 1.0)

    result = robust_speedup(clock.task("base", 4.0), candidate, threshold=2.0)

    assert result == Speedup(median=4.0, ratios=(4.0,) * 7)
    assert len(clock.calls) == 28


def test_really_slow_code_fails_every_attempt(clock: FakeClock) -> None:
    result = robust_speedup(clock.task("base", 4.0), clock.task("cand", 4.0), threshold=2.0, attempts=3)

    assert result.median == 1.0
    assert len(clock.calls) == 3 * 14


def test_close_verdict_adds_rounds_until_it_is_clear(clock: FakeClock) -> None:
    # The first 7 rounds give ratio 2.0 (at the threshold), the next 7 give 16.0.
    candidate = clock.task("cand", *[1.0] * 7, 0.125)

    result = robust_speedup(clock.task("base", 2.0), candidate, threshold=2.0, rounds=7, max_rounds=35)

    assert result.ratios == (2.0,) * 7 + (16.0,) * 7
    assert result.median == 9.0


def test_close_verdict_stops_at_max_rounds(clock: FakeClock) -> None:
    result = robust_speedup(clock.task("base", 2.0), clock.task("cand", 1.0), threshold=2.0, rounds=7, max_rounds=35)

    assert len(result.ratios) == 35
    assert result.median == 2.0


@pytest.mark.parametrize(("ratio", "extra"), [(1.5, False), (1.7, True), (2.3, True), (2.5, False)])
def test_margin_decides_what_is_too_close(clock: FakeClock, ratio: float, extra: bool) -> None:
    # threshold 2 with margin 0.2 is "too close" strictly between 1.6 and 2.4
    result = robust_speedup(clock.task("base", ratio), clock.task("cand", 1.0), threshold=2.0, rounds=3, max_rounds=6)

    assert len(result.ratios) == (6 if extra else 3)


def test_max_rounds_is_never_exceeded(clock: FakeClock) -> None:
    result = robust_speedup(clock.task("base", 2.0), clock.task("cand", 1.0), threshold=2.0, rounds=5, max_rounds=12)

    assert len(result.ratios) <= 12


def test_both_sides_of_a_round_get_its_number_and_no_round_is_used_twice(clock: FakeClock) -> None:
    # Each round draws fresh inputs from its number: a later attempt must not replay earlier rounds.
    robust_speedup(clock.task("base", 4.0), clock.task("cand", 4.0), threshold=2.0, rounds=3, max_rounds=3)

    pairs = list(zip(clock.rounds[::2], clock.rounds[1::2], strict=True))
    assert all(a == b for a, b in pairs)
    assert len({a for a, _ in pairs}) == len(pairs) == 9


def test_time_spent_waiting_for_the_cpu_or_asleep_is_not_counted() -> None:
    """The real clock: the CPU time of this process. A side that waits (as work does on a busy machine)
    is not charged the wait; a side that computes is charged its computing, whatever the load."""
    import time as real_time

    def computes(_: int) -> None:
        end = real_time.process_time() + 0.02
        while real_time.process_time() < end:
            pass

    def waits(_: int) -> None:
        real_time.sleep(0.05)

    assert min(interleaved_ratios(computes, waits, rounds=3)) > 10
