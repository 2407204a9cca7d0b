"""Grading on a real Dask cluster, measured: per-task overhead, the bundle's cost, throughput against `-j`.

Starts `dask scheduler` and --workers `dask worker` processes (one thread each), as docs/dask.md
describes, each worker in a mount namespace of its own with a tmpfs over the instructor's folder
(the submissions and every output: no shared paths) and its own scratch folder. Then grades N
submissions (the mix of batch_throughput.pick) twice, side by side in one run: with `tfgrade grade
--scheduler` and with a local `tfgrade grade -j <workers>` on the same cores, taking turns going first.

CPU is counted by the kernel per party (a cgroup each, as cpu_account.py does): the client command,
the scheduler, and each worker with everything it starts (fork server, sandboxed jobs). Inside each
worker the task function, grading and unpacking are wrapped to log their process CPU (cheap: two
clock reads and one line appended per task), so the worker's CPU splits into

- grading: the CPU of the worker process during ``grade()`` plus every process the worker started;
- per-task overhead: the rest of the task function (writing the submission, encoding the report)
  and the worker process's CPU outside any task (receiving the task and its bytes, sending the
  report, heartbeats), plus the scheduler's CPU during the batch;
- once per worker: the plugin's setup (unpack, the checks that a worker can grade).

The scheduler's peak memory is its VmHWM, and its resident memory before and after the batch.

    .venv/bin/python benchmarks/dask_scale.py [--count 100] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import cpu_account
from batch_throughput import copy_submissions, pick, pool
from cpu_account import Measured

BIN = Path(sys.executable).parent
STARTUP_SECONDS = 120.0
QUIET = {
    "DASK_DISTRIBUTED__ADMIN__TICK__INTERVAL": "1s",
    "DASK_DISTRIBUTED__ADMIN__SYSTEM_MONITOR__INTERVAL": "5s",
    "DASK_DISTRIBUTED__WORKER__MEMORY__MONITOR_INTERVAL": "1s",
    "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "False",
}
"""Dask's housekeeping slowed down (docs/dask.md): by default an idle worker spends ~36 ms of CPU a second on
its event-loop tick (20 ms), system and memory monitors and the statistical profiler (every 10 ms), and an idle
scheduler ~19 ms."""
LOG_ENV = "TFGRADE_BENCH_WORKER_LOG"


# -- inside each worker ---------------------------------------------------------------------------


def serve_worker(parent: str, log: str, argv: list[str]) -> None:
    """Runs as the worker process: jobs' cgroups under ``parent``, the task functions wrapped, then `dask worker`."""
    from autograder.sandbox import cgroups

    cgroups.CGROUP_PARENT = parent
    from autograder.interop import dask_worker

    _instrument(dask_worker, Path(log))
    from distributed.cli.dask_worker import main

    sys.argv = ["dask-worker", *argv]
    main()


def _instrument(module: object, log: Path) -> None:
    """Wrap the task, grading, plugin setup and unpack so each logs its process CPU and wall time."""
    for owner, name, what in ((module, "grade_on_worker", "task"), (module, "grade", "grade"),
                              (module, "unpack", "unpack"), (module.AssignmentBundle, "setup", "setup")):  # type: ignore[attr-defined]
        setattr(owner, name, _timed(getattr(owner, name), what, log))


def _timed(function, what: str, log: Path):  # type: ignore[no-untyped-def]
    def timed(*args, **kwargs):  # type: ignore[no-untyped-def]
        cpu, thread, wall = time.process_time(), time.thread_time(), time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            # thread: this call's own CPU; cpu (the process's) also holds the event loop's ticks meanwhile
            record = {"what": what, "cpu": time.process_time() - cpu, "thread": time.thread_time() - thread,
                      "wall": time.perf_counter() - wall, "process_cpu": time.process_time()}
            if what == "unpack":
                record["bytes"] = len(args[0])
            with log.open("a") as out:
                out.write(json.dumps(record) + "\n")

    return timed


# -- the cluster ----------------------------------------------------------------------------------


