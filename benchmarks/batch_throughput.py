"""Class-scale throughput: tfgrade's parallel batch next to `otter run`, one after another.

Takes N realistic submissions (a mix of correct, wrong and broken notebooks across the three
assignments), grades them with `tfgrade grade -j <cores>` per assignment, then with `otter run`
one submission at a time using an otter zip of placeholder tests (otter's own cost of running a
notebook, with no real checks: a lower bound for otter). Prints wall time, throughput and CPU per
submission next to the bare-script floor.

    .venv/bin/python benchmarks/batch_throughput.py [--count 60]
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


def timed(commands: list[list[str]]) -> tuple[float, float]:
    """Wall time, and machine-wide CPU time (sandboxed processes are killed, not waited for)."""
    from grading_cost import machine_cpu_seconds

    before = machine_cpu_seconds()
    start = time.perf_counter()
    for command in commands:
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start, machine_cpu_seconds() - before


def otter_zip(name: str, folder: Path) -> Path:
    from autograder import assignment, otter_plugin

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
        tf_cmds = [[str(BIN / "tfgrade"), "grade", str(folder / name), "-a", name, "-j", str(args.jobs),
                    "--out", str(folder / "out" / name)] for name in copies]
        tf_wall, tf_cpu = timed(tf_cmds)
        zips = {name: otter_zip(name, folder) for name in copies}
        otter_cmds = [[str(BIN / "otter"), "run", "-a", str(zips[name]), str(p), "-o", str(folder), "--no-logo"]
                      for name, paths in copies.items() for p in paths]
        ot_wall, ot_cpu = timed(otter_cmds)
        bare = folder / "bare.py"
        import nbformat

        nb = nbformat.read(ROOT / "solutions" / "autograph.ipynb", as_version=4)
        bare.write_text("\n\n".join(c.source for c in nb.cells if c.cell_type == "code"))
        bare_wall, bare_cpu = timed([[sys.executable, str(bare)]] * 3)
    n = args.count
    print(f"{n} submissions ({', '.join(f'{k} {len(v)}' for k, v in chosen.items())}); {args.jobs} jobs")
    for label, wall, cpu in (("tfgrade grade", tf_wall, tf_cpu), ("otter run", ot_wall, ot_cpu)):
        print(f"  {label:13s}: wall {wall:7.1f} s  ({n / wall * 60:5.1f} per minute)  cpu/submission {cpu / n:5.2f} s")
    print(f"  bare script (autograph solution): cpu {bare_cpu / 3:5.2f} s, wall {bare_wall / 3:5.2f} s")
    print(f"  throughput tfgrade / otter: {ot_wall / tf_wall:.2f}x")
    print(f"  cpu per submission, tfgrade / bare script: {tf_cpu / n / (bare_cpu / 3):.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
