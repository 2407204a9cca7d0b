"""How long ``tfgrade --help`` and ``tfgrade grade --help`` take: the CLI's start-up (issue 20 wants < 0.5 s).

Each command runs as a whole process, ``--runs`` times (default 5), the commands interleaved so a
busy moment of a shared machine falls on both. Prints the median wall time and the median CPU time
(user + system of the process) of each, and which heavy packages a command imports, if any.

    .venv/bin/python benchmarks/cli_startup.py [--runs 5] [--tfgrade .venv/bin/tfgrade]

Wall time is what a user waits; CPU time is that wait on an idle machine (on a loaded one, wall grows
and CPU does not). To see what the start-up imports, and what each import costs:

    .venv/bin/python -X importtime -c "from autograder.cli import main" 2> importtime.txt
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = (("--help",), ("grade", "--help"))
LIMIT_SECONDS = 0.5
HEAVY = ("nbformat", "nbconvert", "nbclient", "jinja2", "IPython", "numpy", "tensorflow", "dask", "distributed",
         "packaging", "wcwidth")
"""Packages the help should not need; each costs from tens of milliseconds (jinja2) to seconds (TensorFlow)."""


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float


def run_once(command: list[str]) -> Run:
    """One whole process: its wall time, and its CPU time (it is the only child waited for meanwhile)."""
    before = os.times()
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = os.times()
    return Run(wall, (after.children_user - before.children_user) + (after.children_system - before.children_system))


def heavy_imports(python: str, argv: tuple[str, ...]) -> list[str]:
    """Which of :data:`HEAVY` the command imports, run in-process after ``main`` (``-P``: the tfgrade installed
    in that environment, not a copy in the current folder)."""
    probe = (f"import sys\nfrom autograder.cli import main\ntry:\n    main({list(argv)!r})\nexcept SystemExit:\n"
             f"    pass\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)")
    done = subprocess.run([python, "-P", "-c", probe], capture_output=True, text=True, check=True)
    return done.stderr.split()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each command (default 5)")
    parser.add_argument("--tfgrade", default=str(ROOT / ".venv" / "bin" / "tfgrade"), help="the tfgrade to time")
    args = parser.parse_args()
    python = str(Path(args.tfgrade).parent / "python")
    runs: dict[tuple[str, ...], list[Run]] = {argv: [] for argv in COMMANDS}
    for _ in range(args.runs):
        for argv in COMMANDS:  # interleaved
            runs[argv].append(run_once([args.tfgrade, *argv]))
    slow = False
    for argv, measured in runs.items():
        wall, cpu = statistics.median(r.wall for r in measured), statistics.median(r.cpu for r in measured)
        heavy = heavy_imports(python, argv)
        slow |= wall >= LIMIT_SECONDS
        print(f"tfgrade {' '.join(argv):<14} median of {len(measured)}: wall {wall:.3f} s, CPU {cpu:.3f} s; "
              f"heavy imports: {', '.join(heavy) or 'none'}")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; limit {LIMIT_SECONDS} s of wall time")
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
