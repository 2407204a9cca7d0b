"""CPU per submission of this tree next to another tree (e.g. main before cells ran under IPython).

Each tree grades the same solution notebooks with its own virtual environment, interleaved, several
rounds. Up to three figures per notebook (``--modes``):

* ``student``: the student's process alone (the one this change touches), run on the notebook's
  cells as the grader runs it, until it is ready for the checks; ``wait4`` gives its CPU.
* ``unsandboxed``: ``tfgrade grade --no-sandbox``. Every process of the grading (the student's,
  the checks', the runner) is a child the grader waits for, so ``wait4`` gives the CPU of exactly
  this grading, however busy the machine is. The processes start fresh (no fork server), so this
  includes every import and the student's shell.
* ``sandboxed``: ``tfgrade grade`` as it runs for real (sandbox and fork server). Sandboxed processes
  are killed, never waited for, so this is the machine's CPU during the grading: only honest on an
  otherwise idle machine.

    .venv/bin/python benchmarks/ipython_cost.py --base /path/to/worktree-of-main [--rounds 3] \
        [--modes student,unsandboxed,sandboxed]

The base tree needs its own environment (``make setup`` in it): the grader's processes import the
package of the venv they run from.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import socket
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import nbformat

from autograder.grading import execution
from autograder.sandbox import forkserver
from autograder.wire import protocol

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = {"autograph": "solutions/autograph.ipynb", "custom_layers": "solutions/custom_layers.ipynb",
             "functional": "solutions/functional.ipynb"}


FLAGS = {"student": [], "unsandboxed": ["--no-sandbox"], "sandboxed": []}


def machine_cpu_seconds() -> float:
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system = (int(x) for x in fields[:3])
    return (user + nice + system) / os.sysconf("SC_CLK_TCK")


def grading_cpu(cmd: list[str], cwd: str) -> tuple[float, float]:
    """(CPU of the process and every child it waited for, CPU of the whole machine) for one grading."""
    machine = machine_cpu_seconds()
    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd)
    _, _, usage = os.wait4(process.pid, 0)
    process.returncode = 0  # reaped above
    return usage.ru_utime + usage.ru_stime, machine_cpu_seconds() - machine


def student_cpu(tree: Path, notebook: Path, folder: str) -> float:
    """CPU of one student process (``tree``'s code) running the notebook's code cells, until ready."""
    nb = nbformat.read(notebook, as_version=4)
    cells = [{"cell": n, "source": c.source} for n, c in enumerate(nb.cells, 1) if c.cell_type == "code"]
    cells_file = Path(folder) / "cells.json"
    cells_file.write_text(json.dumps({"cells": cells, "tensorflow": True}))
    ours, theirs = socket.socketpair()
    with ours, theirs:
        process = subprocess.Popen(
            [str(tree / ".venv/bin/python"), "-I", "-m", execution.STUDENT_PROGRAM, "--fd", str(theirs.fileno()),
             "--cells", str(cells_file), "--seed", "7", "--cell-seconds", "300"],
            pass_fds=[theirs.fileno()], cwd=folder, env={**forkserver.ENV, "HOME": folder},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        theirs.close()
        while protocol.recv_message(ours, max_bytes=1 << 20, deadline=time.monotonic() + 600)[0]["event"] != "ready":
            pass
    # The channel closed: the process stops serving and exits.
    _, _, usage = os.wait4(process.pid, 0)
    process.returncode = 0
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", type=Path, required=True, help="another tree with its own .venv")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--modes", default="student,unsandboxed,sandboxed")
    args = parser.parse_args()
    trees = {"base": args.base.resolve(), "this": ROOT}
    modes = {m: FLAGS[m] for m in args.modes.split(",")}
    cpu: dict[tuple[str, str, str], list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        fresh = (f"{tmp}/out{i}" for i in itertools.count())  # a reused folder would reuse the result
        for r in range(args.rounds):
            order = list(trees) if r % 2 == 0 else list(reversed(trees))
            for assignment, notebook in NOTEBOOKS.items():
                for mode, flags in modes.items():
                    for tree in order:
                        if mode == "student":
                            cpu.setdefault((assignment, mode, tree), []).append(
                                student_cpu(trees[tree], ROOT / notebook, tmp))
                            continue
                        cmd = [str(trees[tree] / ".venv/bin/tfgrade"), "grade", str(ROOT / notebook), "-a", assignment,
                               "-j", "1", "--out", next(fresh), *flags]
                        own, machine = grading_cpu(cmd, tmp)
                        cpu.setdefault((assignment, mode, tree), []).append(own if mode == "unsandboxed" else machine)
    print(f"CPU seconds per submission, median of {args.rounds} interleaved rounds (base: {trees['base']})")
    for mode in modes:
        ratios = []
        for assignment in NOTEBOOKS:
            base = statistics.median(cpu[(assignment, mode, "base")])
            this = statistics.median(cpu[(assignment, mode, "this")])
            ratios.append(this / base)
            print(f"  {mode:11s} {assignment:14s} base {base:6.2f} s   this {this:6.2f} s   ratio {this / base:.3f}")
        print(f"  {mode:11s} {'all three':14s} mean ratio {statistics.mean(ratios):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
