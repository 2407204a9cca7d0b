"""The job clock: what one sandboxed job has used, by the kernel's accounting, not the wall's.

On a loaded machine (load 5-7 on 2 cores) wall time stretches several-fold and an honest cell
lost its points to a wall-clock limit. So the grader's limits count two things the load does not
stretch:

- **CPU time** of every process and thread of the job (cgroup v1 ``cpuacct.usage``, v2
  ``cpu.stat`` ``usage_usec``; without a cgroup, ``/proc``), for work;
- **unhindered time**: wall time less the time the job was ready to run but waited for a CPU
  (cgroup v2 ``cpu.pressure`` "some", else the run-queue delay of its threads, ``/proc/<pid>/
  task/*/schedstat`` 2nd field). A ``time.sleep`` counts in full; load does not.

:attr:`Usage.seconds` is the larger of the two: a job that sleeps is charged its sleep, one that
computes its CPU, and one that keeps more threads runnable than it gets CPUs (so that it "waits"
all the time) is charged the CPU those threads burn. Measured here: a busy loop under load 7 on
2 cores got 0.12 s of CPU per wall second, and its cgroup's ``cpu.pressure`` and its thread's
schedstat both counted the other 0.88 s as waiting.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Usage:
    """What one job has used since it started (or, from :meth:`since`, between two readings)."""

    cpu_seconds: float = 0.0
    """CPU time of all the job's processes and threads."""
    waiting_seconds: float = 0.0
    """Time during which some thread of the job was ready to run but waited for a CPU."""
    wall_seconds: float = 0.0

    @property
    def unhindered_seconds(self) -> float:
        """Wall time in which the job was not kept from running by others: sleeps count, load does not."""
        return max(0.0, self.wall_seconds - self.waiting_seconds)

    @property
    def seconds(self) -> float:
        """The job's own time: the larger of its CPU time and its unhindered time."""
        return max(self.cpu_seconds, self.unhindered_seconds)

    def since(self, earlier: Usage) -> Usage:
        return Usage(self.cpu_seconds - earlier.cpu_seconds, self.waiting_seconds - earlier.waiting_seconds,
                     self.wall_seconds - earlier.wall_seconds)

    def as_json(self) -> dict[str, float]:
        return {"cpu_seconds": self.cpu_seconds, "waiting_seconds": self.waiting_seconds,
                "wall_seconds": self.wall_seconds}

    @classmethod
    def from_json(cls, data: object) -> Usage:
        """From :meth:`as_json` (raises ValueError on anything else)."""
        if not isinstance(data, dict):
            raise ValueError("usage is not an object")
        values = [data.get(k) for k in ("cpu_seconds", "waiting_seconds", "wall_seconds")]
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            raise ValueError("usage is not three numbers")
        return cls(*(float(v) for v in values))  # type: ignore[arg-type]


def cgroup_cpu_seconds(groups: Iterable[Path]) -> float | None:
    """CPU time charged to the first of ``groups`` that counts it, or None if none does."""
    for group in groups:
        usage = _read(group / "cpuacct.usage")
        if usage.strip().isdigit():
            return int(usage) / 1e9
        value = _field(_read(group / "cpu.stat"), "usage_usec")
        if value is not None:
            return value / 1e6
    return None


def cgroup_waiting_seconds(groups: Iterable[Path]) -> float | None:
    """The "some" total of the first of ``groups`` with a ``cpu.pressure`` file (cgroup v2, PSI)."""
    for group in groups:
        for line in _read(group / "cpu.pressure").splitlines():
            if line.startswith("some "):
                value = _field(line.replace("=", " "), "total")
                if value is not None:
                    return value / 1e6
    return None


@dataclass
class ThreadTally:
    """CPU and run-queue delay of a set of processes' threads, read from /proc.

    A thread's counters vanish when it ends, so the last value seen of each is kept: a thread that
    lived between two readings is missed, which only makes the clock a little stricter.
    """

    members: Callable[[], list[int]]
    cpu: dict[int, float] = field(default_factory=dict)
    waiting: dict[int, float] = field(default_factory=dict)

    def read(self) -> tuple[float, float]:
        """(CPU seconds, waiting seconds) of every thread seen so far."""
        for pid in self.members():
            for task in _tasks(pid):
                stat = _read(f"/proc/{pid}/task/{task}/stat").rsplit(")", 1)[-1].split()
                if len(stat) > 12:
                    self.cpu[task] = max(self.cpu.get(task, 0.0), (int(stat[11]) + int(stat[12])) / TICKS)
                delay = _read(f"/proc/{pid}/task/{task}/schedstat").split()
                if len(delay) > 1 and delay[1].isdigit():
                    self.waiting[task] = max(self.waiting.get(task, 0.0), int(delay[1]) / 1e9)
        return sum(self.cpu.values()), sum(self.waiting.values())


def own_waiting_seconds() -> float:
    """Run-queue delay of this process's threads (for the cell timer inside the student's process)."""
    pid = os.getpid()
    total = 0.0
    for task in _tasks(pid):
        delay = _read(f"/proc/{pid}/task/{task}/schedstat").split()
        if len(delay) > 1 and delay[1].isdigit():
            total += int(delay[1]) / 1e9
    return total


def _tasks(pid: int) -> list[int]:
    try:
        return [int(t) for t in os.listdir(f"/proc/{pid}/task") if t.isdigit()]
    except OSError:
        return []


def _field(text: str, key: str) -> int | None:
    words = text.split()
    for name, value in zip(words, words[1:], strict=False):
        if name == key and value.isdigit():
            return int(value)
    return None


def _read(path: Path | str) -> str:
    try:
        with open(path) as handle:
            return handle.read()
    except OSError:
        return ""
