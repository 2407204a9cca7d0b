"""Where each CPU-second and wall-second of grading ONE submission goes, next to the bare script's own cells.

For each assignment, grades its solution as ``tfgrade grade`` does (sandbox, fork server, one
submission, every report), once to warm up and once measured, with the grader's stages stamped:

- in this (grader) process, by wrapping its stage functions here;
- in the student, check, runner and clean room processes (and the clean room's worker), by
  :mod:`autograder.profiling`, which the fork server installs when ``TFGRADE_PROFILE=1`` is in its
  environment (set here); their stamps are read from each sandbox's /tmp (through /proc/PID/root, as
  root) just before the sandbox is stopped.

Then the solution runs as a plain script in a fresh interpreter, each cell stamped the same way: the
bare script's cells are the floor every ratio is taken against. Both run in this one run, side by side,
so the ratios hold on a loaded machine; the absolute seconds do not. CPU counts each process's own and
its waited-for children's (bubblewrap, tesseract, Graphviz); a stage's CPU excludes the stages
nested in it, and ``other`` is what no stage claims.

    .venv/bin/python benchmarks/profile_grade.py [autograph functional custom_layers] [--rounds 1]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = ("autograph", "functional", "custom_layers")
PROGRAMS = {
    "autograder.student_side.student_process": "student",
    "autograder.check_side.check_process": "checks",
    "autograder.runner_side.runner_process": "runner",
    "autograder.runner_side.clean_room": "clean room",
    "autograder.runner_side.clean_room.worker": "clean room worker",
    "grader": "grader",
}

# --- stamps ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stage:
    program: str
    name: str
    begin: float
    """Wall clock (monotonic) at its start."""
    cpu: float
    """Own CPU, children's included, less that of the stages nested in it."""
    wall: float
    """Own wall time, less that of the stages nested in it."""


def stages(lines: list[dict[str, Any]]) -> list[Stage]:
    """Begin/end stamps of one process paired into stages (nested ones subtracted from their parent).

    ``main`` (a whole program, or the grader's batch) is not a row: a worker's CPU before its first
    stamp is its ``start-up`` (CPU counts from the fork), and what no other stage claims is ``other``.
    """
    if not lines:
        return []
    program = PROGRAMS.get(lines[0]["program"], "grader" if lines[0]["program"] != "bare" else "bare")
    found: list[Stage] = []
    open_: list[tuple[dict[str, Any], list[float]]] = []  # (begin stamp, [nested cpu, nested wall])
    for line in lines:
        if line["edge"] == "begin":
            open_.append((line, [0.0, 0.0]))
            continue
        while open_ and open_[-1][0]["stage"] != line["stage"]:  # a begin whose end never came
            open_.pop()
        if not open_:
            continue
        start, nested = open_.pop()
        cpu, wall = _cpu(line) - _cpu(start), line["wall"] - start["wall"]
        if start["stage"] != "main":
            found.append(Stage(program, line["stage"], start["wall"], cpu - nested[0], wall - nested[1]))
        if open_:
            open_[-1][1][0] += cpu
            open_[-1][1][1] += wall
    found.sort(key=lambda s: s.begin)
    first, last = lines[0], lines[-1]
    other = Stage(program, "other (outside every stage; a worker's wall: idle)", last["wall"],
                  _cpu(last) - _cpu(first) - sum(s.cpu for s in found),
                  last["wall"] - first["wall"] - sum(s.wall for s in found))
    if program in ("grader", "bare"):
        return [*found, other]
    return [Stage(program, "start-up: lock-down, to main (CPU since the fork)", first["wall"], _cpu(first), 0.0),
            *found, other]


SELF_STAMPING_CHILDREN = frozenset({"autograder.runner_side.clean_room"})
"""Programs whose children stamp their own stages (the clean room's worker): their reaped children's
CPU is not theirs, or it would count twice."""


def _cpu(line: dict[str, Any]) -> float:
    if line["program"] in SELF_STAMPING_CHILDREN:
        return float(line["cpu"])
    return float(line["cpu"]) + float(line["children"])


