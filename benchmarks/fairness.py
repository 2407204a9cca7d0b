"""Can one student's busy processes slow another student's grading? Measured side by side.

Grades the autograph solution alone, then next to a neighbour (graded at the same time, as in a
``-j 2`` batch) whose notebook keeps 40 processes busy for a while: once with them in the
neighbour's own session, once with each in a new session of its own (``os.setsid``), which
defeats the kernel's per-session CPU sharing (autogroups). Each job has a cpu cgroup of its own
where the machine allows it, so the neighbour should cost about what one busy job costs.

    .venv/bin/python benchmarks/fairness.py [--rounds 3] [--busy-seconds 20]

Prints the solution's median grading time in each setting and the ratio to grading it alone.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

import nbformat

from autograder.core import assignment
from autograder.grading.execution import ProcessExecutor
from autograder.grading.pipeline import grade

ROOT = Path(__file__).resolve().parent.parent

NEIGHBOUR = """import os, time
deadline = time.time() + {seconds}
children = 0
for _ in range(40):
    try:
        if os.fork() == 0:
            {setsid}
            while time.time() < deadline:
                pass
            os._exit(0)
        children += 1
    except OSError:
        break
while time.time() < deadline:
    pass
print("busy children:", children)
"""


def neighbour(folder: Path, name: str, seconds: float, own_sessions: bool) -> Path:
    nb = nbformat.v4.new_notebook(metadata={"tfgrade": {"assignment": "autograph"}})
    setsid = "os.setsid()" if own_sessions else "pass"
    nb.cells = [nbformat.v4.new_code_cell(NEIGHBOUR.format(seconds=seconds, setsid=setsid))]
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


def timed_solution(executor: ProcessExecutor, other: Path | None) -> tuple[float, float]:
    """Seconds to grade the solution (with ``other`` graded at the same time), and its score."""
    task = assignment.load("autograph")
    solution = ROOT / "solutions" / "autograph.ipynb"
    thread = None
    if other is not None:
        thread = threading.Thread(target=grade, args=(other, task, executor))
        thread.start()
        time.sleep(1.0)  # the neighbour is busy before the solution starts
    start = time.perf_counter()
    graded = grade(solution, task, executor)
    seconds = time.perf_counter() - start
    if thread is not None:
        thread.join()
    return seconds, graded.score.earned


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--busy-seconds", type=float, default=20.0)
    args = parser.parse_args()

    executor = ProcessExecutor()
    print(f"isolation: {executor.isolation}")
    with tempfile.TemporaryDirectory(prefix="tfgrade-fairness-") as scratch:
        folder = Path(scratch)
        os.chdir(folder)  # notebooks write files where they run
        settings = {
            "alone": None,
            "next to 40 busy processes": neighbour(folder, "busy", args.busy_seconds, own_sessions=False),
            "next to 40 busy sessions": neighbour(folder, "busy-sessions", args.busy_seconds, own_sessions=True),
        }
        timings: dict[str, list[float]] = {name: [] for name in settings}
        scores: dict[str, set[float]] = {name: set() for name in settings}
        timed_solution(executor, None)  # warm-up: the fork server starts
        for round_number in range(1, args.rounds + 1):
            for name, other in settings.items():  # interleaved, so drift hits every setting alike
                seconds, earned = timed_solution(executor, other)
                timings[name].append(seconds)
                scores[name].add(earned)
            print(f"  round {round_number}/{args.rounds} done", flush=True)

    alone = statistics.median(timings["alone"])
    print(f"autograph solution, {args.rounds} interleaved rounds, neighbour busy for {args.busy_seconds:g} s:")
    for name, values in timings.items():
        median = statistics.median(values)
        print(f"  {name:<27} median {median:6.2f} s  ({median / alone:4.2f}x alone)  scores {sorted(scores[name])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
