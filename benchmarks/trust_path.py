"""What the trust path costs: grading now, grading with the old claim-based path, and the bare script.

The trust path (issue 9) has the student's process export graphs and model archives, and a third,
sandboxed runner process examine, run and time them while the student is frozen. The old path
asked the student's process what its code was and timed batches it ran. This grades the same
notebook with both, side by side in interleaved rounds, next to the notebook run as a bare script:
wall time and machine-wide CPU time (sandboxed processes are killed, not waited for).

The old path is the package at ``--old-ref`` (default: the last commit before the trust path),
checked out into a scratch folder and run by a copy of this environment whose editable install
points there (hard links: no second download, no extra disk to speak of).

    .venv/bin/python benchmarks/trust_path.py [--rounds 5] [--notebook solutions/functional.ipynb -a functional]
"""

from __future__ import annotations

import argparse
import itertools
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from grading_cost import bare_script, measure

ROOT = Path(__file__).resolve().parent.parent
OLD_REF = "00e6423"
"""The last commit before the trust path (claims believed, batches timed in the student's process)."""


def old_environment(ref: str, scratch: Path) -> Path:
    """A Python that imports ``autograder`` from ``ref``: this venv, hard-linked, re-pointed."""
    tree = scratch / "old-tree"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), ref],
                   check=True, capture_output=True)
    venv = scratch / "old-venv"
    subprocess.run(["cp", "-al", str(Path(sys.prefix)), str(venv)], check=True)
    for finder in venv.glob("lib/python*/site-packages/__editable___tfgrade_*_finder.py"):
        text = finder.read_text().replace(str(ROOT / "autograder"), str(tree / "autograder"))
        finder.unlink()  # a new file, so the hard-linked original stays as it is
        finder.write_text(text)
    return venv / "bin" / "python"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--notebook", type=Path, default=ROOT / "solutions" / "autograph.ipynb")
    parser.add_argument("--assignment", "-a", default="autograph")
    parser.add_argument("--old-ref", default=OLD_REF)
    args = parser.parse_args()
    # Under /work (not /tmp): the sandbox mounts a fresh /tmp, and must see the old environment.
    scratch = Path(tempfile.mkdtemp(prefix="trust-path-", dir=ROOT.parent))
    scratch.chmod(0o755)
    try:
        old_python = old_environment(args.old_ref, scratch)
        notebook = args.notebook.resolve()
        script = bare_script(notebook, scratch)
        fresh = (str(scratch / f"out{i}") for i in itertools.count())
        grade = ["grade", str(notebook), "-a", args.assignment, "-j", "1"]
        runs = {"bare script": [sys.executable, str(script)],
                "old path (claims)": [str(old_python), "-m", "autograder", *grade],
                "trust path (artifacts)": [sys.executable, "-m", "autograder", *grade]}
        results: dict[str, list[tuple[float, float]]] = {k: [] for k in runs}
        for r in range(args.rounds):
            for name in runs if r % 2 == 0 else reversed(list(runs)):
                out = ["--out", next(fresh)] if "grade" in runs[name] else []
                results[name].append(measure(runs[name] + out, str(scratch)))
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(scratch / "old-tree")],
                       check=False, capture_output=True)
        shutil.rmtree(scratch, ignore_errors=True)
    med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in results.items()}
    print(f"{args.notebook.name}, {args.rounds} interleaved rounds, medians:")
    for name, (wall, cpu) in med.items():
        print(f"  {name:24s} wall {wall:6.2f} s   cpu {cpu:6.2f} s")
    (bw, bc), (ow, oc), (nw, nc) = med["bare script"], med["old path (claims)"], med["trust path (artifacts)"]
    print(f"  ratio trust path / old path:    wall {nw / ow:.2f}x   cpu {nc / oc:.2f}x")
    print(f"  ratio trust path / bare script: wall {nw / bw:.2f}x   cpu {nc / bc:.2f}x")
    print(f"  ratio old path / bare script:   wall {ow / bw:.2f}x   cpu {oc / bc:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