def read_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


# --- the grader's side: wrap its stages in this process -------------------------------------


class GraderProfile:
    """Wraps the grader's stage functions (stamps go to a file of this run), and collects the sandboxes' stamps."""

    def __init__(self, folder: Path) -> None:
        from autograder import profiling

        self.sandbox_file = profiling.STAMPS  # where each sandboxed program writes, in its sandbox's /tmp
        profiling.STAMPS = str(folder / "grader.jsonl")  # and this process, on the host
        self.grader_file = Path(profiling.STAMPS)
        self.sandbox_texts: list[str] = []
        self.parses = 0
        self._wrap_all()

    def _wrap_all(self) -> None:
        from autograder import profiling
        from autograder.core import cache, habits, notebook, requirements
        from autograder.grading import batch, outputs
        from autograder.grading import execution as execution_module
        from autograder.grading import pipeline as grading
        from autograder.reports import formats
        from autograder.sandbox import launcher

        wrap = _wrapper(profiling.timed)
        wrap(batch, "grade_all", "main")
        wrap(cache, "grading_keys", "cache keys (assignment)")
        wrap(cache, "keys", "cache keys (submission)")
        wrap(notebook, "load", "read the notebook")
        self._count_parses(notebook)
        wrap(grading, "_notebook_language", "read the notebook's language")
        wrap(launcher.Bubblewrap, "start", lambda _self, _command, *, role, **_: f"start the {role} process")
        wrap(execution_module, "_wait", "wait for the checks")
        self._collect_at_stop(launcher)
        wrap(launcher.Forked, "stop", "stop a process")
        for name in ("explain_cells", "explain_checks"):
            wrap(habits, name, "explain failures")
        wrap(requirements, "annotate", "explain failures")
        wrap(batch, "write_reports", "reports")
        wrap(batch, "write_feedback_notebook", "report feedback notebook")
        wrap(outputs, "feedback_html", "report feedback.html")
        wrap(outputs, "feedback_markdown", "report feedback.md")
        for name in ("student_report", "gradescope_results", "feedback_text"):
            wrap(formats, name, f"report {name}")
        wrap(batch, "_write_batch_files", "reports of the batch (grades.csv, class.html)")

    def _count_parses(self, notebook: Any) -> None:
        """Every read of the submission's file as a notebook (a duplicate parse is a cut to make)."""
        parse = notebook._parse

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.parses += 1
            return parse(*args, **kwargs)

        notebook._parse = counted

    def _collect_at_stop(self, launcher: Any) -> None:
        stop = launcher.Forked.stop
        profile = self

        def collecting(forked: Any) -> Any:
            profile.sandbox_texts.append(_sandbox_stamps(forked.holder._members(), profile.sandbox_file))
            return stop(forked)

        launcher.Forked.stop = collecting

    def take(self) -> list[Stage]:
        """Every stage since the last take, the grader's and each sandbox's."""
        found = stages(read_lines(self.grader_file.read_text()) if self.grader_file.exists() else [])
        for text in self.sandbox_texts:
            for lines in by_program(read_lines(text)):
                found += stages(lines)
        self.grader_file.unlink(missing_ok=True)
        self.sandbox_texts = []
        return found


