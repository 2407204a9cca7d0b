"""The CPU one command costs, counted by the kernel for it alone, on a machine others are using too.

The machine-wide count (/proc/stat) adds whatever else runs meanwhile, which on a shared machine is
as large as what is measured. Here the command runs in a cgroup of its own: the kernel charges it,
and everything it starts, with their CPU, ended processes included. tfgrade moves each sandboxed
job into a cgroup of the job's own, under ``cgroups.CGROUP_PARENT``; the command given here is
started with that parent renamed to one of this run's (see :func:`tfgrade_command`), so the jobs'
CPU is counted there, dead jobs' included (a parent's count holds its removed children's).

Where no cgroup can be made (not root, no cpuacct or v2 cpu accounting), it falls back to the
machine-wide count and says so.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
HIERARCHIES = ("cpuacct", "memory", "pids", "cpu", "freezer", "unified", "")
"""Where tfgrade may have made its job groups (v1 controllers, the hybrid v2 tree, a pure v2 root)."""


@dataclass(frozen=True)
class Measured:
    wall: float
    cpu: float


def accounting_root() -> Path | None:
    """Where this machine counts a cgroup's CPU: v1 ``cpuacct``, else the v2 root; None if we cannot make groups."""
    for root in (ROOT / "cpuacct", ROOT):
        usage = root / ("cpuacct.usage" if root.name == "cpuacct" else "cgroup.controllers")
        if usage.exists() and os.access(root, os.W_OK):
            return root
    return None


def usage_seconds(group: Path) -> float:
    """A group's CPU so far, its descendants' (ended ones included) counted in."""
    if (group / "cpuacct.usage").exists():
        return int((group / "cpuacct.usage").read_text()) / 1e9
    for line in (group / "cpu.stat").read_text().splitlines():
        key, _, value = line.partition(" ")
        if key == "usage_usec":
            return int(value) / 1e6
    raise OSError(f"{group} counts no CPU")


def machine_cpu_seconds() -> float:
    """CPU used by the whole machine so far (the fallback), from /proc/stat."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system = (int(x) for x in fields[:3])
    return (user + nice + system) / os.sysconf("SC_CLK_TCK")


def how() -> str:
    root = accounting_root()
    if root is None:
        return "machine-wide CPU (/proc/stat: includes everything else running; no cgroup could be made)"
    return f"CPU counted by the kernel for the commands alone (cgroup {root})"


def tfgrade_command(args: list[str], parent: str) -> list[str]:
    """``tfgrade ARGS`` with its jobs' cgroups under ``parent`` instead of the shared ``tfgrade``."""
    code = ("import sys; from autograder.sandbox import cgroups; cgroups.CGROUP_PARENT = sys.argv.pop(1); "
            "from autograder.cli import main; sys.argv[0] = 'tfgrade'; sys.exit(main())")
    return [sys.executable, "-c", code, parent, *args]


@contextlib.contextmanager
def _groups(name: str) -> Iterator[tuple[Path, Path] | None]:
    """Two fresh groups (the command's own, and the parent of its jobs'), removed afterwards."""
    root = accounting_root()
    if root is None:
        yield None
        return
    own, jobs = root / name, root / f"{name}-jobs"
    own.mkdir()
    try:
        yield own, jobs
    finally:
        _remove(own)
        for hierarchy in HIERARCHIES:
            _remove(ROOT / hierarchy / f"{name}-jobs")


def _remove(group: Path) -> None:
    if not group.is_dir():
        return
    for child in group.iterdir():
        if child.is_dir():
            _remove(child)
    for _ in range(50):  # a group empties a moment after its last process is reaped
        try:
            group.rmdir()
            return
        except OSError:
            time.sleep(0.1)


def run(commands: list[list[str]], cwd: Path | None = None, *, tfgrade: bool = False,
        after: Callable[[], object] | None = None) -> Measured:
    """Wall time and CPU of the commands, one after another; with ``tfgrade``, each is a ``tfgrade`` argument list.
    ``after`` runs once they are done, still counted (e.g. stopping a server they left running)."""
    name = f"tfgrade-bench-{os.getpid()}-{time.monotonic_ns()}"
    with _groups(name) as groups:
        before, start = machine_cpu_seconds(), time.perf_counter()
        for command in commands:
            argv = tfgrade_command(command, f"{name}-jobs") if tfgrade else command
            join = None if groups is None else _joiner(groups[0])
            subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, cwd=cwd,
                           preexec_fn=join)
        wall = time.perf_counter() - start
        if after is not None:
            after()
        if groups is None:
            return Measured(wall, machine_cpu_seconds() - before)
        own, jobs = groups
        _settle(own)  # the grader does not wait for its fork server, which ends just after it
        return Measured(wall, usage_seconds(own) + (usage_seconds(jobs) if jobs.is_dir() else 0.0))


def _settle(group: Path, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while (group / "cgroup.procs").read_text().strip() and time.monotonic() < deadline:
        time.sleep(0.05)


def _joiner(group: Path) -> object:
    def join() -> None:  # in the child, before exec: it and all it starts are counted in the group
        (group / "cgroup.procs").write_text("0")

    return join
