"""Grades must not move with the machine's load: grade a set quietly, then under three times the cores
of busy processes started outside the grader, and list every verdict that changed (issue 19).

The sets are the three assignments' corpora (tests/notebooks/{autograph,functional,custom_layers},
with each assignment's solution and blank notebook) and the determinism harness's sets
(benchmarks/determinism.py: autograph, engine, tiny). Each notebook is graded with its
assignment's own limits (derived from costs.toml where there is one), one at a time.

    .venv/bin/python benchmarks/under_load.py [--sets autograph,functional,custom_layers,determinism]
                                              [--burners N] [--skip K] [--limit K]

Prints, per phase, how many gradings and how long they took, then every change of status, score or
check outcome between the quiet and the loaded grading, and exits 1 if there was any.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from determinism import SETS as DETERMINISM_SETS

from autograder.core import assignment
from autograder.grading.execution import ProcessExecutor
from autograder.grading.pipeline import grade

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ("autograph", "functional", "custom_layers")

Fingerprint = tuple[str, float, tuple[tuple[str, str], ...]]


def corpus(name: str) -> list[tuple[Path, str]]:
    a = assignment.load(name)
    notebooks = [a.solution, a.template, *sorted((ROOT / "tests" / "notebooks" / name).glob("*.ipynb"))]
    return [(p, name) for p in notebooks if p is not None]


def submissions(sets: list[str]) -> list[tuple[Path, str]]:
    found: list[tuple[Path, str]] = []
    for name in sets:
        if name == "determinism":
            found += [(p, a) for a, paths in DETERMINISM_SETS.values() for p in paths]
        else:
            found += corpus(name)
    unique = dict.fromkeys(found)  # a corpus notebook is in the determinism set too: grade it once per phase
    return list(unique)


def fingerprint(path: Path, a: assignment.Assignment) -> Fingerprint:
    g = grade(path, a, ProcessExecutor())
    return g.result.status, g.score.earned, tuple((c.name, c.outcome) for c in g.result.checks)


def burn() -> None:
    while True:
        pass


@contextmanager
def burners(count: int) -> Iterator[None]:
    """``count`` busy processes, outside the grader's sandboxes and cgroups."""
    started = [multiprocessing.Process(target=burn, daemon=True) for _ in range(count)]
    for process in started:
        process.start()
    try:
        yield
    finally:
        for process in started:
            process.kill()
        for process in started:
            process.join()


def phase(label: str, paths: list[tuple[Path, str]], before: dict[Path, Fingerprint] | None = None
          ) -> dict[Path, Fingerprint]:
    """Grade each submission; with ``before``, say at once whether its verdict changed."""
    loaded = {name: assignment.load(name) for name in {a for _, a in paths}}
    seen: dict[Path, Fingerprint] = {}
    start = time.monotonic()
    for i, (path, name) in enumerate(paths, 1):
        seen[path] = fingerprint(path, loaded[name])
        same = "" if before is None else (" same" if before[path] == seen[path] else " CHANGED")
        print(f"  {label} {i}/{len(paths)} {path.relative_to(ROOT)}: {seen[path][0]} {seen[path][1]:g}{same} "
              f"({time.monotonic() - start:.0f} s, load {os.getloadavg()[0]:.1f})", flush=True)
    print(f"{label}: {len(paths)} gradings in {time.monotonic() - start:.0f} s", flush=True)
    return seen


def changes(quiet: dict[Path, Fingerprint], loaded: dict[Path, Fingerprint]) -> list[str]:
    found = []
    for path, before in quiet.items():
        after = loaded[path]
        if before == after:
            continue
        found.append(f"CHANGED {path.relative_to(ROOT)}: {before[:2]} -> {after[:2]}")
        outcomes = dict(after[2])
        found += [f"    {check}: {outcome} -> {outcomes.get(check)}" for check, outcome in before[2]
                  if outcomes.get(check) != outcome]
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default=",".join([*CORPORA, "determinism"]))
    parser.add_argument("--burners", type=int, default=3 * (os.cpu_count() or 1),
                        help="busy processes during the loaded phase (default: three times the cores)")
    parser.add_argument("--limit", type=int, help="grade only the first K submissions (a quick look)")
    parser.add_argument("--skip", type=int, default=0, help="leave out the first K submissions (to go on later)")
    args = parser.parse_args()
    found = submissions(args.sets.split(","))[args.skip:]
    paths = found[:args.limit]
    print(f"{len(paths)} submissions, quiet then with {args.burners} CPU burners on {os.cpu_count()} cores")
    quiet = phase("quiet", paths)
    with burners(args.burners):
        loaded = phase("loaded", paths, quiet)
    changed = changes(quiet, loaded)
    print("\n".join(changed))
    print(f"{len(paths)} submissions, {sum(1 for line in changed if line.startswith('CHANGED'))} verdict changes")
    return 1 if changed else 0


if __name__ == "__main__":
    raise SystemExit(main())