@dataclass
class Party:
    """A process of the cluster in a cgroup of its own (and its jobs' parent group)."""

    name: str
    process: subprocess.Popen[bytes]
    groups: tuple[Path, Path]
    log: Path | None = None

    def cpu(self) -> float:
        own, jobs = self.groups
        return cpu_account.usage_seconds(own) + (cpu_account.usage_seconds(jobs) if jobs.is_dir() else 0.0)

    def process_cpu(self) -> float:
        """The party's own process (not its children): utime + stime from /proc/PID/stat."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def status(self, key: str) -> int:
        """A /proc/PID/status figure in bytes (VmRSS, VmHWM)."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
        return 0


@contextmanager
def party(stack: ExitStack, name: str, argv: list[str], home: Path, log: Path | None = None,
          env: dict[str, str] | None = None) -> Iterator[Party]:
    groups = stack.enter_context(cpu_account._groups(f"tfgrade-dask-{name}-{os.getpid()}"))
    if groups is None:
        raise SystemExit("dask_scale needs cgroups it can make (root, cgroup v1 cpuacct or v2)")
    home.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(argv, cwd=home, start_new_session=True, stdout=subprocess.DEVNULL, env=env,
                               stderr=(home / f"{name}.log").open("wb"), preexec_fn=cpu_account._joiner(groups[0]))
    try:
        yield Party(name, process, groups, log)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def start_scheduler(stack: ExitStack, base: Path, env: dict[str, str]) -> tuple[Party, str]:
    file = base / "scheduler" / "scheduler.json"
    argv = [str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
            "--scheduler-file", str(file)]
    scheduler = stack.enter_context(party(stack, "scheduler", argv, base / "scheduler", env=env))
    deadline = time.monotonic() + STARTUP_SECONDS
    while not file.exists():
        if time.monotonic() > deadline or scheduler.process.poll() is not None:
            raise SystemExit(f"the scheduler did not start; see {base / 'scheduler'}/scheduler.log")
        time.sleep(0.2)
    return scheduler, json.loads(file.read_text())["address"]


def start_worker(stack: ExitStack, base: Path, hidden: Path, address: str, number: int, env: dict[str, str]) -> Party:
    """A worker that cannot see ``hidden`` (a tmpfs over it in its own mount namespace), in a home of its own."""
    name = f"worker{number}"
    home, log = base / name, base / name / "tasks.jsonl"
    parent = f"tfgrade-dask-{name}-{os.getpid()}-jobs"  # the jobs' group that party() made for this worker
    script = '"$1" -t tmpfs -o size=1m hidden "$2" && cd "$3" && shift 3 && exec "$@"'
    worker = [sys.executable, str(Path(__file__).resolve()), "--serve-worker", parent, str(log), "--",
              address, "--name", name, "--nthreads", "1", "--no-nanny", "--no-dashboard",
              "--local-directory", str(home / "scratch")]
    argv = [shutil.which("unshare") or "unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", script,
            "sh", shutil.which("mount") or "mount", str(hidden), str(home), *worker]
    return stack.enter_context(party(stack, name, argv, home, log, env=env))


def wait_for_workers(address: str, count: int) -> None:
    from distributed import Client

    with Client(address, timeout=STARTUP_SECONDS) as client:
        client.wait_for_workers(count, timeout=STARTUP_SECONDS)


# -- the figures ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkerSplit:
    """One worker's CPU during the batch, split by the log of its wrapped functions."""

    total: float
    """The worker's cgroup: its process, its fork server and every job."""
    process: float
    """The worker process alone, from the first setup to the last task's end."""
    tasks: int
    task: float
    grade: float
    """The grading thread's own CPU in grade(): the event loop's ticks meanwhile are overhead, not grading."""
    setup: float
    unpack: float
    unpack_wall: float
    bundle_bytes: int

    @property
    def overhead(self) -> float:
        """Per-task CPU that a local batch does not spend: the worker process outside grade() and setup."""
        return self.process - self.grade - self.setup

    @property
    def grading(self) -> float:
        return self.total - self.overhead - self.setup


def split(records: list[dict[str, float]], total: float, process_before: float) -> WorkerSplit:
    """``records`` as logged by the wrapped functions; ``process_before`` the worker's process CPU before."""
    def summed(what: str, key: str = "cpu") -> float:
        return sum(r.get(key, r["cpu"]) for r in records if r["what"] == what)

    last = max((r["process_cpu"] for r in records), default=process_before)
    unpacks = [r for r in records if r["what"] == "unpack"]
    tasks = sum(r["what"] == "task" for r in records)
    return WorkerSplit(total, last - process_before, tasks, summed("task", "thread"), summed("grade", "thread"),
                       summed("setup"), summed("unpack"), summed("unpack", "wall"),
                       int(max((r.get("bytes", 0) for r in unpacks), default=0)))