def by_program(lines: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """One sandbox's stamps split by the program that wrote them (the clean room and its worker share one)."""
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in lines:
        grouped[line["program"]].append(line)
    return list(grouped.values())


def _wrapper(timed: Callable[..., Callable[..., Any]]) -> Callable[[Any, str, Any], None]:
    def wrap(owner: Any, attribute: str, stage: Any) -> None:
        if hasattr(owner, attribute):  # a stage the grader no longer has (e.g. a parse that was cut) is no row
            setattr(owner, attribute, timed(stage, getattr(owner, attribute)))

    return wrap


def _sandbox_stamps(pids: list[int], path: str) -> str:
    """The stamps file in the /tmp of the sandbox these processes share (the first one inside it)."""
    host = os.stat("/proc/self/ns/mnt").st_ino
    for pid in pids:
        try:
            if os.stat(f"/proc/{pid}/ns/mnt").st_ino == host:  # bubblewrap itself, outside the sandbox
                continue
            return Path(f"/proc/{pid}/root{path}").read_text()
        except OSError:
            continue
    return ""


def fork_server_cpu() -> float:
    """CPU the shared fork server has used so far (its own and its reaped children's)."""
    from autograder.grading.execution import PROGRAMS
    from autograder.sandbox import launcher

    process = launcher.shared_fork_server(PROGRAMS)._process
    if process is None:
        return 0.0
    fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


# --- one grade --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grade:
    stages: list[Stage]
    wall: float
    grader_cpu: float
    fork_server_cpu: float
    parses: int
    score: str


def grade_once(name: str, profile: GraderProfile, folder: Path, submission: Path | None = None) -> Grade:
    from autograder.core import assignment
    from autograder.grading import batch
    from autograder.grading.execution import ProcessExecutor
    from autograder.sandbox import launcher

    chosen = assignment.load(name, ROOT)
    executor = ProcessExecutor(launcher.detect())
    out = Path(tempfile.mkdtemp(dir=folder, prefix=f"out-{name}-"))  # fresh: nothing reused
    profile.take()
    profile.parses = 0
    server, times, start = fork_server_cpu(), os.times(), time.monotonic()
    result = batch.grade_all([submission or chosen.solution], chosen, executor, out, lambda _line: None, jobs=1)
    wall, after = time.monotonic() - start, os.times()
    grader = (after.user + after.system + after.children_user + after.children_system
              - times.user - times.system - times.children_user - times.children_system)
    score = result.rows[0].score
    return Grade(profile.take(), wall, grader, fork_server_cpu() - server, profile.parses,
                 f"{score.earned:g}/{score.points:g} ({result.rows[0].result.status})")


# --- the bare script ----------------------------------------------------------------------------

BARE = r"""
import json, linecache, os, sys, time
cells = json.load(open(sys.argv[1]))
stamps = []
namespace = sys.modules["__main__"].__dict__
def stamp(stage, edge):
    t = os.times()
    stamps.append({"program": "bare", "stage": stage, "edge": edge, "cpu": t.user + t.system,
                   "children": t.children_user + t.children_system, "wall": time.monotonic()})
for number, source in cells:
    stamp(f"cell {number}", "begin")
    name = f"<cell {number}>"  # AutoGraph reads a function's source: keep it where inspect looks, as IPython does
    linecache.cache[name] = (len(source), None, source.splitlines(True), name)
    exec(compile(source, name, "exec"), namespace)
    stamp(f"cell {number}", "end")
json.dump(stamps, open(sys.argv[2], "w"))
"""


@dataclass(frozen=True)
class Bare:
    cells: dict[str, tuple[float, float]]
    """Per cell: CPU and wall."""
    cpu: float
    wall: float
    """The whole script's process: interpreter start-up, imports and all."""


def bare_script(name: str, folder: Path) -> Bare:
    """The solution as a plain script in a fresh interpreter, each code cell stamped."""
    import nbformat

    node = nbformat.read(ROOT / "solutions" / f"{name}.ipynb", as_version=4)
    cells = [[i, c.source] for i, c in enumerate(node.cells, start=1) if c.cell_type == "code"]
    work = Path(tempfile.mkdtemp(dir=folder, prefix=f"bare-{name}-"))
    (work / "cells.json").write_text(json.dumps(cells))
    (work / "bare.py").write_text(BARE)
    before, start = os.times(), time.monotonic()
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": "", "MPLBACKEND": "Agg"}
    subprocess.run([sys.executable, "bare.py", "cells.json", "stamps.json"], cwd=work, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall, after = time.monotonic() - start, os.times()
    cpu = after.children_user + after.children_system - before.children_user - before.children_system
    found = stages(json.loads((work / "stamps.json").read_text()))
    return Bare({s.name: (s.cpu, s.wall) for s in found}, cpu, wall)


# --- the table ----------------------------------------------------------------------------------


def rows(grade: Grade) -> Iterator[tuple[str, str, float, float]]:
    """(process, stage, cpu, wall) in the order of a grade; a stage run more than once is added up."""
    programs: dict[str, list[Stage]] = defaultdict(list)
    for stage in grade.stages:
        programs[stage.program].append(stage)
    starts = {s.name.removeprefix("start the ").removesuffix(" process").replace("_", " "): s
              for s in programs["grader"] if s.name.startswith("start the ")}
    yield "fork server", "its share of the forks", grade.fork_server_cpu, 0.0
    for program in ("student", "runner", "clean room", "clean room worker", "checks"):
        found = programs[program]
        started = starts.get(program)
        if started is not None and found:  # the wall from the grader's fork request to the program's main
            found[0] = dataclasses.replace(found[0], wall=found[0].begin - started.begin - started.wall)
        yield from _grouped(program, found)
    yield from _grouped("grader", programs["grader"])


def _grouped(program: str, found: list[Stage]) -> Iterator[tuple[str, str, float, float]]:
    """Stages of one name added up (e.g. every ``stop``), in the order they first started."""
    totals: dict[str, tuple[float, float, int]] = {}
    for stage in found:
        cpu, wall, count = totals.get(stage.name, (0.0, 0.0, 0))
        totals[stage.name] = (cpu + stage.cpu, wall + stage.wall, count + 1)
    for name, (cpu, wall, count) in totals.items():
        yield program, name + (f" (x{count})" if count > 1 else ""), cpu, wall


def print_table(name: str, grades: list[Grade], bares: list[Bare]) -> None:
    bare_cells_cpu = statistics.median(sum(c for c, _ in b.cells.values()) for b in bares)
    bare_cells_wall = statistics.median(sum(w for _, w in b.cells.values()) for b in bares)
    table = _median_rows(grades)
    total_cpu = sum(cpu for _, _, cpu, _ in table)
    print(f"\n## {name}: one grade of the solution, {grades[0].score}; median of {len(grades)} round(s)\n")
    print(f"bare script's cells: CPU {bare_cells_cpu:.2f} s, wall {bare_cells_wall:.2f} s "
          f"(whole script process: CPU {statistics.median(b.cpu for b in bares):.2f} s, "
          f"wall {statistics.median(b.wall for b in bares):.2f} s)\n")
    print("| process | stage | CPU s | x bare cells | wall s | x bare cells | bare cell CPU s |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for program, stage, cpu, wall in table:
        bare = statistics.median(b.cells.get(stage, (float("nan"), 0.0))[0] for b in bares)
        bare_text = f"{bare:.2f}" if stage.startswith("cell ") else ""
        print(f"| {program} | {stage} | {cpu:.2f} | {cpu / bare_cells_cpu:.2f} | {wall:.2f} | "
              f"{wall / bare_cells_wall:.2f} | {bare_text} |")
    wall = statistics.median(g.wall for g in grades)
    print(f"| **all** | CPU of every stage; the grade's wall | **{total_cpu:.2f}** | "
          f"**{total_cpu / bare_cells_cpu:.2f}** | **{wall:.2f}** | **{wall / bare_cells_wall:.2f}** | |")
    print_summary(table, bare_cells_cpu)
    grader = statistics.median(g.grader_cpu for g in grades)
    print(f"\ngrader process (and its reaped children) over the whole grade: CPU {grader:.2f} s; "
          f"notebook parses of the submission: {grades[0].parses}")


CATEGORIES = (
    ("start-up and fork, stop", lambda p, s: p == "fork server" or s.startswith(("start", "stop"))),
    ("the student's cells", lambda p, s: p == "student" and s.startswith("cell ")),
    ("student: answering checks (values, exports)", lambda p, s: p == "student" and s.startswith("request ")),
    ("runner: its jobs", lambda p, s: p == "runner" and s.startswith(("job ", "set up"))),
    ("clean room: tracing, exporting",
     lambda p, s: p.startswith("clean room") and s.startswith(("trace", "set up", "seed"))),
    ("checks: pytest, each check, Hypothesis",
     lambda p, s: p == "checks" and s.startswith(("check ", "collect", "wait"))),
    ("OCR (tesseract)", lambda p, s: p == "checks" and s == "run tesseract"),
    ("reports", lambda p, s: p == "grader" and s.startswith("report")),
    ("other", lambda p, s: True),
)


def print_summary(table: list[tuple[str, str, float, float]], bare_cells_cpu: float) -> None:
    """The rows in a few groups: where the CPU goes, as a share of the grade and against the bare cells."""
    totals = dict.fromkeys((name for name, _ in CATEGORIES), 0.0)
    for program, stage, cpu, _wall in table:
        name = next(n for n, belongs in CATEGORIES if belongs(program, stage.split(" (x")[0]))
        totals[name] += cpu
    everything = sum(totals.values())
    print("\n| where the CPU goes | CPU s | share | x bare cells |\n|---|---:|---:|---:|")
    for name, cpu in totals.items():
        print(f"| {name} | {cpu:.2f} | {cpu / everything:.0%} | {cpu / bare_cells_cpu:.2f} |")


def _median_rows(grades: list[Grade]) -> list[tuple[str, str, float, float]]:
    """Rows of the first grade, each its median over every grade (a row a grade lacks counts 0)."""
    tables = [{(p, s): (c, w) for p, s, c, w in rows(g)} for g in grades]
    keys = list(dict.fromkeys(key for table in tables for key in table))
    return [(*key, statistics.median(t.get(key, (0.0, 0.0))[0] for t in tables),
             statistics.median(t.get(key, (0.0, 0.0))[1] for t in tables)) for key in keys]


def once_per_batch() -> None:
    """What a batch pays once, not per submission: the fork server's start, and the grader's own imports."""
    from autograder.grading.execution import PROGRAMS
    from autograder.sandbox import launcher

    server = launcher.shared_fork_server(PROGRAMS)
    start = time.monotonic()
    server._started()
    wall = time.monotonic() - start
    print(f"fork server start (TensorFlow and the programs imported): CPU {fork_server_cpu():.2f} s, wall {wall:.2f} s")
    probe = ("import json, os, sys, autograder.cli; t = os.times(); print(json.dumps([t.user + t.system, "
             "[m for m in ('tensorflow', 'keras', 'pandas', 'sklearn', 'scipy', 'matplotlib') if m in sys.modules]]))")
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    cpu, heavy = json.loads(done.stdout.splitlines()[-1])
    print(f"the grader's own start (python -c 'import autograder.cli'): CPU {cpu:.2f} s, "
          f"wall {time.monotonic() - start:.2f} s; imports {', '.join(heavy) or 'none of TensorFlow, pandas, sklearn'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("assignments", nargs="*", default=list(ASSIGNMENTS))
    parser.add_argument("--rounds", type=int, default=1, help="measured grades (and bare scripts) per assignment")
    parser.add_argument("--submission", type=Path, help="grade this notebook instead of the solution (one assignment; "
                        "the bare script is still the solution's)")
    args = parser.parse_args()
    if args.submission and len(args.assignments) != 1:
        parser.error("--submission needs exactly one assignment")
    submission = args.submission.resolve() if args.submission else None
    from autograder import profiling
    from autograder.sandbox import forkserver

    os.chdir(ROOT)
    # Before the fork server starts: it reads the switch once, and wraps every program it will fork.
    forkserver.ENV[profiling.VARIABLE] = "1"
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="tfgrade-profile-") as tmp:
        folder = Path(tmp)
        profile = GraderProfile(folder)
        once_per_batch()
        for name in args.assignments:
            grade_once(name, profile, folder, submission)  # warm: the fork server up, files in the page cache
            grades, bares = [], []
            for _ in range(args.rounds):  # interleaved, so both see the same load
                bares.append(bare_script(name, folder))
                grades.append(grade_once(name, profile, folder, submission))
            print_table(name, grades, bares)
    print(f"\nload average after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
