"""Per assignment, against the bare script: memory per concurrent submission, and one fresh Gradescope grade.

For each assignment:

- **the bare script**: the solution's code cells run as one plain script; its peak RSS (the kernel's
  ru_maxrss for it and what it waited for), CPU and wall;
- **memory**: a `tfgrade grade -j 2` batch of the assignment's samples, with the proportional set size
  (PSS, so pages shared with the fork server count once) summed over every process of the command's
  cgroups, the sandboxed jobs' included, sampled from /proc/PID/smaps_rollup every --interval seconds;
  the peak divided by the number of jobs is the memory per concurrent submission;
- **the Gradescope path**: `python -m autograder gradescope-run`, what `run_autograder` runs for each
  submission in a fresh container, grading the solution once: a new grader process with no warm fork
  server (it starts its own, cold). Its CPU and wall against the bare script's. The machine's page cache
  is warm, unlike a new container's, so this is a lower bound on a first submission.

CPU is counted by the kernel per command in a cgroup of its own (cpu_account.py).

    .venv/bin/python benchmarks/memory.py [--assignments autograph ...] [--jobs 2] [--interval 0.5]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import cpu_account

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = ("autograph", "functional", "custom_layers")


@dataclass(frozen=True)
class Sampled:
    wall: float
    cpu: float
    peak_pss: int
    """Bytes: the largest sum over the command's processes at one sample (0 when not sampled)."""
    max_rss: int
    """Bytes: the kernel's peak resident set of the command and the children it waited for."""


def pss_bytes(smaps_rollup: str) -> int:
    """The ``Pss:`` line of a /proc/PID/smaps_rollup text, in bytes (0 if it has none)."""
    for line in smaps_rollup.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) * 1024
    return 0


def ratio(part: float, whole: float) -> str:
    """``part / whole`` as ``0.86x``, or ``n/a`` without a whole."""
    return f"{part / whole:.2f}x" if whole > 0 else "n/a"


def processes_of(name: str) -> set[int]:
    """Every pid in the cgroups named ``name`` and ``name-jobs`` (their subgroups too), in any hierarchy."""
    pids: set[int] = set()
    for hierarchy in cpu_account.HIERARCHIES:
        for top in (cpu_account.ROOT / hierarchy / name, cpu_account.ROOT / hierarchy / f"{name}-jobs"):
            for folder, _groups, _files in os.walk(top):  # os.walk, unlike rglob, skips a group removed meanwhile
                pids.update(int(p) for p in _read(Path(folder) / "cgroup.procs").split())
    return pids


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:  # the process or group ended meanwhile
        return ""


def pss_total(pids: set[int]) -> int:
    return sum(pss_bytes(_read(Path(f"/proc/{pid}/smaps_rollup"))) for pid in pids)


def measure(argv: list[str], *, cwd: Path | None = None, interval: float = 0.0, tfgrade: bool = False) -> Sampled:
    """Run one command in cgroups of its own; with ``interval``, sample its processes' summed PSS meanwhile."""
    name = f"tfgrade-mem-{os.getpid()}-{time.monotonic_ns()}"
    with cpu_account._groups(name) as groups:
        if groups is None:
            raise SystemExit("memory.py needs cgroups it can make (root, cgroup v1 cpuacct or v2)")
        command = cpu_account.tfgrade_command(argv, f"{name}-jobs") if tfgrade else argv
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   preexec_fn=cpu_account._joiner(groups[0]))
        peak, usage = 0, None
        while usage is None:
            pid, _status, rusage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                usage = rusage
                break
            if interval:
                peak = max(peak, pss_total(processes_of(name)))
            time.sleep(interval or 0.05)
        wall = time.perf_counter() - start
        process.returncode = 0  # reaped by wait4 above: keep Popen from waiting for it again
        cpu_account._settle(groups[0])
        own, jobs = groups
        cpu = cpu_account.usage_seconds(own) + (cpu_account.usage_seconds(jobs) if jobs.is_dir() else 0.0)
    return Sampled(wall, cpu, peak, usage.ru_maxrss * 1024)


def bare(name: str, folder: Path) -> Sampled:
    import nbformat

    nb = nbformat.read(ROOT / "solutions" / f"{name}.ipynb", as_version=4)
    script = folder / f"bare-{name}.py"
    script.write_text("\n\n".join(c.source for c in nb.cells if c.cell_type == "code"))
    return measure([sys.executable, str(script)], cwd=folder)  # the solutions write files where they run


def batch(name: str, folder: Path, jobs: int, interval: float) -> tuple[Sampled, int]:
    samples = sorted((ROOT / "assignments" / name / "samples").glob("*.ipynb"))
    source = folder / f"samples-{name}"
    source.mkdir()
    for path in samples:
        shutil.copy(path, source / path.name)
    out = folder / f"out-{name}"
    return measure(["grade", str(source), "-a", name, "-j", str(jobs), "--out", str(out)], interval=interval,
                   tfgrade=True), len(samples)


def gradescope(name: str, folder: Path) -> tuple[Sampled, str]:
    """One fresh grade of the solution as Gradescope's run_autograder does it; its score as results.json gives it."""
    root = folder / f"gradescope-{name}"
    (root / "submission").mkdir(parents=True)
    shutil.copy(ROOT / "solutions" / f"{name}.ipynb", root / "submission" / f"{name}.ipynb")
    run = measure(["gradescope-run", "--root", str(root), "--assignment", str(ROOT / "assignments" / name)],
                  tfgrade=True)
    results = root / "results" / "results.json"
    score = json.loads(results.read_text()).get("score", "?") if results.exists() else "no results.json"
    return run, str(score)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assignments", nargs="*", default=list(ASSIGNMENTS))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--interval", type=float, default=0.5)
    args = parser.parse_args()
    load_before = os.getloadavg()
    print(f"{cpu_account.how()}; PSS sampled every {args.interval} s; {args.jobs} jobs", flush=True)
    with tempfile.TemporaryDirectory(prefix="tfgrade-memory-") as tmp:
        folder = Path(tmp)
        for name in args.assignments:
            floor = bare(name, folder)
            print(f"{name}: bare script peak RSS {floor.max_rss / 2**20:.0f} MB, cpu {floor.cpu:.2f} s, "
                  f"wall {floor.wall:.2f} s", flush=True)
            graded, count = batch(name, folder, args.jobs, args.interval)
            each = graded.peak_pss / args.jobs
            print(f"  -j {args.jobs} batch of {count} samples: peak PSS {graded.peak_pss / 2**20:.0f} MB summed, "
                  f"{each / 2**20:.0f} MB per concurrent submission = {ratio(each, floor.max_rss)} the bare peak; "
                  f"cpu {graded.cpu / count:.2f} s per submission", flush=True)
            fresh, score = gradescope(name, folder)
            print(f"  gradescope-run, one fresh grade (score {score}): cpu {fresh.cpu:.2f} s = "
                  f"{ratio(fresh.cpu, floor.cpu)} the bare script, wall {fresh.wall:.2f} s = "
                  f"{ratio(fresh.wall, floor.wall)}", flush=True)
    print(f"load average (1 min) before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f}; {os.cpu_count()} cores "
          "(shared with other work: prefer the CPU figures to wall)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
