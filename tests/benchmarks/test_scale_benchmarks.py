"""The scale benchmarks' arithmetic: how a worker's CPU splits into grading and overhead, PSS parsing, ratios."""

from __future__ import annotations

import sys

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

import dask_scale
import memory


def _log() -> list[dict[str, float]]:
    """A worker's log: one setup (with its unpack) at process CPU 2.0 -> 2.5, then two tasks."""
    return [
        {"what": "unpack", "cpu": 0.05, "wall": 0.08, "process_cpu": 2.1, "bytes": 4096},
        {"what": "setup", "cpu": 0.5, "wall": 0.6, "process_cpu": 2.5},
        {"what": "grade", "cpu": 1.0, "thread": 0.9, "wall": 9.0, "process_cpu": 3.6},
        {"what": "task", "cpu": 1.1, "wall": 9.1, "process_cpu": 3.65},
        {"what": "grade", "cpu": 2.0, "thread": 1.8, "wall": 8.0, "process_cpu": 5.7},
        {"what": "task", "cpu": 2.05, "wall": 8.1, "process_cpu": 5.75},
    ]


def test_the_worker_process_cpu_outside_grading_and_setup_is_the_overhead() -> None:
    log = _log()
    assert dask_scale.first_process_cpu(log) == pytest.approx(2.0)
    worker = dask_scale.split(log, total=20.0, process_before=dask_scale.first_process_cpu(log))
    assert worker.tasks == 2
    assert worker.process == pytest.approx(3.75)  # 5.75 at the last task's end, 2.0 before the setup
    # Neither the grading thread's own CPU nor the setup: the event loop's ticks during a grade are overhead.
    assert worker.overhead == pytest.approx(3.75 - 2.7 - 0.5)
    assert worker.grading == pytest.approx(20.0 - 0.55 - 0.5)  # the fork server's and jobs' CPU is grading
    assert (worker.unpack, worker.unpack_wall, worker.bundle_bytes) == (0.05, 0.08, 4096)


def test_a_worker_that_ran_nothing_has_no_overhead() -> None:
    worker = dask_scale.split([], total=0.3, process_before=0.0)
    assert (worker.tasks, worker.overhead, worker.grading) == (0, 0.0, 0.3)


def test_shares_and_ratios_say_when_there_is_nothing_to_divide_by() -> None:
    assert dask_scale.share(1.0, 40.0) == "2.5%"
    assert dask_scale.share(1.0, 0.0) == "n/a"
    assert memory.ratio(620.0, 722.0) == "0.86x"
    assert memory.ratio(1.0, 0.0) == "n/a"


def test_the_pss_line_of_smaps_rollup_is_read_in_bytes() -> None:
    text = ("55a0c0000000-7ffd0000000 ---p 00000000 00:00 0  [rollup]\nRss:              812340 kB\n"
            "Pss:              401170 kB\nPss_Anon:         300000 kB\nShared_Clean:      9000 kB\n")
    assert memory.pss_bytes(text) == 401170 * 1024
    assert memory.pss_bytes("") == 0  # a process that ended between listing and reading
