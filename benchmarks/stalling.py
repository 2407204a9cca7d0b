"""What a student who answers just under every deadline costs, next to the honest solution.

Grades the solution and tests/notebooks/attacks/autograph/answers-under-deadline.ipynb in turn
(interleaved, several rounds) in this process, with the assignment's derived limits (costs.toml),
and prints wall time, the jobs' joint clock, the score and the ratio. The acceptance is a ratio of
at most 3 (issue 19); the tests assert only the derived budgets' bound, never wall time.

    .venv/bin/python benchmarks/stalling.py [--rounds 2]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from autograder.core import assignment
from autograder.core.notebook import Notebook
from autograder.grading.execution import Execution, Executor, ProcessExecutor
from autograder.grading.pipeline import grade

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = {"solution": ROOT / "solutions" / "autograph.ipynb",
             "answers-under-deadline": ROOT / "tests" / "notebooks" / "attacks" / "autograph" /
             "answers-under-deadline.ipynb"}


class Joint:
    """Keeps the joint job clock of the last grading (what the grader measured of it)."""

    def __init__(self, inner: Executor) -> None:
        self.inner, self.isolated, self.isolation = inner, inner.isolated, inner.isolation
        self.seconds = 0.0

    def run(self, notebook: Notebook, a: assignment.Assignment, *, include_hidden: bool, language: str) -> Execution:
        execution = self.inner.run(notebook, a, include_hidden=include_hidden, language=language)
        self.seconds = execution.costs.grading_seconds if execution.costs else float("nan")
        return execution


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    a = assignment.load("autograph")
    print(f"limits: request {a.limits.request_seconds:g} s, checks budget {a.limits.checks_seconds:g} s, "
          f"runner {a.limits.runner_seconds:g} s, notebook {a.limits.notebook_seconds:g} s of CPU")
    walls: dict[str, list[float]] = {name: [] for name in NOTEBOOKS}
    for r in range(args.rounds):
        for name in NOTEBOOKS if r % 2 == 0 else reversed(list(NOTEBOOKS)):
            executor = Joint(ProcessExecutor())
            start = time.monotonic()
            graded = grade(NOTEBOOKS[name], a, executor)
            walls[name].append(time.monotonic() - start)
            print(f"  {name:24s} wall {walls[name][-1]:6.1f} s   joint clock {executor.seconds:6.1f} s   "
                  f"score {graded.score.earned:g}/{graded.score.points:g}", flush=True)
    honest, stalled = (statistics.median(walls[n]) for n in NOTEBOOKS)
    print(f"medians: solution {honest:.1f} s, stalling {stalled:.1f} s: ratio {stalled / honest:.2f}x (at most 3)")
    return 0 if stalled <= 3 * honest else 1


if __name__ == "__main__":
    raise SystemExit(main())
