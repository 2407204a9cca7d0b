"""Class-scale throughput: tfgrade's parallel batch next to `otter run`, in interleaved rounds.

Takes N realistic submissions (a mix of correct, wrong and broken notebooks across the three
assignments) and grades them, in each of --rounds rounds, with `tfgrade grade -j <cores>` per
assignment and with `otter run` one submission at a time using an otter zip of placeholder tests
(otter's own cost of running a notebook, with no real checks: a lower bound for otter), then runs
each assignment's solution as a plain script (the bare-script floor, weighted by the batch's mix).
The contenders take turns going first, so a machine that gets busier or quieter during the run
weighs on each alike. With --fresh, the batch is also graded without the fork server each round.

CPU is what the kernel charged each command and everything it started (a cgroup of its own; see
cpu_account.py), not the machine's, which on a shared machine counts the neighbours too. Prints
each round, then each figure's median and spread (max - min, as a share of the median), the load
average before and after, and a ratio only when its rounds agree within 10 %.

    .venv/bin/python benchmarks/batch_throughput.py [--count 60] [--rounds 3] [--fresh]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import statistics
import sys
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cpu_account
from cpu_account import Measured

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def pool() -> dict[str, list[Path]]:
    notebooks = {}
    for name in ("autograph", "functional", "custom_layers"):
        found = [ROOT / "solutions" / f"{name}.ipynb", ROOT / "assignments" / name / f"{name}.ipynb"]
        found += sorted((ROOT / "tests" / "notebooks" / name).glob("*.ipynb"))
        notebooks[name] = found
    return notebooks


def pick(count: int) -> dict[str, list[Path]]:
    """``count`` submissions, round-robin over assignments, cycling through each corpus."""
    cycles = {name: itertools.cycle(paths) for name, paths in pool().items()}
    chosen: dict[str, list[Path]] = {name: [] for name in cycles}
    for name in itertools.islice(itertools.cycle(cycles), count):
        chosen[name].append(next(cycles[name]))
    return chosen


def otter_zip(name: str, folder: Path) -> Path:
    from autograder.core import assignment
    from autograder.interop import otter_plugin
    built = otter_plugin.build_zip(assignment.load(name), folder / f"{name}-otter.zip")
    plain = folder / f"{name}-otter-plain.zip"
    with zipfile.ZipFile(built) as source, zipfile.ZipFile(plain, "w") as target:
        for item in source.namelist():
            data = source.read(item)
            target.writestr(item, json.dumps({}) if item == "otter_config.json" else data)
    return plain


AGREE = 0.10
"""A ratio is given only when its rounds lie within this share of their median of each other."""


@dataclass(frozen=True)
class Round:
    """One round's figures: each contender's batch, and the bare script's CPU and wall per submission."""

    runs: dict[str, Measured]
    bare: Measured


def spread(values: Sequence[float]) -> float:
    """max - min as a share of the median (0 for one value)."""
    middle = statistics.median(values)
    return (max(values) - min(values)) / middle if middle else float("inf")


