"""The real two-process executor on scenario notebooks: student mistakes become data.

Slow-ish (each scenario starts real Python processes with TensorFlow), so every scenario is
graded once, two at a time, and the tests only read the results.
"""

from __future__ import annotations

import dataclasses

import pytest

from autograder.grading.pipeline import Graded
from tests.conftest import NOTEBOOKS, grade_many

pytestmark = pytest.mark.slow

SCENARIOS = [
    "infinite-loop", "blocks-timer-signal", "os-exit", "sys-exit-cell", "cell-raises",
    "magics-and-shell", "hangs-when-called", "output-flood",
]


@pytest.fixture(scope="module")
def graded(autograph) -> dict[str, Graded]:
    limits = dataclasses.replace(
        autograph.limits, cell_seconds=3, notebook_seconds=25, request_seconds=5, output_bytes=4096
    )
    a = dataclasses.replace(autograph, limits=limits)
    return grade_many({name: NOTEBOOKS / "engine" / f"{name}.ipynb" for name in SCENARIOS}, a)


def _check(g: Graded, name: str):
    return next(c for c in g.result.checks if c.name == name)


def test_infinite_loop_cell_is_stopped_and_earlier_cells_still_count(graded):
    g = graded["infinite-loop"]
    assert g.result.status == "graded"
    assert g.result.execution.status == "completed"
    [error] = g.result.execution.cell_errors
    assert error.cell == 2 and "CellTimeout" in error.error and "infinite loop" in error.error
    assert _check(g, "linear_layer_values").outcome == "passed"
    assert g.score.earned == 2  # linear_layer's checks: 1 public point, 1 hidden
    assert "simple_nn` is not defined" in _check(g, "simple_nn_values").message


def test_notebook_time_limit_stops_a_cell_that_blocks_the_cell_timer(graded):
    g = graded["blocks-timer-signal"]
    assert g.result.status == "graded"
    assert g.result.execution.status == "timeout"
    assert "cell 3 was still running" in g.result.execution.message
    assert g.score.earned == 0
    assert all("did not finish running in time" in c.message for c in g.result.checks)


def test_os_exit_ends_the_run_and_every_check_says_why(graded):
    g = graded["os-exit"]
    assert g.result.status == "graded"
    assert g.result.execution.status == "died"
    assert "while running cell 2" in g.result.execution.message
    assert g.score.earned == 0
    assert all("os._exit" in c.message for c in g.result.checks)


def test_sys_exit_in_a_cell_is_a_cell_error_and_later_cells_run(graded):
    g = graded["sys-exit-cell"]
    assert [e.error.split(":")[0] for e in g.result.execution.cell_errors] == ["SystemExit"]
    assert g.score.earned == g.score.points


def test_a_raising_cell_is_recorded_and_grading_goes_on(graded):
    g = graded["cell-raises"]
    [error] = g.result.execution.cell_errors
    assert error.error.startswith("ZeroDivisionError")
    assert g.score.earned == g.score.points


def test_ipython_magics_and_shell_lines_run_as_in_jupyter(graded):
    g = graded["magics-and-shell"]
    assert g.result.execution.cell_errors == ()
    assert g.score.earned == g.score.points


def test_function_that_hangs_when_called_fails_fast_afterwards(graded):
    g = graded["hangs-when-called"]
    first = _check(g, "linear_layer_values")
    assert first.outcome == "failed" and "did not answer within 5 s" in first.message
    later = [c for c in g.result.checks if c.name != "linear_layer_values"]
    assert later and all("Later checks were not run" in c.message for c in later)
    assert g.score.earned == 0


def test_output_flood_is_capped_and_earns_nothing(graded):
    g = graded["output-flood"]
    assert g.result.execution.output.endswith("[output truncated]")
    assert len(g.result.execution.output) < 4096 + 100
    assert _check(g, "linear_layer_values").outcome == "passed"
    assert g.score.earned == 2  # linear_layer's checks: 1 public point, 1 hidden
