"""Does the q3 speed-up check give the same verdict every time, alone and with a core kept busy?

Grades the solution, the solution with six busy processes of its own (timed while its sandbox is
frozen), and the two slow mistakes (an eager-only wrapper, and a notebook that left
`tf.config.run_functions_eagerly(True)` on: neither hands over a graph, so neither is timed) N times
each, first alone, then while another process spins on one core. Prints each notebook's verdicts
and measured speed-ups; exits 1 on any flip.

    .venv/bin/python benchmarks/speedup_stability.py [--repeats 20]
"""

from __future__ import annotations

import argparse
import multiprocessing
import re
import statistics
from collections import Counter
from pathlib import Path

from autograder.core import assignment
from autograder.grading.execution import ProcessExecutor
from autograder.grading.pipeline import grade

ROOT = Path(__file__).resolve().parent.parent
CHECK = "lstm_fn_graph_is_faster_than_eager"
NOTEBOOKS = {
    "solution": ROOT / "solutions" / "autograph.ipynb",
    "cpu-burners": ROOT / "tests" / "notebooks" / "attacks" / "autograph" / "cpu-burners-during-timing.ipynb",
    "eager-only-lstm": ROOT / "tests" / "notebooks" / "autograph" / "eager-only-lstm.ipynb",
    "runs-eagerly": ROOT / "tests" / "notebooks" / "autograph" / "runs-eagerly.ipynb",
}


def spin() -> None:
    while True:
        pass


def verdicts(repeats: int) -> dict[str, list[tuple[str, float | None]]]:
    a = assignment.load("autograph")
    seen: dict[str, list[tuple[str, float | None]]] = {name: [] for name in NOTEBOOKS}
    for _ in range(repeats):
        for name, path in NOTEBOOKS.items():
            check = next(c for c in grade(path, a, ProcessExecutor()).result.checks if c.name == CHECK)
            found = re.search(r"speedup=([\d.]+)", check.details) or re.search(r"only ([\d.]+)x", check.message)
            seen[name].append((check.outcome, float(found.group(1)) if found else None))
    return seen


def report(mode: str, seen: dict[str, list[tuple[str, float | None]]]) -> set[str]:
    print(f"\n{mode}:")
    outcomes = set()
    for name, runs in seen.items():
        counts = Counter(outcome for outcome, _ in runs)
        speedups = [s for _, s in runs if s is not None]
        spread = (f"speed-up min {min(speedups):.2f} median {statistics.median(speedups):.2f} "
                  f"max {max(speedups):.2f}") if speedups else "not timed (failed before timing)"
        print(f"  {name:16s} {dict(counts)}  {spread}")
        outcomes |= {f"{name}:{o}" for o in counts}
    return outcomes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    alone = report("alone", verdicts(args.repeats))
    spinner = multiprocessing.Process(target=spin, daemon=True)
    spinner.start()
    try:
        busy = report("one core kept busy", verdicts(args.repeats))
    finally:
        spinner.kill()
    flips = [o for o in alone | busy if sum(o.split(":")[0] == x.split(":")[0] for x in alone | busy) > 1]
    print("\nflips:", ", ".join(sorted(flips)) if flips else "none")
    return 1 if flips else 0


if __name__ == "__main__":
    raise SystemExit(main())