def ratio_line(label: str, ratios: Sequence[float]) -> str:
    """The median ratio when the rounds agree within :data:`AGREE`; otherwise that they do not, and none."""
    each = ", ".join(f"{r:.2f}x" for r in ratios)
    if len(ratios) > 1 and spread(ratios) > AGREE:
        return f"  {label}: rounds do not agree ({each}; spread {spread(ratios):.0%} > {AGREE:.0%}): no ratio"
    return f"  {label}: {statistics.median(ratios):.2f}x (rounds {each}; spread {spread(ratios):.0%})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=60)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--fresh", action="store_true",
                        help="also grade with --no-fork-server (a fresh interpreter per process), side by side")
    args = parser.parse_args()
    chosen = pick(args.count)
    load_before = os.getloadavg()
    print(f"{args.count} submissions ({', '.join(f'{k} {len(v)}' for k, v in chosen.items())}); {args.jobs} jobs; "
          f"{args.rounds} rounds; {cpu_account.how()}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        copies = copy_submissions(chosen, folder)
        contenders = contenders_of(copies, folder, args.jobs, args.fresh)
        rounds = []
        for number in range(args.rounds):
            rounds.append(one_round(contenders, number, chosen, folder))
            print_round(number, rounds[-1], args.count)
    print_summary(rounds, args.count, args.fresh)
    print(f"  load average (1 min) before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f}; "
          f"{os.cpu_count()} cores")
    return 0


def copy_submissions(chosen: dict[str, list[Path]], folder: Path) -> dict[str, list[Path]]:
    copies: dict[str, list[Path]] = {}
    for name, paths in chosen.items():
        (folder / name).mkdir()
        copies[name] = []
        for i, path in enumerate(paths):
            copy = folder / name / f"{i:03d}-{path.name}"
            shutil.copy(path, copy)
            copies[name].append(copy)
    return copies


Contender = Callable[[], Measured]


def contenders_of(copies: dict[str, list[Path]], folder: Path, jobs: int, fresh: bool) -> dict[str, Contender]:
    zips = {name: otter_zip(name, folder) for name in copies}
    otter = [[str(BIN / "otter"), "run", "-a", str(zips[name]), str(p), "-o", str(folder), "--no-logo"]
             for name, paths in copies.items() for p in paths]
    found: dict[str, Contender] = {"tfgrade grade": lambda: grade_all(copies, folder, jobs, [])}
    if fresh:
        found["tfgrade, no fork server"] = lambda: grade_all(copies, folder, jobs, ["--no-fork-server"])
    found["otter run"] = lambda: cpu_account.run(otter)
    return found


def one_round(contenders: dict[str, Contender], number: int, chosen: dict[str, list[Path]], folder: Path) -> Round:
    """Every contender once, starting with a different one each round, then the bare script."""
    names = list(contenders)
    turn = names[number % len(names):] + names[:number % len(names)]
    runs = {name: contenders[name]() for name in turn}
    return Round({name: runs[name] for name in names}, bare_floor(chosen, folder))


def print_round(number: int, round_: Round, n: int) -> None:
    figures = "; ".join(f"{label} wall {run.wall:.1f} s, cpu/submission {run.cpu / n:.2f} s"
                        for label, run in round_.runs.items())
    print(f"round {number + 1}: {figures}; bare script cpu {round_.bare.cpu:.2f} s", flush=True)


def print_summary(rounds: list[Round], n: int, fresh: bool) -> None:
    print(f"\nmedian of {len(rounds)} rounds (spread: max - min, as a share of the median)")
    for label in rounds[0].runs:
        walls, cpus = [r.runs[label].wall for r in rounds], [r.runs[label].cpu / n for r in rounds]
        print(f"  {label:24s}: wall {statistics.median(walls):7.1f} s (spread {spread(walls):4.0%}), "
              f"{n / statistics.median(walls) * 60:5.1f} per minute, cpu/submission {statistics.median(cpus):5.2f} s "
              f"(spread {spread(cpus):4.0%})")
    bare_cpu, bare_wall = [r.bare.cpu for r in rounds], [r.bare.wall for r in rounds]
    print(f"  {'bare script (solutions)':24s}: wall {statistics.median(bare_wall):7.2f} s, cpu "
          f"{statistics.median(bare_cpu):5.2f} s (spread {spread(bare_cpu):4.0%}), per submission")
    print(ratio_line("throughput tfgrade / otter", [r.runs["otter run"].wall / r.runs["tfgrade grade"].wall
                                                   for r in rounds]))
    if fresh:
        print(ratio_line("throughput fork server / fresh processes",
                         [r.runs["tfgrade, no fork server"].wall / r.runs["tfgrade grade"].wall for r in rounds]))
    print(ratio_line("cpu per submission, tfgrade / bare script",
                     [r.runs["tfgrade grade"].cpu / n / r.bare.cpu for r in rounds]))


def grade_all(copies: dict[str, list[Path]], folder: Path, jobs: int, extra: list[str]) -> Measured:
    """One command per assignment, in a row, as an instructor runs them. Each round starts cold: the first
    command starts the fork server, the next ones find it warm, and it is stopped at the end, its CPU counted."""
    from autograder.sandbox import warm

    out = folder / f"out{len(list(folder.glob('out*')))}"  # fresh each time: nothing reused from a round before
    warm.stop_all()
    return cpu_account.run([["grade", str(folder / name), "-a", name, "-j", str(jobs), "--out", str(out / name),
                             *extra] for name in copies], tfgrade=True, after=warm.stop_all)


def bare_floor(chosen: dict[str, list[Path]], folder: Path) -> Measured:
    """CPU and wall per submission of the batch's mix, each assignment's solution run once as a plain script."""
    import nbformat

    cpu = wall = 0.0
    for name, paths in chosen.items():
        nb = nbformat.read(ROOT / "solutions" / f"{name}.ipynb", as_version=4)
        bare = folder / f"bare-{name}.py"
        bare.write_text("\n\n".join(c.source for c in nb.cells if c.cell_type == "code"))
        # In the scratch folder: the solutions write files (model.keras, a plot) where they run.
        one = cpu_account.run([[sys.executable, str(bare)]], cwd=folder)
        cpu += one.cpu * len(paths)
        wall += one.wall * len(paths)
    n = sum(len(p) for p in chosen.values())
    return Measured(wall / n, cpu / n)


if __name__ == "__main__":
    raise SystemExit(main())
