"""The job clock (autograder/clock.py): what the kernel's counters say, as limits count it."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from autograder import clock
from autograder.clock import Usage


def test_a_job_that_sleeps_is_charged_its_sleep_and_one_that_computes_its_cpu() -> None:
    sleeper = Usage(cpu_seconds=0.1, waiting_seconds=0.0, wall_seconds=9.0)
    loaded = Usage(cpu_seconds=2.0, waiting_seconds=12.5, wall_seconds=14.0)  # 2 s of work stretched by load
    crowded = Usage(cpu_seconds=20.0, waiting_seconds=10.0, wall_seconds=10.0)  # more threads than CPUs

    assert sleeper.seconds == pytest.approx(9.0)
    assert loaded.seconds == pytest.approx(2.0)
    assert crowded.seconds == pytest.approx(20.0)


def test_usage_between_two_readings_and_across_the_wire() -> None:
    earlier, later = Usage(1.0, 2.0, 3.0), Usage(1.5, 4.0, 10.0)

    assert later.since(earlier) == Usage(0.5, 2.0, 7.0)
    assert Usage.from_json(later.as_json()) == later
    for bad in (None, [], {"cpu_seconds": "1", "waiting_seconds": 0, "wall_seconds": 0},
                {"cpu_seconds": True, "waiting_seconds": 0, "wall_seconds": 0}):
        with pytest.raises(ValueError):
            Usage.from_json(bad)


def test_cgroup_counters_v1_and_v2(tmp_path: Path) -> None:
    v1, v2, empty = tmp_path / "cpuacct", tmp_path / "unified", tmp_path / "memory"
    for folder in (v1, v2, empty):
        folder.mkdir()
    (v1 / "cpuacct.usage").write_text("2500000000\n")
    (v2 / "cpu.stat").write_text("usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\n")
    (v2 / "cpu.pressure").write_text("some avg10=1.00 avg60=0.50 avg300=0.10 total=4250000\n"
                                     "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n")

    assert clock.cgroup_cpu_seconds([empty, v1, v2]) == pytest.approx(2.5)
    assert clock.cgroup_cpu_seconds([empty, v2]) == pytest.approx(1.5)
    assert clock.cgroup_cpu_seconds([empty]) is None
    assert clock.cgroup_waiting_seconds([empty, v1, v2]) == pytest.approx(4.25)
    assert clock.cgroup_waiting_seconds([v1]) is None


def test_thread_tally_counts_this_process_and_keeps_threads_that_ended() -> None:
    tally = clock.ThreadTally(lambda: [os.getpid()])

    def spin() -> None:
        end = time.process_time() + 0.3
        while time.process_time() < end:
            pass

    worker = threading.Thread(target=spin)
    worker.start()
    worker.join()  # ended before the first reading: missed, which only makes the clock stricter
    cpu_before, _ = tally.read()
    spin()
    cpu_after, waiting = tally.read()

    assert cpu_after >= cpu_before + 0.2
    assert waiting >= 0.0
    assert clock.own_waiting_seconds() >= 0.0


def counted_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    read, opened = clock._read, []

    def counting(path: Path | str) -> str:
        opened.append(str(path))
        return read(path)

    monkeypatch.setattr(clock, "_read", counting)
    return opened


def test_job_counters_find_the_files_that_count_once_then_read_only_those(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    memory, cpu, cpuacct, unified = (tmp_path / name for name in ("memory", "cpu", "cpuacct", "unified"))
    for folder in (memory, cpu, cpuacct, unified):
        folder.mkdir()
    (cpu / "cpu.stat").write_text("nr_periods 0\nnr_throttled 0\nthrottled_time 0\n")  # v1: counts no usage
    (cpuacct / "cpuacct.usage").write_text("2500000000\n")
    (unified / "cpu.pressure").write_text("some avg10=1.00 avg60=0.50 avg300=0.10 total=4250000\n")
    counters = clock.JobCounters([memory, cpu, cpuacct, unified], lambda: [])
    opened = counted_reads(monkeypatch)

    assert counters.read() == pytest.approx((2.5, 4.25))
    opened.clear()
    (cpuacct / "cpuacct.usage").write_text("3000000000\n")
    assert counters.read() == pytest.approx((3.0, 4.25))
    assert opened == [str(cpuacct / "cpuacct.usage"), str(unified / "cpu.pressure")]
    opened.clear()
    assert counters.read(waiting=False) == pytest.approx((3.0, 0.0))
    assert opened == [str(cpuacct / "cpuacct.usage")]


def test_job_counters_keep_their_last_value_once_the_groups_are_gone(tmp_path: Path) -> None:
    group = tmp_path / "job"
    group.mkdir()
    (group / "cpuacct.usage").write_text("1500000000\n")
    (group / "cpu.pressure").write_text("some avg10=0.00 avg60=0.00 avg300=0.00 total=250000\n")
    counters = clock.JobCounters([group], lambda: [])
    assert counters.read() == pytest.approx((1.5, 0.25))

    (group / "cpuacct.usage").unlink()
    (group / "cpu.pressure").unlink()
    group.rmdir()

    assert counters.read() == pytest.approx((1.5, 0.25))


def test_job_counters_without_cgroups_read_the_threads_and_their_waiting_only_when_asked(
        monkeypatch: pytest.MonkeyPatch) -> None:
    counters = clock.JobCounters([], lambda: [os.getpid()])
    end = time.process_time() + 0.2
    while time.process_time() < end:
        pass
    opened = counted_reads(monkeypatch)

    cpu, waiting = counters.read(waiting=False)
    assert cpu >= 0.1 and waiting == 0.0
    assert opened and not any(path.endswith("schedstat") for path in opened)
    opened.clear()
    cpu_again, waiting = counters.read()
    assert cpu_again >= cpu and waiting >= 0.0
    assert any(path.endswith("schedstat") for path in opened)