def first_process_cpu(records: list[dict[str, float]]) -> float:
    """The worker's process CPU when its first setup began (the log holds it at the end, less the setup's)."""
    setups = [r for r in records if r["what"] == "setup"]
    return setups[0]["process_cpu"] - setups[0]["cpu"] if setups else 0.0


def read_log(path: Path) -> list[dict[str, float]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def plugin_sizes(names: list[str]) -> dict[str, int]:
    """Bytes each assignment's plugin travels as (pickled, as the scheduler keeps it and sends it to a worker)."""
    import pickle

    from autograder.core.assignment import load
    from autograder.interop.dask_worker import AssignmentBundle
    from autograder.interop.distributed import WorkerSettings

    return {name: len(pickle.dumps(AssignmentBundle.of(load(name), WorkerSettings()))) for name in names}


def share(part: float, whole: float) -> str:
    return f"{part / whole:.1%}" if whole else "n/a"


# -- the run --------------------------------------------------------------------------------------


def only(file_name: str, count: int) -> dict[str, list[Path]]:
    """``count`` copies of the pool's notebook named ``file_name``, under its assignment."""
    found = {name: [p for p in paths if p.name == file_name] for name, paths in pool().items()}
    for name, paths in found.items():
        if paths:
            return {name: paths[:1] * count}
    raise SystemExit(f"no notebook named {file_name} in the pool")


def grade_commands(copies: dict[str, list[Path]], out: Path, jobs: int, extra: list[str]) -> list[list[str]]:
    return [["grade", str(out.parent / "submissions" / name), "-a", name, "-j", str(jobs), "--out",
             str(out / name), *extra] for name in copies]


def run_batch(copies: dict[str, list[Path]], out: Path, jobs: int, extra: list[str]) -> Measured:
    return cpu_account.run(grade_commands(copies, out, jobs, extra), tfgrade=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dask-first", action="store_true", help="grade on the cluster before the local batch")
    parser.add_argument("--only", metavar="FILE", help="grade --count copies of this one notebook of the mix's pool "
                        "(its file name), e.g. to see whether a grade that differed differs again")
    parser.add_argument("--quiet-housekeeping", action="store_true",
                        help="start the scheduler and workers with Dask's housekeeping slowed down (QUIET)")
    args = parser.parse_args()
    env = {**os.environ, **(QUIET if args.quiet_housekeeping else {})}
    chosen = only(args.only, args.count) if args.only else pick(args.count)
    load_before = os.getloadavg()
    print(f"{args.count} submissions ({', '.join(f'{k} {len(v)}' for k, v in chosen.items())}); {args.workers} "
          f"workers x 1 thread vs local -j {args.workers}; Dask housekeeping "
          f"{'slowed (QUIET)' if args.quiet_housekeeping else 'as by default'}; {cpu_account.how()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="tfgrade-dask-scale-") as tmp, ExitStack() as stack:
        base = Path(tmp)
        instructor = base / "instructor"
        (instructor / "submissions").mkdir(parents=True)
        copies = copy_submissions(chosen, instructor / "submissions")
        scheduler, address = start_scheduler(stack, base / "cluster", env)
        workers = [start_worker(stack, base / "cluster", instructor, address, n, env) for n in range(args.workers)]
        wait_for_workers(address, args.workers)
        side = SideBySide(copies, instructor, scheduler, workers, address)
        for which in (["dask", "local"] if args.dask_first else ["local", "dask"]):
            side.dask() if which == "dask" else side.local()
        side.report(args.count)
    print(f"  load average (1 min) before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f}; "
          f"{os.cpu_count()} cores (shared with other work: prefer the CPU figures to wall)")
    return 0


class SideBySide:
    """The same submissions graded on the cluster and by a local batch, and what each party spent."""

    def __init__(self, copies: dict[str, list[Path]], instructor: Path, scheduler: Party, workers: list[Party],
                 address: str) -> None:
        self.copies, self.instructor, self.scheduler, self.workers = copies, instructor, scheduler, workers
        self.address = address
        self.runs: dict[str, Measured] = {}
        self.idle_rss = scheduler.status("VmRSS")

    def _cluster_cpu(self) -> list[float]:
        """The scheduler's, each worker's cgroup's, then the worker processes' own CPU so far."""
        return [self.scheduler.cpu(), *(w.cpu() for w in self.workers), *(w.process_cpu() for w in self.workers)]

    def dask(self) -> None:
        before = self._cluster_cpu()
        self.runs["dask"] = run_batch(self.copies, self.instructor / "out-dask", len(self.workers),
                                      ["--scheduler", self.address])
        self.dask_cpu = [now - then for now, then in zip(self._cluster_cpu(), before, strict=True)]
        self.held = {"rss": self.scheduler.status("VmRSS"), "hwm": self.scheduler.status("VmHWM"),
                     "worker_hwm": max(w.status("VmHWM") for w in self.workers)}
        workers = ", ".join(f"{c:.1f}" for c in self.dask_cpu[1:len(self.workers) + 1])
        print(f"dask batch: wall {self.runs['dask'].wall:.1f} s, client cpu {self.runs['dask'].cpu:.1f} s, scheduler "
              f"{self.dask_cpu[0]:.1f} s, workers {workers} s", flush=True)

    def local(self) -> None:
        """Meanwhile the cluster idles: its CPU now is what it costs per second doing nothing."""
        before = self._cluster_cpu()
        self.runs["local"] = run_batch(self.copies, self.instructor / "out-local", len(self.workers), [])
        self.idle_cpu = [now - then for now, then in zip(self._cluster_cpu(), before, strict=True)]
        print(f"local batch: wall {self.runs['local'].wall:.1f} s, cpu {self.runs['local'].cpu:.1f} s; "
              f"the idle cluster meanwhile {', '.join(f'{c:.1f}' for c in self.idle_cpu)} s", flush=True)

    def report(self, n: int) -> None:
        logs = [read_log(w.log) if w.log else [] for w in self.workers]
        splits = {w.name: split(log, total, first_process_cpu(log))
                  for w, log, total in zip(self.workers, logs, self.dask_cpu[1:len(self.workers) + 1], strict=True)}
        idle = {"rss": self.idle_rss}
        report(n, self.runs, splits, self.dask_cpu[0], idle, self.held, same_grades(self.instructor, list(self.copies)))
        idle_line(self.runs, self.idle_cpu, self.dask_cpu[0], splits)
        sizes = plugin_sizes(list(self.copies))
        print("bundle, once per worker per assignment, sent by the scheduler: " + ", ".join(
            f"{name} {size / 1024:.0f} KiB pickled" for name, size in sizes.items()) + f" (at 1 Gbit/s, "
            f"{sum(sizes.values()) * 8 / 1e9 * 1000:.1f} ms for all)")


def idle_line(runs: dict[str, Measured], idle_cpu: list[float], scheduler_cpu: float,
              splits: dict[str, WorkerSplit]) -> None:
    """What the cluster costs idle (measured during the local batch), and the per-task overhead without it.

    ``idle_cpu``: the scheduler's, each worker's cgroup's, then each worker process's own CPU over the local batch.
    """
    count, wall, idle_wall = len(splits), runs["dask"].wall, runs["local"].wall
    scheduler_rate = idle_cpu[0] / idle_wall
    group_rate, process_rate = sum(idle_cpu[1:count + 1]) / idle_wall, sum(idle_cpu[count + 1:]) / idle_wall
    tasks = max(sum(s.tasks for s in splits.values()), 1)
    grading = sum(s.grading for s in splits.values())
    per_task = scheduler_cpu - scheduler_rate * wall + sum(s.overhead for s in splits.values()) - process_rate * wall
    print(f"idle cluster (measured during the local batch): scheduler {scheduler_rate * 1000:.0f} ms cpu per second; "
          f"each worker {group_rate / count * 1000:.0f} ms per second with its fork server, "
          f"{process_rate / count * 1000:.0f} ms of it in the worker process")
    print(f"per-task overhead less the scheduler's and worker processes' idle ticks: {per_task:.2f} s = "
          f"{per_task / tasks * 1000:.0f} ms per task = {share(per_task, grading)} of grading cpu")


def same_grades(instructor: Path, names: list[str]) -> str:
    """Whether both batches gave every submission the same score (the grades.csv score columns)."""
    import csv

    differ = []
    for name in names:
        rows = [{r["submission"]: (r.get("status"), r.get("score")) for r in
                 csv.DictReader((instructor / out / name / "grades.csv").open())} for out in ("out-dask", "out-local")]
        differ += [f"{name}/{Path(key).name} (dask {rows[0].get(key)}, local {rows[1][key]})"
                   for key in rows[1] if rows[0].get(key) != rows[1][key]]
        differ += [f"{name}/{key} (dask only)" for key in rows[0] if key not in rows[1]]
    if not differ:
        return "identical"
    keep = Path(tempfile.mkdtemp(prefix="tfgrade-dask-scale-differ-"))  # the run's folder goes: keep both batches
    for out in ("out-dask", "out-local"):
        shutil.copytree(instructor / out, keep / out)
    return f"DIFFER for {len(differ)}: {', '.join(differ[:10])}; both batches kept in {keep}"


def report(n: int, runs: dict[str, Measured], splits: dict[str, WorkerSplit], scheduler_cpu: float,
           idle: dict[str, int], held: dict[str, int], same: str) -> None:
    dask, local = runs["dask"], runs["local"]
    workers_total = sum(s.total for s in splits.values())
    grading = sum(s.grading for s in splits.values())
    overhead = sum(s.overhead for s in splits.values())
    tasks = sum(s.tasks for s in splits.values())
    print(f"\nthroughput: dask wall {dask.wall:.1f} s ({n / dask.wall * 60:.1f} per minute), local -j wall "
          f"{local.wall:.1f} s ({n / local.wall * 60:.1f} per minute): dask / local {local.wall / dask.wall:.2f}x")
    print(f"cpu: dask client {dask.cpu:.1f} s + scheduler {scheduler_cpu:.1f} s + workers {workers_total:.1f} s = "
          f"{dask.cpu + scheduler_cpu + workers_total:.1f} s; local batch {local.cpu:.1f} s "
          f"({local.cpu / n:.2f} s per submission)")
    print(f"grades.csv, dask vs local: {same}; tasks run {tasks} of {n}")
    print(f"grading cpu on the workers {grading:.1f} s ({grading / max(tasks, 1):.2f} s per task)")
    in_task = sum(s.task - s.grade for s in splits.values())
    print(f"per-task overhead: worker process outside grade() {overhead:.2f} s (in the task function "
          f"{in_task:.2f} s), scheduler {scheduler_cpu:.2f} s; together {overhead + scheduler_cpu:.2f} s = "
          f"{(overhead + scheduler_cpu) / max(tasks, 1) * 1000:.0f} ms per task = "
          f"{share(overhead + scheduler_cpu, grading)} of grading cpu")
    everything = dask.cpu + scheduler_cpu + workers_total
    print(f"end to end: every dask party's cpu / the local batch's = {everything / local.cpu:.2f}x (client, "
          f"scheduler and workers against one local command; includes run-to-run spread)")
    for name, s in splits.items():
        print(f"  {name}: {s.tasks} tasks, total {s.total:.1f} s cpu, grading {s.grading:.1f} s, overhead "
              f"{s.overhead:.2f} s, setup (once per assignment) {s.setup:.2f} s cpu, of which unpack "
              f"{s.unpack * 1000:.0f} ms cpu / {s.unpack_wall * 1000:.0f} ms wall for a "
              f"{s.bundle_bytes / 1024:.0f} KiB bundle")
    print(f"scheduler memory: resident {idle['rss'] / 2**20:.0f} MB idle, {held['rss'] / 2**20:.0f} MB after the "
          f"batch, peak (VmHWM) {held['hwm'] / 2**20:.0f} MB; a worker process's own peak (VmHWM, its fork "
          f"server and jobs apart) {held['worker_hwm'] / 2**20:.0f} MB")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--serve-worker":
        serve_worker(sys.argv[2], sys.argv[3], sys.argv[5:])
    else:
        raise SystemExit(main())
