"""What grading one realistic submission costs, next to running its notebook as a bare script.

Both are whole processes measured side by side in one run (interleaved, several rounds): wall
time, and CPU time of the process and every child it waited for. The ratio is the figure.

    .venv/bin/python benchmarks/grading_cost.py [--rounds 5] [--notebook solutions/autograph.ipynb]

Also compares grading with and without the fork server (``--no-fork-server``), and with and
without the sandbox (``--no-sandbox``, next to ``--no-fork-server``): the sandbox's own cost.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent


def bare_script(notebook: Path, folder: Path) -> Path:
    """The notebook's code cells concatenated into one file, as `jupyter nbconvert --to script` does."""
    nb = nbformat.read(notebook, as_version=4)
    script = folder / "bare.py"
    script.write_text("\n\n".join(c.source for c in nb.cells if c.cell_type == "code") + "\n")
    return script


def machine_cpu_seconds() -> float:
    """CPU time used by the whole machine so far (all processes, user + system), from /proc/stat.

    Sandboxed processes are killed rather than waited for, so getrusage(RUSAGE_CHILDREN) misses
    them; on a quiet machine the machine-wide delta is the honest whole-grading cost.
    """
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system = (int(x) for x in fields[:3])
    return (user + nice + system) / os.sysconf("SC_CLK_TCK")


def measure(cmd: list[str], cwd: str) -> tuple[float, float]:
    before = machine_cpu_seconds()
    start = time.perf_counter()
    # `tfgrade check` exits 1 when a public check fails; the timing still counts.
    # In a scratch folder: notebooks write files (model.keras, plots) where they run.
    subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd)
    return time.perf_counter() - start, machine_cpu_seconds() - before


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--notebook", type=Path, default=ROOT / "solutions" / "autograph.ipynb")
    parser.add_argument("--assignment", default="autograph")
    args = parser.parse_args()
    tfgrade = str(Path(sys.executable).parent / "tfgrade")
    with tempfile.TemporaryDirectory() as tmp:
        script = bare_script(args.notebook.resolve(), Path(tmp))
        # A fresh output folder every time: a reused folder would reuse the earlier result.
        fresh = (f"{tmp}/out{i}" for i in itertools.count())
        grade = [tfgrade, "grade", str(args.notebook.resolve()), "-a", args.assignment, "-j", "1"]
        runs = {"bare script": [sys.executable, str(script)],
                "tfgrade grade": grade,
                "  no fork server": [*grade, "--no-fork-server"],
                "  no sandbox": [*grade, "--no-sandbox"],
                "tfgrade check": [tfgrade, "check", str(args.notebook.resolve()), "-a", args.assignment]}
        results: dict[str, list[tuple[float, float]]] = {k: [] for k in runs}
        for r in range(args.rounds):
            for name in runs if r % 2 == 0 else reversed(list(runs)):
                out = ["--out", next(fresh)] if "grade" in runs[name] else []
                results[name].append(measure(runs[name] + out, tmp))
    print(f"{args.notebook.name}, {args.rounds} interleaved rounds, medians:")
    med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in results.items()}
    for name, (wall, cpu) in med.items():
        print(f"  {name:16s} wall {wall:6.2f} s   cpu {cpu:6.2f} s")
    (bw, bc), (gw, gc), (uw, uc) = med["bare script"], med["tfgrade grade"], med["  no sandbox"]
    fw, fc = med["  no fork server"]
    print(f"  ratio tfgrade / bare script:        wall {gw / bw:.2f}x   cpu {gc / bc:.2f}x")
    print(f"  ratio fork server / fresh processes: wall {gw / fw:.2f}x   cpu {gc / fc:.2f}x")
    # Both start a fresh interpreter per process, so this is the sandbox's own cost.
    print(f"  ratio sandboxed / unsandboxed grade: wall {fw / uw:.2f}x   cpu {fc / uc:.2f}x (no fork server)")
    cw, cc = med["tfgrade check"]
    print(f"  ratio self-check / bare script:      wall {cw / bw:.2f}x   cpu {cc / bc:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
