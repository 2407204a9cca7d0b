"""Figures for a release: the size of each release zip and of the wheel, and what `tfgrade check` from a
release costs next to the bare script.

For each assignment of the course, the release is made and unpacked in a temporary folder, the
solution is saved there as ``my.ipynb``, and two commands run in that folder, interleaved, for
``--rounds`` rounds:

* ``tfgrade check my.ipynb``, as a student runs it (sandbox and fork server when available), twice: a
  first check with no warm fork server, and a repeat right after it, which finds the first one's warm
  server (:mod:`autograder.sandbox.warm`; only where the sandbox runs, which needs root);
* the bare script: the notebook's code cells as one plain Python file (``nbconvert``'s script
  exporter), run with the same Python.

Wall times are medians over the rounds; the ratios are check / script. The machine is shared with
other work, so the figures are only as quiet as the machine was.

    .venv/bin/python benchmarks/release_check.py [--rounds 3] [--assignments autograph,functional]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from nbconvert import PythonExporter

from autograder.authoring import release as releases
from autograder.core import assignment as assignments
from autograder.core import course as courses
from autograder.sandbox import warm

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
NOT_COPIED = (".venv", ".git", "build", "dist", "out", "tfgrade-out", "*.egg-info", "__pycache__", ".*_cache")


def wheel_size(folder: Path) -> int:
    """Bytes of the wheel built from a copy of this checkout (the checkout itself is left untouched)."""
    source = folder / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_COPIED))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(folder), str(source)],
                   check=True, capture_output=True)
    [wheel] = folder.glob("tfgrade-*.whl")
    return wheel.stat().st_size


def student_folder(assignment: assignments.Assignment, folder: Path) -> tuple[Path, int]:
    """The release unpacked as a student would, with the solution as my.ipynb and as my.py; the zip's size."""
    made = releases.release(assignment, folder / "instructor")
    with zipfile.ZipFile(made.zip) as archive:
        archive.extractall(folder / "student")
    unpacked = folder / "student" / assignment.name
    assert assignment.solution is not None
    shutil.copyfile(assignment.solution, unpacked / "my.ipynb")
    script, _ = PythonExporter().from_filename(str(assignment.solution))
    (unpacked / "my.py").write_text(script, encoding="utf-8")
    return unpacked, made.zip.stat().st_size


def timed(command: list[str], cwd: Path) -> float:
    env = {k: v for k, v in os.environ.items() if k != courses.ENVIRONMENT}
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed in {cwd}:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return seconds


def measure(unpacked: Path, rounds: int) -> tuple[float, float, float]:
    """Median wall seconds of a first `tfgrade check` (no warm fork server), a repeat check right after it,
    and the bare script, interleaved."""
    first, repeat, script = [], [], []
    for _ in range(rounds):
        warm.stop_all()  # a first check starts cold, as after a reboot or a long pause
        first.append(timed([str(BIN / "tfgrade"), "check", "my.ipynb"], unpacked))
        repeat.append(timed([str(BIN / "tfgrade"), "check", "my.ipynb"], unpacked))
        script.append(timed([sys.executable, "my.py"], unpacked))
    warm.stop_all()
    return statistics.median(first), statistics.median(repeat), statistics.median(script)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, metavar="N")
    parser.add_argument("--assignments", default="", metavar="NAMES", help="comma-separated (default: all)")
    args = parser.parse_args()
    course = courses.Course(ROOT)
    names = [n for n in args.assignments.split(",") if n] or course.names()
    with tempfile.TemporaryDirectory() as scratch:
        print(f"wheel: {wheel_size(Path(scratch)):,} bytes")
        header = (f"{'assignment':<14} {'zip bytes':>10} {'first s':>8} {'repeat s':>9} {'script s':>9} "
                  f"{'first':>6} {'repeat':>6}")
        print(f"{header}   (medians of {args.rounds} interleaved rounds)")
        for name in names:
            folder = Path(scratch) / name
            unpacked, size = student_folder(assignments.load(course.assignments / name), folder)
            first, repeat, script = measure(unpacked, args.rounds)
            print(f"{name:<14} {size:>10,} {first:>8.1f} {repeat:>9.1f} {script:>9.1f} {first / script:>6.2f} "
                  f"{repeat / script:>6.2f}", flush=True)


if __name__ == "__main__":
    main()
