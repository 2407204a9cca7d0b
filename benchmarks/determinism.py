"""Determinism harness: grade a set of submissions several times, alone and under load.

Prints every submission whose score or any per-check outcome differed between gradings, and
exits 1 if there was any flip. Load = one process spinning on a core the whole time.

    .venv/bin/python benchmarks/determinism.py [--repeats 5] [--sets autograph,tiny]
"""

from __future__ import annotations

import argparse
import multiprocessing
import time
from collections import defaultdict
from pathlib import Path

from autograder.core import assignment
from autograder.grading.execution import ProcessExecutor
from autograder.grading.pipeline import grade

ROOT = Path(__file__).resolve().parent.parent
SETS = {
    "autograph": (
        "autograph",
        [ROOT / "solutions" / "autograph.ipynb", ROOT / "assignments" / "autograph" / "autograph.ipynb",
         *sorted((ROOT / "tests" / "notebooks" / "autograph").glob("*.ipynb"))],
    ),
    "engine": ("autograph", sorted((ROOT / "tests" / "notebooks" / "engine").glob("*.ipynb"))),
    "tiny": (
        str(ROOT / "tests" / "fixtures" / "tiny"),
        sorted((ROOT / "tests" / "notebooks" / "attacks").glob("*.ipynb")),
    ),
}


def spin() -> None:
    while True:
        pass


def fingerprint(path: Path, a: assignment.Assignment) -> tuple:
    g = grade(path, a, ProcessExecutor())
    return (g.result.status, g.score.earned, tuple((c.name, c.outcome) for c in g.result.checks))


def run(paths: list[tuple[Path, assignment.Assignment]], repeats: int, seen: dict[Path, list[tuple]]) -> None:
    for r in range(repeats):
        start = time.monotonic()
        for path, a in paths:
            seen[path].append(fingerprint(path, a))
        print(f"  round {r + 1}/{repeats}: {len(paths)} gradings in {time.monotonic() - start:.0f} s", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sets", default=",".join(SETS))
    args = parser.parse_args()
    paths = []
    for name in args.sets.split(","):
        assignment_name, notebooks = SETS[name]
        a = assignment.load(assignment_name)
        paths += [(p, a) for p in notebooks]
    seen: dict[Path, list[tuple]] = defaultdict(list)
    print(f"{len(paths)} submissions x {args.repeats} gradings alone, then x {args.repeats} with a core busy")
    run(paths, args.repeats, seen)
    spinner = multiprocessing.Process(target=spin, daemon=True)
    spinner.start()
    try:
        run(paths, args.repeats, seen)
    finally:
        spinner.kill()
    flips = {p: runs for p, runs in seen.items() if len(set(runs)) > 1}
    for path, runs in flips.items():
        print(f"FLIP {path.relative_to(ROOT)}: {sorted(set((s, e) for s, e, _ in runs))}")
        for name in {c for _, _, checks in runs for c in checks}:
            outcomes = [dict(checks).get(name[0]) for _, _, checks in runs]
            if len(set(outcomes)) > 1:
                print(f"    {name[0]}: {outcomes}")
    print(f"{len(seen)} submissions, {sum(len(r) for r in seen.values())} gradings, {len(flips)} with flips")
    return 1 if flips else 0


if __name__ == "__main__":
    raise SystemExit(main())
