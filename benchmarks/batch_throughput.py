"""Class-scale throughput: tfgrade's parallel batch next to `otter run`, one after another.

Takes N realistic submissions (a mix of correct, wrong and broken notebooks across the three
assignments), grades them with `tfgrade grade -j <cores>` per assignment, then with `otter run`
one submission at a time using an otter zip of placeholder tests (otter's own cost of running a
notebook, with no real checks: a lower bound for otter). Prints wall time, throughput and CPU per
submission next to the bare-script floor (each assignment's solution run as a plain script,
weighted by the batch's mix). With --fresh, the batch is also graded without the fork server.

    .venv/bin/python benchmarks/batch_throughput.py [--count 60] [--fresh]
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

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


def timed(commands: list[list[str]], cwd: Path | None = None) -> tuple[float, float]:
    """Wall time, and machine-wide CPU time (sandboxed processes are killed, not waited for)."""
    from grading_cost import machine_cpu_seconds

    before = machine_cpu_seconds()
    start = time.perf_counter()
    for command in commands:
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, cwd=cwd)
    return time.perf_counter() - start, machine_cpu_seconds() - before


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=60)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--fresh", action="store_true",
                        help="also grade with --no-fork-server (a fresh interpreter per process), side by side")
    args = parser.parse_args()
    chosen = pick(args.count)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        copies = {}
        for name, paths in chosen.items():
            (folder / name).mkdir()
            copies[name] = []
            for i, path in enumerate(paths):
                copy = folder / name / f"{i:03d}-{path.name}"
                shutil.copy(path, copy)
                copies[name].append(copy)
        runs = {"tfgrade grade": grade_all(copies, folder, args.jobs, [])}
        if args.fresh:
            runs["tfgrade, no fork server"] = grade_all(copies, folder, args.jobs, ["--no-fork-server"])
        zips = {name: otter_zip(name, folder) for name in copies}
        otter_cmds = [[str(BIN / "otter"), "run", "-a", str(zips[name]), str(p), "-o", str(folder), "--no-logo"]
                      for name, paths in copies.items() for p in paths]
        runs["otter run"] = timed(otter_cmds)
        bare_cpu, bare_wall = bare_floor(chosen, folder)
    n = args.count
    print(f"{n} submissions ({', '.join(f'{k} {len(v)}' for k, v in chosen.items())}); {args.jobs} jobs")
    for label, (wall, cpu) in runs.items():
        print(f"  {label:24s}: wall {wall:7.1f} s  ({n / wall * 60:5.1f} per minute)  cpu/submission {cpu / n:5.2f} s")
    print(f"  {'bare script (solutions)':24s}: wall {bare_wall:7.2f} s, cpu {bare_cpu:5.2f} s, per submission")
    tf_wall, tf_cpu = runs["tfgrade grade"]
    print(f"  throughput tfgrade / otter: {runs['otter run'][0] / tf_wall:.2f}x")
    if args.fresh:
        print(f"  throughput fork server / fresh processes: {runs['tfgrade, no fork server'][0] / tf_wall:.2f}x")
    print(f"  cpu per submission, tfgrade / bare script: {tf_cpu / n / bare_cpu:.2f}x")
    return 0


def grade_all(copies: dict[str, list[Path]], folder: Path, jobs: int, extra: list[str]) -> tuple[float, float]:
    out = folder / f"out{len(list(folder.glob('out*')))}"
    return timed([[str(BIN / "tfgrade"), "grade", str(folder / name), "-a", name, "-j", str(jobs),
                   "--out", str(out / name), *extra] for name in copies])


def bare_floor(chosen: dict[str, list[Path]], folder: Path) -> tuple[float, float]:
    """CPU and wall per submission of the batch's mix, each assignment's solution run as a plain script."""
    import nbformat

    cpu = wall = 0.0
    for name, paths in chosen.items():
        nb = nbformat.read(ROOT / "solutions" / f"{name}.ipynb", as_version=4)
        bare = folder / f"bare-{name}.py"
        bare.write_text("\n\n".join(c.source for c in nb.cells if c.cell_type == "code"))
        # In the scratch folder: the solutions write files (model.keras, a plot) where they run.
        one_wall, one_cpu = timed([[sys.executable, str(bare)]] * 2, cwd=folder)
        cpu += one_cpu / 2 * len(paths)
        wall += one_wall / 2 * len(paths)
    n = sum(len(p) for p in chosen.values())
    return cpu / n, wall / n


if __name__ == "__main__":
    raise SystemExit(main())
