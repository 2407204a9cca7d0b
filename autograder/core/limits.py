"""An assignment's time and resource limits, and how grading derives the time limits from the solution's costs.

assignment.toml declares :class:`Limits` (:func:`autograder.core.assignment.declared_limits`); with a
``costs.toml`` (:mod:`autograder.core.costs`) each time limit becomes a multiple of what the solution took,
never below a floor (:func:`derived_limits`). docs/limits.md tells the instructor's side of it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from autograder.core import costs as measured


@dataclass(frozen=True)
class Limits:
    """Time limits count the job's own time, which load does not stretch (docs/limits.md): CPU time,
    with a backstop of three times as much wall time less the time spent waiting for a CPU."""

    notebook_seconds: float = 180.0
    """CPU time for running all of the student's cells, TensorFlow import included."""
    cell_seconds: float = 60.0
    """CPU time for one cell; a longer cell is stopped and recorded as a cell error."""
    request_seconds: float = 60.0
    """The student's time for one answer to a check (its CPU time, or wall time less waiting for a CPU)."""
    checks_seconds: float = 600.0
    """The student's and the runner's time answering all the checks; checks still left then score 0."""
    runner_seconds: float = 300.0
    """The runner's time for one request (examining, running or timing one artifact)."""
    output_bytes: int = 64 * 1024
    """How much of what the student's code prints is kept for the instructor."""
    reply_bytes: int = 64 * 1024 * 1024
    """Largest single answer accepted from the student's process."""
    memory_bytes: int = 4 * 2**30
    """Memory for each of the student's and the check process (cgroup limit where available)."""
    processes: int = 256
    """Processes and threads for each process tree (TensorFlow alone needs more than 16)."""
    tmp_bytes: int = 256 * 2**20
    """Size of the sandbox's writable /tmp (and /dev/shm)."""
    seed: int = 1234
    """Seed for Python, NumPy, TensorFlow and Keras, set before the student's first cell."""


NOTEBOOK_MULTIPLE, NOTEBOOK_FLOOR = 5.0, 20.0
REQUEST_MULTIPLE, REQUEST_FLOOR = 10.0, 5.0
CHECKS_MULTIPLE, CHECKS_FLOOR = 3.0, 12.0
RUNNER_MULTIPLE, RUNNER_FLOOR = 5.0, 30.0


def derived_limits(limits: Limits, costs: measured.Costs | None) -> Limits:
    """The time limits in proportion to what the solution costs (``costs.toml``): a multiple of each
    figure, never below a floor. Without costs, ``limits`` (assignment.toml's, else the defaults).

    The floors keep room for slower honest code; the multiples bound what a stalling student costs:
    checks that wait for answers just under the request deadline spend the checks' budget, a few
    times what the solution's answers took, and then fail.
    """
    if costs is None:
        return limits
    notebook = max(NOTEBOOK_FLOOR, NOTEBOOK_MULTIPLE * costs.notebook_cpu_seconds)
    return dataclasses.replace(
        limits,
        notebook_seconds=notebook,
        cell_seconds=min(limits.cell_seconds, notebook),
        request_seconds=max(REQUEST_FLOOR, REQUEST_MULTIPLE * costs.slowest_request_seconds),
        checks_seconds=_checks_budget(costs),
        runner_seconds=max(RUNNER_FLOOR, RUNNER_MULTIPLE * costs.slowest_runner_seconds),
    )


def _checks_budget(costs: measured.Costs) -> float:
    """Room for slower honest answers: a multiple of the solution's, never below the floor.

    The floor is not lowered to a multiple of the whole grading: that is measured warm and quiet, a
    few seconds, and a budget cut to twice it left honest answers on a loaded machine too little
    room. A student who stalls every answer costs at most the budget more than an honest grading.
    """
    return max(CHECKS_MULTIPLE * costs.checks_seconds, CHECKS_FLOOR)
